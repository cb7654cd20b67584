"""Fetching and assembling an item with yt-dlp's own downloaders and postprocessors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from savevid.engine.progress import ProgressCallback, ProgressTracker
from savevid.errors import DownloadFailedError


def fetch(open_ydl: Any, info: dict[str, Any], workdir: Path, on_progress: ProgressCallback | None) -> Path:
    """Download the formats chosen by ``open_ydl``'s params into workdir; the finished file's path.

    ``open_ydl(**params)`` must return a configured YoutubeDL; this adds paths and hooks.
    """
    tracker = ProgressTracker(on_progress)
    finished: list[str] = []
    params = {
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "outtmpl": {"default": "media.%(ext)s"},
        "progress_hooks": [tracker.on_download],
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
