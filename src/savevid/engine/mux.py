"""ffmpeg, once: video and audio into one file, or fragments into a proper container.

Streams are copied, never re-encoded. ffmpeg may read only local files here.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from savevid.errors import ErrorCode, SavevidError, StorageFullError, says_disk_full

# Container names ffmpeg wants for our extensions; MP4-like ones get their index up front.
MUXERS = {"mp4": "mp4", "m4a": "ipod", "mov": "mov", "mkv": "matroska", "webm": "webm",
          "mp3": "mp3", "ogg": "ogg", "opus": "opus", "flv": "flv", "ts": "mpegts"}  # fmt: skip
FASTSTART = frozenset({"mp4", "m4a", "mov"})


@dataclass(frozen=True)
class Input:
    """A downloaded part and which of its streams to keep."""

    path: Path
    video: bool
    audio: bool


def mux_command(ffmpeg: Path, inputs: list[Input], output: Path) -> list[str]:
    """The ffmpeg command line that copies the chosen streams of inputs into output."""
    ext = output.suffix.lstrip(".").lower()
    command = [str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-protocol_whitelist", "file,pipe"]  # fmt: skip
    for item in inputs:
        command += ["-i", str(item.path)]
    for number, item in enumerate(inputs):
        if item.video:
            command += ["-map", f"{number}:v:0?"]
        if item.audio:
            command += ["-map", f"{number}:a:0?"]
    command += ["-c", "copy"]
    if ext in FASTSTART:
        command += ["-movflags", "+faststart"]
    return [*command, "-f", MUXERS.get(ext, ext), str(output)]


def mux(ffmpeg: Path, inputs: list[Input], output: Path) -> Path:
    """Write output from inputs in one pass; it appears only when complete."""
    partial = output.with_name(f"{output.stem}.muxing{output.suffix}")
    done = subprocess.run(mux_command(ffmpeg, inputs, partial), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
        if says_disk_full(done.stderr):
            raise StorageFullError
        raise SavevidError(f"Merging the streams failed: {reason}", code=ErrorCode.PROCESSING_FAILED)
    os.replace(partial, output)
    return output
