"""Finding ffmpeg: the one on PATH when present, else the binary the imageio-ffmpeg wheel ships."""

from __future__ import annotations

import importlib.util
import os
import shutil
from functools import cache
from pathlib import Path

from savevid.errors import FFmpegMissingError


@cache
def _bundled() -> Path | None:
    # Look in the wheel's binaries folder first: importing imageio_ffmpeg costs a startup delay.
    spec = importlib.util.find_spec("imageio_ffmpeg")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(folder, "binaries").glob("ffmpeg-*"))
        if found and os.access(found[-1], os.X_OK):
            return found[-1]
    try:
        import imageio_ffmpeg

        return Path(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None


def find_ffmpeg(configured: Path | None = None) -> Path:
    """The ffmpeg to use: the configured one, else PATH, else the bundled one."""
    if configured is not None:
        if configured.is_file():
            return configured
        raise FFmpegMissingError(f"The configured ffmpeg does not exist: {configured}.")
    on_path = shutil.which("ffmpeg")
    if on_path:
        return Path(on_path)
    bundled = _bundled()
    if bundled is not None and bundled.is_file():
        return bundled
    raise FFmpegMissingError(
        "ffmpeg was not found.", hint="Install ffmpeg, or reinstall savevid to get its bundled copy."
    )
