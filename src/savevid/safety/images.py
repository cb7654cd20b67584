"""What an image really is, judged from its first bytes, before the server passes it on.

A thumbnail comes from a site, whatever type it claims. Only the raster formats browsers show
in an ``<img>`` are passed on, under the type their bytes show: no SVG (it can hold script), no
HTML, nothing a browser would guess at.
"""

from __future__ import annotations

# Enough of the file to tell the formats apart (an AVIF's brands come in its first box).
HEAD = 64
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})
_AVIF_BRANDS = (b"avif", b"avis")


def _is_avif(head: bytes) -> bool:
    """An ISO-BMFF file whose ``ftyp`` box names an AVIF brand (major or compatible)."""
    if head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    brands = head[8 : min(max(size, 16), len(head))]
    return any(brands[i : i + 4] in _AVIF_BRANDS for i in range(0, len(brands) - 3, 4))


def sniff_image(head: bytes) -> str | None:
    """The MIME type of a JPEG, PNG, GIF, WebP or AVIF image from its first bytes; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if _is_avif(head):
        return "image/avif"
    return None
