"""XML from sites (DASH manifests, SMIL, RSS) read without entities or external references.

yt-dlp reads XML with the standard library, which expands entities a document declares (the
"billion laughs") and keeps a DTD's declarations. ``install()`` makes every XML document that
yt-dlp's extractors read pass defusedxml first, and refuses documents over ``MAX_XML_BYTES``.
"""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import fromstring

MAX_XML_BYTES = 16 << 20  # a long DASH manifest is a few MB


class UnsafeXml(ValueError):
    """A document that declares entities or external references, or that is too large."""


def check_xml(text: str | bytes) -> None:
    """Raise UnsafeXml for a document that is too large or declares entities or external references."""
    if len(text) > MAX_XML_BYTES:
        raise UnsafeXml(f"an XML document of more than {MAX_XML_BYTES >> 20} MB")
    try:
        fromstring(text.encode() if isinstance(text, str) else text)
    except EntitiesForbidden:
        raise UnsafeXml("an XML document that declares entities") from None
    except DefusedXmlException:
        raise UnsafeXml("an XML document with external references") from None
    except Exception:  # malformed: yt-dlp's own parse reports it as it always has
        return


def install() -> None:
    """Put the check in front of yt-dlp's XML reading, in every module that has it (once per process)."""
    import sys

    import yt_dlp.compat
    from yt_dlp.utils import ExtractorError

    original = yt_dlp.compat.compat_etree_fromstring
    if getattr(original, "savevid_checked", False):
        return

    def checked_fromstring(text: str | bytes) -> Any:
        try:
            check_xml(text)
        except UnsafeXml as exc:
            raise ExtractorError(f"Refused {exc}", expected=True) from None
        return original(text)

    checked_fromstring.savevid_checked = True  # type: ignore[attr-defined]
    yt_dlp.compat.compat_etree_fromstring = checked_fromstring  # for modules imported later
    for name, module in list(sys.modules.items()):  # and those that already hold the name
        if name.startswith("yt_dlp.") and getattr(module, "compat_etree_fromstring", None) is original:
            module.compat_etree_fromstring = checked_fromstring  # type: ignore[attr-defined]
