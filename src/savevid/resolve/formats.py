"""Choices a person understands, mapped to yt-dlp format selection, and the options a link offers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from savevid.errors import InvalidOptionError
from savevid.models import AudioFormat, Choice, Option, Quality

Format = dict[str, Any]
Selector = Callable[[str], list[Format]]

MP3_BITRATE_KBPS = 192
_AUDIO_SPECS = {
    AudioFormat.MP3: "ba/b",
    AudioFormat.M4A: "ba[ext=m4a]/ba[acodec^=mp4a]/ba/b",
    AudioFormat.OPUS: "ba[acodec^=opus]/ba/b",
    AudioFormat.BEST: "ba/b",
}


def format_spec(choice: Choice) -> str:
    """The yt-dlp format selector for a choice."""
    if choice.format:
        return choice.format
    if choice.audio_only:
        return _AUDIO_SPECS[choice.audio_format]
    height = choice.quality.height
    if height is None:
        return "bv*+ba/b"
    # Best at or under the height; if the site has nothing that small, the smallest above it.
    return f"bv*[height<=?{height}]+ba/b[height<=?{height}]/wv*+ba/w"


def postprocessors(choice: Choice) -> list[dict[str, Any]]:
    """yt-dlp postprocessors that turn the downloaded streams into what was chosen."""
    if not choice.audio_only:
        return []
    extract: dict[str, Any] = {"key": "FFmpegExtractAudio", "preferredcodec": choice.audio_format}
    if choice.audio_format is AudioFormat.MP3:
        extract["preferredquality"] = str(MP3_BITRATE_KBPS)
    return [extract, {"key": "FFmpegMetadata", "add_metadata": True}]


def make_selector(build: Callable[[str], Any], formats: Sequence[Format]) -> Selector:
    """A function from a format spec to the formats yt-dlp would download for it."""
    ctx = {
        "formats": list(formats),
        "has_merged_format": any("none" not in (f.get("acodec"), f.get("vcodec")) for f in formats),
        "incomplete_formats": all(f.get("vcodec") == "none" for f in formats)
        or all(f.get("acodec") == "none" for f in formats),
    }

    def select(spec: str) -> list[Format]:
        try:
            chosen = build(spec)
        except (SyntaxError, ValueError) as exc:
            raise InvalidOptionError(f"Bad format spec {spec!r}: {exc}") from exc
        return list(chosen(dict(ctx)))

    return select


def _parts(fmt: Format) -> list[Format]:
    return list(fmt.get("requested_formats") or [fmt])


def estimate_size(fmt: Format, duration: float | None) -> tuple[int | None, bool]:
    """Bytes of a (possibly merged) format and whether that is approximate; None if unknown."""
    total, approximate = 0, False
    for part in _parts(fmt):
        if part.get("filesize"):
            total += int(part["filesize"])
        elif part.get("filesize_approx"):
            total, approximate = total + int(part["filesize_approx"]), True
        elif part.get("tbr") and duration:
            total, approximate = total + int(part["tbr"] * 125 * duration), True
        else:
            return None, True
    return total, approximate


def _has(formats: Sequence[Format], key: str) -> bool:
    # yt-dlp marks a missing stream "none"; a missing key only means "not known".
    return any(f.get(key) != "none" for f in formats)


def _video_option(quality: Quality, fmt: Format, duration: float | None) -> Option:
    height = fmt.get("height")
    size, approximate = estimate_size(fmt, duration)
    label = f"{height}p" if height else "Video"
    if quality is Quality.BEST:
        label = f"Best ({label})" if height else "Best quality"
    return Option(
        id=quality.value,
        kind="video",
        label=label,
        ext=fmt.get("ext"),
        height=height,
        size=size,
        size_approximate=approximate,
        choice=Choice(quality=quality),
    )


def _audio_size(fmt: Format, duration: float | None) -> tuple[int | None, bool]:
    if all(part.get("vcodec") == "none" for part in _parts(fmt)):
        return estimate_size(fmt, duration)
    if fmt.get("abr") and duration:  # audio taken out of a file that also holds video
        return int(fmt["abr"] * 125 * duration), True
    return None, True


def _audio_option(audio: AudioFormat, fmt: Format, duration: float | None) -> Option:
    size, approximate = _audio_size(fmt, duration)
    if audio is AudioFormat.MP3 and duration:
        size, approximate = int(duration * MP3_BITRATE_KBPS * 125), True
    ext = audio.value if audio is not AudioFormat.BEST else fmt.get("ext")
    return Option(
        id=f"audio-{audio.value}",
        kind="audio",
        label=f"Audio {audio.value.upper()}",
        ext=ext,
        size=size,
        size_approximate=approximate,
        choice=Choice(audio_only=True, audio_format=audio),
    )


Pick = Quality | AudioFormat
# Sizes of files by URL, learnt for the formats given (see resolve.sizes).
SizeLearner = Callable[[Sequence[Format]], Mapping[str, int]]


def _picks(formats: Sequence[Format], select: Selector) -> list[tuple[Pick, Format]]:
    """The qualities worth showing (one per distinct format) plus audio-only MP3 and M4A."""
    picks: list[tuple[Pick, Format]] = []
    seen: set[str] = set()
    if _has(formats, "vcodec"):
        for quality in Quality:
            chosen = select(format_spec(Choice(quality=quality)))
            if not chosen or chosen[0].get("format_id") in seen:
                continue
            seen.add(chosen[0].get("format_id", ""))
            picks.append((quality, chosen[0]))
    if _has(formats, "acodec"):
        for audio in (AudioFormat.MP3, AudioFormat.M4A):
            chosen = select(format_spec(Choice(audio_only=True, audio_format=audio)))
            if chosen:
                picks.append((audio, chosen[0]))
    return picks


def _delivered_as_is(pick: Pick, fmt: Format) -> bool:
    """Whether the choice hands over the format's file as it is (so the file's size is its size):
    any video, and M4A audio taken from an audio-only AAC file; MP3 is always encoded anew."""
    if isinstance(pick, Quality):
        return True
    aac = fmt.get("ext") == "m4a" or str(fmt.get("acodec") or "").startswith("mp4a")
    return pick is AudioFormat.M4A and aac and all(part.get("vcodec") == "none" for part in _parts(fmt))


def _sized(fmt: Format, sizes: Mapping[str, int]) -> Format:
    # A copy: the info dict stays as yt-dlp made it, for the download that may follow.
    size = sizes.get(str(fmt.get("url") or ""))
    return {**fmt, "filesize": size} if size and not fmt.get("filesize") else fmt


def offered_options(
    formats: Sequence[Format], select: Selector, duration: float | None, learn: SizeLearner | None = None
) -> list[Option]:
    """The qualities worth showing (one per distinct result) plus audio-only MP3 and M4A.

    With ``learn``, the sizes yt-dlp does not know of the files handed over as they are are asked
    for (all at once); a size stays unknown, or estimated from the bitrate, where none is learnt.
    """
    picks = _picks(formats, select)
    as_is = [fmt for pick, fmt in picks if _delivered_as_is(pick, fmt)]
    sizes = learn(as_is) if learn is not None and as_is else {}
    options = []
    for pick, fmt in picks:
        shown = _sized(fmt, sizes) if _delivered_as_is(pick, fmt) else fmt
        if isinstance(pick, Quality):
            options.append(_video_option(pick, shown, duration))
        else:
            options.append(_audio_option(pick, shown, duration))
    return options
