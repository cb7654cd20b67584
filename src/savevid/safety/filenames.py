"""File names from untrusted titles that are safe on every operating system."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 240  # below the 255-byte limit of ext4, APFS and NTFS, leaving room for suffixes

# Windows refuses these base names whatever the extension (CON.mp4 is CON).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in "123456789¹²³"}
    | {f"LPT{i}" for i in "123456789¹²³"}
)
# Path separators, characters Windows forbids, and nothing else: titles keep their punctuation.
_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_SPACES = re.compile(r"\s+")


def _is_invisible(char: str) -> bool:
    # Cc: control characters; Cf: format characters such as bidi overrides (U+202E) and zero widths.
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_text(text: str) -> str:
    """The text with forbidden and invisible characters replaced, spaces collapsed, NFC form."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if _is_invisible(c) else c for c in text)
    text = _FORBIDDEN.sub(lambda m: _REPLACEMENTS.get(m.group(), "_"), text)
    return _SPACES.sub(" ", text).strip()


_REPLACEMENTS = {"/": "-", "\\": "-", ":": " -", "|": "-", '"': "'", "?": "", "*": ""}


def truncate_bytes(text: str, limit: int) -> str:
    """The longest prefix of text whose UTF-8 form fits in limit bytes, never splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip()


def safe_filename(title: str, media_id: str | None, ext: str, *, limit: int = MAX_NAME_BYTES) -> str:
    """``Title [id].ext`` made safe: no separators or control characters, capped, never reserved."""
    ext = clean_text(ext).replace(" ", "").lstrip(".")[:10] or "bin"
    tail = f" [{clean_text(media_id)[:64]}]" if media_id else ""
    tail += f".{ext}"
    room = max(limit - len(tail.encode("utf-8")), 16)
    stem = truncate_bytes(clean_text(title), room).rstrip(" .")
    stem = stem.lstrip(".- ").rstrip(" .") or "video"  # no hidden files, nothing that reads as an option
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    return f"{stem}{tail}"
