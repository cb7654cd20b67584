"""The page is served by the package, with every string in each language's catalog."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.resolve.sites import SITES
from savevid.web.app import create_app

WEB = Path(__file__).resolve().parent.parent / "src" / "savevid" / "web"
CATALOGS = {p.stem: json.loads(p.read_text()) for p in (WEB / "static" / "i18n").glob("*.json")}


def used_keys() -> set[str]:
    html = "".join(p.read_text() for p in (WEB / "templates").glob("*.html"))
    script = "".join(p.read_text() for p in (WEB / "static" / "page").glob("*.js"))
    sites = (WEB / "static" / "sites.js").read_text()
    keys = set(re.findall(r'data-i18n(?:-placeholder)?="([\w]+)"', html))
    keys |= set(re.findall(r'\b(?:t|fill)\("([\w]+)"', script))
    for pair in re.findall(r'\b(?:t|fill)\([^"\n]*\? "(\w+)" : "(\w+)"', script):  # t(cond ? "a" : "b")
        keys |= set(pair)
    keys |= set(re.findall(r"\bmessages\.(\w+)", sites))
    keys |= {f"state_{s}" for s in ("queued", "resolving", "downloading", "processing", "done", "failed",
                                     "cancelled")}  # fmt: skip
    keys |= {f"stage_{s}" for s in ("merging", "converting")}
    actions = ("save", "save_again", "retry", "remove", "cancel")  # each button's word and its label
    keys |= {*actions, *(f"{a}_title" for a in actions)}
    return keys


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_every_string_is_in_the_catalog(lang: str) -> None:
    assert used_keys() <= set(CATALOGS[lang]), used_keys() - set(CATALOGS[lang])
    assert set(CATALOGS[lang]) == set(CATALOGS["en"])


def reason_key(name: str) -> str:
    """The sites page's key for why a site is not supported (sites.js ``reasonKey``)."""
    plain = unicodedata.normalize("NFD", name).encode("ascii", "ignore").decode().lower()
    return "reason_" + re.sub(r"[^a-z0-9]+", "_", plain)


def test_every_unsupported_site_says_why_in_each_language() -> None:
    for site in (site for site in SITES if site.reason):
        assert CATALOGS["en"][reason_key(site.name)] == site.reason
        assert CATALOGS["tr"][reason_key(site.name)] != site.reason


def test_no_string_is_left_unused() -> None:
    errors = {key for key in CATALOGS["en"] if key.startswith("error_")}  # looked up by the error's code
    reasons = {reason_key(site.name) for site in SITES if site.reason}
    assert set(CATALOGS["en"]) - errors - reasons - used_keys() == set()


def test_the_page_and_its_files_are_served(tmp_path: Path) -> None:
    with TestClient(create_app(get_settings(data_dir=tmp_path))) as client:
        page = client.get("/")
        assert page.status_code == 200 and 'id="url"' in page.text
        assert "<script>" not in page.text  # no inline script
        for path in (
            "/static/page/main.js",
            "/static/page/words.js",
            "/static/app.css",
            "/static/i18n/tr.json",
        ):
            assert client.get(path).status_code == 200, path
