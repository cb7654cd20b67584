"""The shared vocabulary of savevid: what a link holds, what a person chooses, and what they get."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class Quality(StrEnum):
    """Highest video height a person asks for; ``best`` takes the best there is."""

    BEST = "best"
    P2160 = "2160"
    P1440 = "1440"
    P1080 = "1080"
    P720 = "720"
    P480 = "480"
    P360 = "360"
    P240 = "240"

    @property
    def height(self) -> int | None:
        """The height limit in pixels, or None for ``best``."""
        return None if self is Quality.BEST else int(self.value)


class AudioFormat(StrEnum):
    """Container/codec of an audio-only download; ``best`` keeps the site's own audio."""

    MP3 = "mp3"
    M4A = "m4a"
    OPUS = "opus"
    BEST = "best"


class Choice(BaseModel):
    """What a person asks to download: a quality, audio only, or an expert format spec."""

    model_config = ConfigDict(frozen=True)

    quality: Quality = Quality.BEST
    audio_only: bool = False
    audio_format: AudioFormat = AudioFormat.MP3
    format: str | None = Field(default=None, description="A yt-dlp format spec, for experts")


class Option(BaseModel):
    """One choice offered for a media item, with what it would weigh."""

    id: str
    kind: str = Field(description="'video' or 'audio'")
    label: str
    ext: str | None = None
    height: int | None = None
    size: int | None = Field(default=None, description="Bytes, exact or approximate")
    size_approximate: bool = True
    choice: Choice


class Entry(BaseModel):
    """One item of a playlist or multi-item post, not resolved yet."""

    url: str
    id: str | None = None
    title: str | None = None
    duration: float | None = None


class Media(BaseModel):
    """What a link points to: a single media item or a list of entries."""

    url: str
    id: str
    title: str
    site: str
    extractor: str
    uploader: str | None = None
    duration: float | None = None
    thumbnail: str | None = Field(default=None, description="The thumbnail's absolute http(s) URL")
    thumbnail_url: str | None = Field(
        default=None, description="Where the web API serves that thumbnail (a same-origin path; API only)"
    )
    is_live: bool = False
    choices: list[Option] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list)
    is_playlist: bool = False

    _info: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def info(self) -> dict[str, Any]:
        """yt-dlp's resolved info dict, kept so a download needs no second extraction."""
        return self._info


class Stage(StrEnum):
    """Where an item is on its way from link to file."""

    RESOLVING = "resolving"
    DOWNLOADING = "downloading"
    MERGING = "merging"
    CONVERTING = "converting"
    PROCESSING = "processing"
    DONE = "done"


class Progress(BaseModel):
    """A progress event: bytes done of total (when known), speed and ETA."""

    stage: Stage
    downloaded: int = 0
    total: int | None = None
    speed: float | None = Field(default=None, description="Bytes per second")
    eta: float | None = Field(default=None, description="Seconds left")

    @property
    def fraction(self) -> float | None:
        """Done as a fraction of 1, when the total is known."""
        if not self.total:
            return None
        return min(1.0, self.downloaded / self.total)


class Result(BaseModel):
    """A finished file: complete, flushed and in its final place."""

    path: Path
    title: str
    size: int
    duration: float | None
    url: str
    site: str
    id: str
