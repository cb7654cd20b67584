from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from savevid.cli.render import error_line
from savevid.engine.ffmpeg import find_ffmpeg
from savevid.errors import ErrorCode, SavevidError


def test_bundled_ffmpeg_is_used_when_none_is_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_ffmpeg()
    assert "imageio_ffmpeg" in str(found)
    version = subprocess.run([found, "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("ffmpeg version")


def test_ffmpeg_on_path_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_ffmpeg() == fake


def test_a_configured_ffmpeg_that_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SavevidError) as caught:
        find_ffmpeg(tmp_path / "nope")
    assert caught.value.code is ErrorCode.FFMPEG_MISSING
    assert str(tmp_path) not in str(caught.value)  # the visitor is not told the server's paths
    assert str(tmp_path / "nope") in error_line(caught.value).plain  # the one running it is
