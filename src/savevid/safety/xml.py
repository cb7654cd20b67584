"""XML from sites (DASH manifests, SMIL, RSS) read without entities or external references.

yt-dlp reads XML with the standard library, which expands entities a document declares (the
"billion laughs") and keeps a DTD's declarations. ``install()`` has every XML document that
yt-dlp's extractors read parsed by defusedxml instead, and refuses documents over
``MAX_XML_BYTES`` and DASH manifests whose segment templates or timelines would expand to more
than ``MAX_SEGMENTS`` fragments (yt-dlp builds that list in memory before anything is downloaded).
"""

from __future__ import annotations

import math
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import fromstring
from yt_dlp.utils import parse_duration

MAX_XML_BYTES = 16 << 20  # a long DASH manifest is a few MB
MAX_SEGMENTS = 1_000_000  # all representations together; a 3-hour film in 2-second segments is 5,400


class UnsafeXml(ValueError):
    """A document that declares entities or external references, or that is too large."""


def parse_xml(text: str | bytes) -> Element:
    """The document's root; UnsafeXml for one that is too large or declares entities or external
    references, or a manifest of too many segments; ParseError for one that is malformed."""
    if len(text) > MAX_XML_BYTES:
        raise UnsafeXml(f"an XML document of more than {MAX_XML_BYTES >> 20} MB")
    try:
        root: Element = fromstring(text)
    except EntitiesForbidden:
        raise UnsafeXml("an XML document that declares entities") from None
    except DefusedXmlException:
        raise UnsafeXml("an XML document with external references") from None
    if _local(root.tag) == "MPD" and _segments(root) > MAX_SEGMENTS:
        raise UnsafeXml(f"a DASH manifest of more than {MAX_SEGMENTS:,} segments")
    return root


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _seconds(text: str | None) -> float:
    return float(parse_duration(text) or 0)


def _segments(mpd: Element) -> float:
    """How many fragments the manifest's segment templates and timelines describe (an upper bound)."""
    length = _seconds(mpd.get("mediaPresentationDuration")) or sum(
        _seconds(p.get("duration")) for p in mpd.iter() if _local(p.tag) == "Period"
    )
    total = 0.0
    for template in (e for e in mpd.iter() if _local(e.tag) == "SegmentTemplate"):
        try:
            timescale = float(template.get("timescale") or 1) or 1.0
            timeline = [s for s in template.iter() if _local(s.tag) == "S"]
            for step in timeline:
                repeat = int(step.get("r") or 0)
                per = float(step.get("d") or 0) / timescale
                total += repeat + 1 if repeat >= 0 else (math.ceil(length / per) if per > 0 else math.inf)
            if not timeline and template.get("duration"):
                per = float(template.get("duration") or 0) / timescale
                total += math.ceil(length / per) if per > 0 else math.inf
        except (ValueError, OverflowError):
            continue  # yt-dlp reports what it cannot read
    return total


def install() -> None:
    """Have yt-dlp read XML with parse_xml, in every module that holds its reader (once per process)."""
    import sys

    import yt_dlp.compat
    from yt_dlp.utils import ExtractorError

    original = yt_dlp.compat.compat_etree_fromstring
    if getattr(original, "savevid_checked", False):
        return

    def checked_fromstring(text: str | bytes) -> Any:
        try:
            return parse_xml(text)
        except UnsafeXml as exc:
            raise ExtractorError(f"Refused {exc}", expected=True) from None

    checked_fromstring.savevid_checked = True  # type: ignore[attr-defined]
    yt_dlp.compat.compat_etree_fromstring = checked_fromstring  # for modules imported later
    for name, module in list(sys.modules.items()):  # and those that already hold the name
        if name.startswith("yt_dlp.") and getattr(module, "compat_etree_fromstring", None) is original:
            module.compat_etree_fromstring = checked_fromstring  # type: ignore[attr-defined]
