"""Sizes of single files that yt-dlp does not know, asked of their origin while choices are shown.

A site often links a plain MP4 without saying how big it is. One ``HEAD`` request (or, where
``HEAD`` is refused, a ``GET`` of its first byte) tells: the origin states the length. This is
done only when choices are asked for (``/api/info``, ``savevid info``), never for a download, in
parallel, and for a short while at most: a size not learnt by then is left out, and the requests
still going are cut.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from yt_dlp.networking import Request
from yt_dlp.networking.exceptions import HTTPError

from savevid.resolve.direct import file_size
from savevid.safety.cutoff import Cutoff

log = logging.getLogger("savevid")

Format = dict[str, Any]

DEADLINE = 2.0  # seconds for all of one link's sizes together
MAX_PARALLEL = 8  # requests at a time, for all links together
# The same file by HEAD, then by its first byte for an origin that refuses HEAD (405, 403...).
_ATTEMPTS: tuple[tuple[str, Mapping[str, str]], ...] = (("HEAD", {}), ("GET", {"Range": "bytes=0-0"}))
# One pool for the whole process: many links asked about at once queue here, and a request cut
# at its link's deadline gives its thread back.
_POOL = ThreadPoolExecutor(MAX_PARALLEL, thread_name_prefix="savevid-size")


def unknown_size(fmt: Format) -> bool:
    """Whether fmt is one http(s) file (not streams to merge, not a manifest) of unknown size."""
    url = str(fmt.get("url") or "")
    return (
        not fmt.get("requested_formats")
        and not fmt.get("filesize")
        and not fmt.get("filesize_approx")
        and fmt.get("protocol") in ("http", "https")
        and url.startswith(("http://", "https://"))
    )


def learn_sizes(ydl: Any, formats: Sequence[Format], deadline: float = DEADLINE) -> dict[str, int]:
    """The size in bytes of each of these formats' files whose size is unknown, by URL, learnt
    through ydl (its network rules, cookies and the format's headers); what is not known within
    ``deadline`` seconds, or not stated, is left out, and the requests still going are cut then."""
    wanted = {str(fmt["url"]): fmt for fmt in formats if unknown_size(fmt)}
    if not wanted:
        return {}
    cutoff = Cutoff(deadline).start()
    try:
        asked = {_POOL.submit(_size_under, cutoff, ydl, fmt): url for url, fmt in wanted.items()}
        done, late = wait(asked, timeout=deadline)
        if late:  # a late answer is not waited for: its connection is closed, its thread freed
            cutoff.cut()
            for future in late:
                future.cancel()
    finally:
        cutoff.end()
    sizes = {asked[future]: future.result() for future in done if future.exception() is None}
    return {url: size for url, size in sizes.items() if size}


def _size_under(cutoff: Cutoff, ydl: Any, fmt: Format) -> int | None:
    with cutoff.watch():
        return _size_of(ydl, fmt, cutoff)


def _size_of(ydl: Any, fmt: Format, cutoff: Cutoff) -> int | None:
    headers = {**(fmt.get("http_headers") or {}), "Accept-Encoding": "identity"}
    for method, extra in _ATTEMPTS:
        left = cutoff.remaining()
        if left <= 0:
            return None
        request = Request(str(fmt["url"]), headers={**headers, **extra}, method=method,
                          extensions={"timeout": left})  # fmt: skip
        try:
            response = ydl.urlopen(request)
        except HTTPError as error:
            error.response.close()
            continue  # refused: the other way may be allowed
        except Exception as error:  # unreachable, blocked, closed, cut: the size stays unknown
            log.debug("no size for %s: %s", fmt.get("format_id"), error)
            return None
        try:
            return file_size(response.headers)
        finally:
            response.close()  # the ranged GET's one byte is not read
    return None
