"""The page is served by the package, with every string in each language's catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.web.app import create_app

WEB = Path(__file__).resolve().parent.parent / "src" / "savevid" / "web"
CATALOGS = {p.stem: json.loads(p.read_text()) for p in (WEB / "static" / "i18n").glob("*.json")}


def used_keys() -> set[str]:
    html = "".join(p.read_text() for p in (WEB / "templates").glob("*.html"))
    script = (WEB / "static" / "app.js").read_text()
    sites = (WEB / "static" / "sites.js").read_text()
    keys = set(re.findall(r'data-i18n(?:-placeholder)?="([\w]+)"', html))
    keys |= set(re.findall(r'\bt\("([\w]+)"\)', script))
    keys |= set(re.findall(r"\bmessages\.(\w+)", sites))
    keys |= {f"state_{s}" for s in ("queued", "resolving", "downloading", "processing", "done", "failed",
                                     "cancelled")}  # fmt: skip
    return keys


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_every_string_is_in_the_catalog(lang: str) -> None:
    assert used_keys() <= set(CATALOGS[lang]), used_keys() - set(CATALOGS[lang])
    assert set(CATALOGS[lang]) == set(CATALOGS["en"])


def test_the_page_and_its_files_are_served(tmp_path: Path) -> None:
    with TestClient(create_app(get_settings(data_dir=tmp_path))) as client:
        page = client.get("/")
        assert page.status_code == 200 and 'id="url"' in page.text
        assert "<script>" not in page.text  # no inline script
        for path in ("/static/app.js", "/static/app.css", "/static/i18n/tr.json"):
            assert client.get(path).status_code == 200, path
