"""What a downloaded file really is, judged from its first bytes, before ffmpeg or a person opens it.

A site controls the bytes it sends. ffmpeg picks a reader by looking at them, and some readers
(HLS, DASH, concat, SDP) would then open URLs or other local files that the bytes name. So every
file savevid downloaded is checked here before any ffmpeg run: media are binary, and a text file
in their place is refused. The same look gives a file of unknown type its right extension.
"""

from __future__ import annotations

from pathlib import Path

from savevid.errors import ErrorCode, SavevidError

HEAD = 4096
# Text that makes ffmpeg (or a player) reach out: playlists, manifests, concat lists, SDP.
_REACHING = (b"#EXTM3U", b"#EXTINF", b"ffconcat", b"<?xml", b"<MPD", b"<smil", b"v=0", b"[playlist]")
AUDIO_VIDEO = frozenset(
    {"mp4", "m4v", "webm", "mkv", "mov", "flv", "3gp", "ts", "avi", "ogv", "mpg", "mpeg"}
    | {"m4a", "mp3", "opus", "ogg", "oga", "aac", "flac", "wav", "weba", "mka", "alac"}
)
SUBTITLES = frozenset({"vtt", "srt", "ass", "ssa", "ttml", "lrc"})
# The only kinds of file savevid ever hands over: nothing a system would run.
MEDIA_EXTENSIONS = AUDIO_VIDEO | SUBTITLES


class NotMedia(SavevidError):
    """A downloaded file is not audio or video."""

    code = ErrorCode.PROCESSING_FAILED


def sniff(head: bytes) -> str | None:
    """The extension that fits these first bytes of a media file, or None when they fit none."""
    if head[4:8] == b"ftyp":
        return "m4a" if head[8:12] in (b"M4A ", b"M4B ") else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    if head.startswith(b"OggS"):
        return "opus" if b"OpusHead" in head[:64] else "ogg"
    if head.startswith(b"RIFF") and head[8:12] in (b"WAVE", b"AVI "):
        return "wav" if head[8:12] == b"WAVE" else "avi"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"FLV"):
        return "flv"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF2):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"  # ADTS
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "ts"
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return "vtt"
    return None


def _reaches(head: bytes) -> bool:
    return any(marker in head[:64] for marker in _REACHING)


def is_text(head: bytes) -> bool:
    """Whether these bytes read as text (what no audio or video file starts with)."""
    if not head or _reaches(head):
        return True
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13) or b >= 0x80)
    return b"\x00" not in head and printable / len(head) > 0.97


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD)


def deliverable_extension(path: Path) -> str:
    """The extension a finished file is handed over with: its own when it names media, else the
    one its bytes show (yt-dlp says ``unknown_video`` for a link without one); NotMedia if none."""
    own = path.suffix.lower().lstrip(".")
    if own in MEDIA_EXTENSIONS:
        return own
    kind = sniff(_head(path))
    if kind is None:
        raise NotMedia("The site sent a file that is not a video or audio savevid knows; "
                       "savevid only saves video, audio and subtitles.")  # fmt: skip
    return kind


def check_media(path: Path) -> None:
    """Refuse a downloaded file that ffmpeg must not be given: empty, a playlist or manifest, or
    text where media belong (subtitles are text, but never a playlist)."""
    head = _head(path)
    if head and not _reaches(head) and (path.suffix.lower().lstrip(".") in SUBTITLES or sniff(head)):
        return
    if is_text(head):
        raise NotMedia("The site sent a page or a playlist where the video should be, not a video.")
