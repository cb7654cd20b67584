"""Folding yt-dlp's per-file progress hooks into one progress line for the whole item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from savevid.models import Progress, Stage

ProgressCallback = Callable[[Progress], None]

_STAGES = {"Merger": Stage.MERGING, "ExtractAudio": Stage.CONVERTING}
_SILENT = frozenset({"MoveFiles"})


def planned_size(fmt: dict[str, Any]) -> int | None:
    """The size a format's metadata announces, exact or approximate; None when unknown."""
    size = fmt.get("filesize") or fmt.get("filesize_approx")
    return int(size) if size else None


def item_progress(
    stage: Stage, done: list[int], totals: list[int | None], speed: float | None = None
) -> Progress:
    """One Progress for an item's parts: the total is known once every part's total is."""
    downloaded = sum(done)
    total = max(sum(t for t in totals if t), downloaded) if totals and all(totals) else None
    eta = (total - downloaded) / speed if speed and total is not None else None
    return Progress(stage=stage, downloaded=downloaded, total=total, speed=speed, eta=eta)


class ProgressTracker:
    """Sums the parts of an item (video and audio of a merged format) into one Progress."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self._emit = on_progress or (lambda _: None)
        self._done: dict[str, int] = {}
        self._totals: dict[str, int | None] = {}
        self.stage = Stage.DOWNLOADING

    def _plan(self, info: dict[str, Any]) -> None:
        for fmt in info.get("requested_formats") or []:
            key = str(fmt.get("format_id"))
            self._totals.setdefault(key, planned_size(fmt))
            self._done.setdefault(key, 0)

    def on_download(self, hook: dict[str, Any]) -> None:
        """yt-dlp ``progress_hooks`` entry point."""
        info = hook.get("info_dict") or {}
        self._plan(info)
        key = str(info.get("format_id"))
        downloaded = int(hook.get("downloaded_bytes") or 0)
        total = hook.get("total_bytes") or hook.get("total_bytes_estimate")
        if hook.get("status") == "finished":
            total = total or downloaded
        self._done[key] = downloaded
        self._totals[key] = int(total) if total else self._totals.get(key)
        self.stage = Stage.DOWNLOADING
        self._emit(self.snapshot(speed=hook.get("speed")))

    def on_postprocess(self, hook: dict[str, Any]) -> None:
        """yt-dlp ``postprocessor_hooks`` entry point."""
        name = str(hook.get("postprocessor"))
        if hook.get("status") != "started" or name in _SILENT:
            return
        self.stage = _STAGES.get(name, Stage.PROCESSING)
        self._emit(self.snapshot())

    def snapshot(self, speed: float | None = None) -> Progress:
        """The current progress of the whole item."""
        return item_progress(self.stage, list(self._done.values()), list(self._totals.values()), speed)
