"""A small filesystem for tests: a real tmpfs where this process may mount one, else a stand-in.

The stand-in (no root, or mounts not allowed): ``shutil.disk_usage`` and ``os.fstatvfs`` report
the size asked for, less what the files under the folder take, and a file-size limit
(RLIMIT_FSIZE) makes a write past that size fail for real, with EFBIG (the kernel's answer to
that limit), not ENOSPC. Its "full disk" is seen only by code that asks how much is free.
``SAVEVID_TEST_DISK=stand-in`` picks the stand-in even where a mount would work.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from savevid.jobs.space import on_disk

MiB = 1 << 20


@dataclass
class SmallDisk:
    """A folder on a disk of ``size`` bytes; ``mounted`` when it is a real tmpfs."""

    path: Path
    size: int
    mounted: bool

    @property
    def kind(self) -> str:
        return "tmpfs" if self.mounted else "stand-in"

    def free(self) -> int:
        return shutil.disk_usage(self.path).free

    def fill(self, leave: int = 0) -> None:
        """Write a filler file until at most ``leave`` bytes are free (or the disk refuses more)."""
        with (self.path / "filler").open("ab") as out:
            while (wanted := self.free() - leave) > 0:
                try:
                    out.write(bytes(min(wanted, MiB)))
                    out.flush()
                except OSError as error:
                    if error.errno not in (errno.ENOSPC, errno.EFBIG):
                        raise
                    return

    def unfill(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)


def _mount(path: Path, size: int) -> bool:
    if os.environ.get("SAVEVID_TEST_DISK") == "stand-in":
        return False
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, check=False)  # fmt: skip
    except OSError:  # no mount command
        return False
    return done.returncode == 0


@contextlib.contextmanager
def _stand_in(path: Path, size: int) -> Iterator[None]:
    real_usage, real_fstatvfs = shutil.disk_usage, os.fstatvfs
    inside = path.resolve()

    def disk_usage(where: Any) -> Any:
        if not Path(where).resolve().is_relative_to(inside):
            return real_usage(where)
        used = on_disk(path)
        return shutil._ntuple_diskusage(size, used, max(0, size - used))  # type: ignore[attr-defined]

    def fstatvfs(fd: int) -> os.statvfs_result:
        if not Path(os.readlink(f"/proc/self/fd/{fd}")).is_relative_to(inside):
            return real_fstatvfs(fd)
        free = disk_usage(path).free // 4096
        return os.statvfs_result((4096, 4096, size // 4096, free, free, 1 << 20, 1 << 20, 1 << 20, 0, 255))

    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, limits[1]))
    shutil.disk_usage, os.fstatvfs = disk_usage, fstatvfs  # type: ignore[assignment]
    try:
        yield
    finally:
        shutil.disk_usage, os.fstatvfs = real_usage, real_fstatvfs
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)


@contextlib.contextmanager
def small_disk(path: Path, size: int) -> Iterator[SmallDisk]:
    """A folder at path on a disk of about ``size`` bytes, for as long as the block lasts."""
    path.mkdir(parents=True, exist_ok=True)
    if _mount(path, size):
        try:
            yield SmallDisk(path, size, mounted=True)
        finally:  # lazily: the app's databases may still be open
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)
        return
    with _stand_in(path, size):
        yield SmallDisk(path, size, mounted=False)
