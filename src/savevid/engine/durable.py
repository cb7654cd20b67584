"""Putting bytes and names on disk for good, so that a crash never leaves a state that claims
more than the disk holds: the data is synced before whatever records it."""

from __future__ import annotations

import os
from pathlib import Path


def sync_file(path: Path) -> None:
    """Wait until path's bytes are on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(path: Path) -> None:
    """Wait until the names in folder path (a file just renamed into it) are on disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_data(fd: int) -> None:
    """Wait until the bytes written to the open file fd are on disk."""
    getattr(os, "fdatasync", os.fsync)(fd)  # fdatasync is not on every system
