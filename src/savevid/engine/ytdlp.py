"""The fallback data path: yt-dlp's own downloaders and postprocessors, for protocols the
engine does not speak (rtmp, ism, f4m, live streams, ...)."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

from savevid.engine.progress import ProgressCallback, ProgressTracker
from savevid.engine.retry import Cancelled
from savevid.errors import DownloadFailedError
from savevid.safety.media_files import check_media


def fetch(
    open_ydl: Any,
    info: dict[str, Any],
    workdir: Path,
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None = None,
) -> Path:
    """Download the formats chosen by ``open_ydl``'s params into workdir; the finished file's path.

    ``open_ydl(**params)`` must return a configured YoutubeDL; this adds paths and hooks.
    """
    tracker = ProgressTracker(on_progress)
    finished: list[str] = []

    def on_download(hook: dict[str, Any]) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled  # yt-dlp lets exceptions from hooks through: this stops the download
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
