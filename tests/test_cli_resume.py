"""An interrupted download (Ctrl-C, or a killed process) stays out of sight; the next run resumes it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.origin import Origin
from support.probe import probe


def partial_size(folder: Path) -> int:
    """Bytes the engine has recorded as written (its resume state), in any work folder."""
    done = 0
    for state in folder.glob(".savevid-*/*.state.json"):
        with contextlib.suppress(ValueError, OSError):
            done += sum(pos - start for start, pos, _ in json.loads(state.read_text())["pieces"])
    return done


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_interrupted_download_resumes(cli, origin: Origin, tmp_path: Path, how: signal.Signals) -> None:
    url = origin.url("/media/progressive.mp4")
    origin.server.rates["/media/progressive.mp4"] = 100_000  # about ten seconds for the file
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAVEVID_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "savevid", "download", "-o", str(tmp_path), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while partial_size(tmp_path) < 150_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=30)
    if how == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "resume" in err and "Traceback" not in err
    assert [p for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    kept = partial_size(tmp_path)
    assert kept >= 150_000

    origin.server.rates.clear()
    run = cli("download", "--json", "-o", str(tmp_path), url)
    assert run.code == 0, run.stderr
    [file] = list(tmp_path.iterdir())
    assert probe(file).has_video_and_audio
    assert file.stat().st_size == (origin.server.media / "progressive.mp4").stat().st_size
    resumed = [r for p, r in origin.server.ranges if p == "/media/progressive.mp4" and r]
    assert any(int(r.removeprefix("bytes=").split("-")[0]) >= 150_000 for r in resumed), resumed
