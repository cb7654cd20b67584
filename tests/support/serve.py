"""``savevid serve`` as a process of its own, started and signalled as an operator would."""

from __future__ import annotations

import functools
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.server import free_port


@dataclass
class ServeProcess:
    """A running ``savevid serve``: its process, base URL and log."""

    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def signal(self, sig: int = signal.SIGTERM) -> float:
        """Send sig; the moment it was sent (time.monotonic)."""
        sent = time.monotonic()
        self.proc.send_signal(sig)
        return sent

    def wait_exit(self, since: float, timeout: float = 30) -> float:
        """Seconds from ``since`` until the process ended (it is killed after timeout)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"savevid serve did not exit within {timeout} s") from None
        return time.monotonic() - since

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(
    data_dir: Path, *, files: int | None = None, soft_files: int | None = None, **settings: str
) -> Iterator[ServeProcess]:
    """``savevid serve`` on a free port with these SAVEVID_* settings (names in lower case);
    ``files``: its limit of open files, soft and hard; ``soft_files``: its soft limit alone.
    The limits are the process's own: this one's stay as they are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAVEVID_")}
    env.update({f"SAVEVID_{name.upper()}": value for name, value in settings.items()})
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limit = None
    if files is not None:
        limit = functools.partial(_limit_files, files, files)
    elif soft_files is not None:
        limit = functools.partial(_limit_files, soft_files, hard)
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "savevid", "serve", "--port", str(port),
                                 "--data-dir", str(data_dir)], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, preexec_fn=limit)  # fmt: skip
    server = ServeProcess(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.base}/healthz", timeout=1) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, server.stderr()
                time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _limit_files(soft: int, hard: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def call(base: str, method: str, path: str, body: object = None, timeout: float = 30) -> dict[str, object]:
    """One JSON request to a running server, and its JSON answer (an error status raises HTTPError)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read())  # type: ignore[no-any-return]
