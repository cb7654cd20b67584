"""Fixtures: sample media made once with ffmpeg, a local origin serving it, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))

from support.browsing import settings_for
from support.chromium import CHROMIUM, FLAGS
from support.media import ensure_media
from support.origin import Origin
from support.server import running

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def media_dir() -> Path:
    cache = Path(os.environ.get("SAVEVID_TEST_CACHE", ROOT / ".cache" / "test-media"))
    return ensure_media(cache)


@pytest.fixture
def origin(media_dir: Path) -> Iterator[Origin]:
    server = Origin(media_dir).start()
    yield server
    server.stop()


@dataclass
class Run:
    """A finished CLI run."""

    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture
def cli(tmp_path: Path) -> object:
    """Run ``python -m savevid ARGS`` in a clean environment, as a person would."""

    def run(*args: str, timeout: float = 120) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAVEVID_")}
        env["SAVEVID_RETRIES"] = "1"
        env["SAVEVID_FRAGMENT_RETRIES"] = "1"
        done = subprocess.run(
            [sys.executable, "-m", "savevid", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


# One Playwright and one Chromium for the whole run: every browser test file shares them.
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: scripts/test installs it (apt-get install chromium)"
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield instance
    instance.close()


@pytest.fixture
def server(tmp_path: Path, origin: Origin) -> Iterator[str]:
    """savevid serve, with the local origin let through its network rules; its base URL."""
    with running(settings_for(tmp_path, origin)) as url:
        yield url
