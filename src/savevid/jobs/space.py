"""Disk room for jobs: what the disk has free, less a reserve and what running downloads still need."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from savevid.errors import StorageFullError


def on_disk(folder: Path) -> int:
    """Bytes of disk the files under folder take (allocated blocks: a sparse file counts what it holds)."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:  # removed meanwhile
                continue
    return total


@dataclass
class _Claim:
    folder: Path
    planned: int = 0  # the size the download announced; 0 while unknown

    def outstanding(self) -> int:
        """What the download will still write beyond what it already holds on disk."""
        return max(0, self.planned - on_disk(self.folder)) if self.planned else 0


class SpaceLedger:
    """Room for downloads on the data directory's disk, minus what running downloads still need.

    Two jobs that start together see the same free space; each records the size it plans to write,
    so the second one learns of the first one's promise before it writes past the disk's end.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._claims: dict[str, _Claim] = {}
        self._lock = threading.Lock()
        self._planning = threading.Lock()

    def reserve(self) -> int:
        """Bytes kept free for the system and the jobs database: 5 % of the disk, at most 1 GiB."""
        return min(shutil.disk_usage(self.data_dir).total // 20, 1 << 30)

    def room(self, job_id: str | None = None) -> int:
        """Bytes a download may still take: free space, less the reserve and what the others need.

        A job's own blocks count as room for it: what it allocated ahead is its to fill.
        """
        with self._lock:
            others = [c for j, c in self._claims.items() if j != job_id]
            own = self._claims.get(job_id) if job_id else None
        free = shutil.disk_usage(self.data_dir).free + (on_disk(own.folder) if own else 0)
        return free - self.reserve() - sum(c.outstanding() for c in others)

    def admit(self, job_id: str, folder: Path) -> None:
        """Count a starting job in, or raise StorageFullError when there is no room at all."""
        with self._lock:
            self._claims[job_id] = _Claim(folder)
        if self.room(job_id) <= 0:
            self.release(job_id)
            raise StorageFullError

    def plan(self, job_id: str, size: int) -> None:
        """Record the size a running job will write; StorageFullError when it does not fit."""
        with self._planning:  # one at a time: two jobs planning at once each see the other
            with self._lock:
                claim = self._claims.get(job_id)
                if claim is None:
                    return
                if 0 < size <= claim.planned:  # a smaller estimate needs no more room: no disk walk
                    claim.planned = size
                    return
            # Blocks the job already holds (allocated ahead) are its own, whatever others promised.
            room = self.room(job_id)
            if size > on_disk(claim.folder) and size > room:
                raise StorageFullError(f"This download needs {size / 1e6:.0f} MB and this server has "
                                       f"{max(room, 0) / 1e6:.0f} MB free right now.")  # fmt: skip
            with self._lock:
                claim.planned = size

    def release(self, job_id: str) -> None:
        """The job ended: what it did not write is no longer promised."""
        with self._lock:
            self._claims.pop(job_id, None)
