"""Links of well-known sites on a machine without network: a clean network error, everywhere.

No host name resolves in these tests (support.hosts), whether or not the machine has internet;
yt-dlp's extractors for these sites retry such failures, through savevid's sleep function.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.web.app import create_app
from support.hosts import offline, offline_env

LINKS = {
    "youtube": "https://www.youtube.com/watch?v=BaW_jenozKc",
    "youtu.be": "https://youtu.be/BaW_jenozKc",
    "tiktok": "https://www.tiktok.com/@scout2015/video/6718335390845095173",
    "instagram": "https://www.instagram.com/p/aye83DjauH/",
    "vimeo": "https://vimeo.com/76979871",
    "x": "https://x.com/SpaceX/status/1864000000000000000",
    "reddit": "https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/",
    "dailymotion": "https://www.dailymotion.com/video/x5kesuj",
}
_PROXIES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}  # a proxy would change who looks names up


@pytest.mark.parametrize("url", list(LINKS.values()), ids=list(LINKS))
def test_the_cli_says_it_could_not_reach_the_site(url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAVEVID_") and k.lower() not in _PROXIES}
    env |= offline_env(tmp_path) | {"SAVEVID_RETRIES": "1"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "savevid", "info", url], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Could not reach" in done.stderr and "host name not found" in done.stderr
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("url", list(LINKS.values()), ids=list(LINKS))
def test_the_api_answers_a_network_error(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXIES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    offline(monkeypatch)
    with TestClient(create_app(get_settings(data_dir=tmp_path / "data", retries=1))) as client:
        reply = client.post("/api/info", json={"url": url})
    assert reply.status_code in (502, 503), reply.text
    assert reply.json()["code"] == "network"
    assert "Could not reach" in reply.json()["message"]
