"""Looking at a file as media: its container, streams and duration, read with PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av


@dataclass(frozen=True)
class Probe:
    """What a media file holds."""

    container: str
    video: list[str]
    audio: list[str]
    duration: float
    height: int | None

    @property
    def has_video_and_audio(self) -> bool:
        return bool(self.video) and bool(self.audio)


def probe(path: Path) -> Probe:
    """Open path with FFmpeg's demuxers and decode one frame of each stream to prove it plays."""
    with av.open(str(path)) as container:
        video = [s.codec_context.codec.canonical_name for s in container.streams.video]
        audio = [s.codec_context.codec.canonical_name for s in container.streams.audio]
        height = container.streams.video[0].codec_context.height if video else None
        duration = (container.duration or 0) / 1_000_000
        for stream in (*container.streams.video[:1], *container.streams.audio[:1]):
            next(container.decode(stream))
            container.seek(0)
        return Probe(container.format.name, video, audio, duration, height)
