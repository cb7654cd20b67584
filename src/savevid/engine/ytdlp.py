"""The fallback data path: yt-dlp's own downloaders and postprocessors, for protocols the
engine does not speak (rtmp, ism, f4m, live streams, ...)."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

from savevid.engine.options import EngineOptions, check_size
from savevid.engine.progress import ProgressCallback, ProgressTracker
from savevid.engine.progressive import SpeedGuard
from savevid.engine.retry import Cancelled
from savevid.errors import DownloadFailedError
from savevid.safety.media_files import check_media


class HookLimits:
    """The engine's size quota and low-speed rule, applied to what yt-dlp's progress hooks report.

    yt-dlp lets an exception from a hook through, so raising here stops its downloader at once.
    Its ``max_filesize`` is not used: it skips a file silently (or fails a fragment), which would
    read as a failed download instead of one over the quota. Hooks come from several threads
    when fragments are fetched at the same time; the low-speed rule then holds for them together.
    """

    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self._done: dict[str, int] = {}  # bytes so far of each file of the item
        self._sizes: dict[str, int] = {}  # and its size, as far as known
        self._guard: SpeedGuard | None = None
        self._lock = threading.Lock()

    def check(self, hook: dict[str, Any]) -> None:
        """TooLarge past the quota (or once a file announces more), TransferError when stalled."""
        key = str(hook.get("filename") or (hook.get("info_dict") or {}).get("format_id"))
        done = int(hook.get("downloaded_bytes") or 0)
        with self._lock:
            grown = done - self._done.get(key, 0)
            self._done[key] = done
            self._sizes[key] = max(done, int(hook.get("total_bytes") or 0))  # exact, not an estimate
            check_size(sum(self._sizes.values()), self.options)
            if hook.get("status") == "downloading" and grown > 0:
                self._guard = self._guard or SpeedGuard(self.options)
                self._guard.check(grown)


def fetch(
    open_ydl: Any,
    info: dict[str, Any],
    workdir: Path,
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None,
    options: EngineOptions,
) -> Path:
    """Download the formats chosen by ``open_ydl``'s params into workdir; the finished file's path.

    ``open_ydl(**params)`` must return a configured YoutubeDL; this adds paths and hooks.
    ``options`` brings the engine's quota and low-speed rule to yt-dlp's downloaders.
    """
    tracker = ProgressTracker(on_progress)
    limits = HookLimits(options)
    finished: list[str] = []

    def on_download(hook: dict[str, Any]) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled  # yt-dlp lets exceptions from hooks through: this stops the download
        limits.check(hook)
        if hook.get("status") == "finished" and hook.get("filename"):
            check_media(Path(hook["filename"]))  # before yt-dlp's ffmpeg merges or probes it
        tracker.on_download(hook)

    params = {
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "outtmpl": {"default": "media.%(ext)s"},
        "progress_hooks": [on_download],
        "postprocessor_hooks": [tracker.on_postprocess],
        "post_hooks": [finished.append],
        "continuedl": True,
        "nopart": False,
        "overwrites": False,
    }
    with open_ydl(**params) as ydl:
        ydl.process_ie_result(ydl.sanitize_info(copy.deepcopy(info), remove_private_keys=True), download=True)
    if not finished or not Path(finished[-1]).is_file():
        raise DownloadFailedError("The download finished without producing a file.")
    return Path(finished[-1])
