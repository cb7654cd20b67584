"""The registry of promised sites: each example goes where the registry says, offline."""

from __future__ import annotations

import json
import time

import pytest
from yt_dlp.extractor import gen_extractor_classes

import savevid
from savevid.errors import ErrorCode, SavevidError
from savevid.resolve.sites import SITES, Handler, site_for

CLASSES = list(gen_extractor_classes())


def test_every_promised_site_is_listed_once() -> None:
    assert len(SITES) == 44
    assert len({s.name for s in SITES}) == 44


@pytest.mark.parametrize("site", SITES, ids=[s.name for s in SITES])
def test_each_example_goes_to_the_intended_extractor(site) -> None:  # type: ignore[no-untyped-def]
    match = next(ie.ie_key() for ie in CLASSES if ie.suitable(site.example))
    # A dedicated extractor for the yt-dlp sites; for the others, yt-dlp has none.
    assert match == (site.extractor if site.handler is Handler.YTDLP else "Generic")
    assert site_for(site.example) is site
    if site.handler is Handler.NONE:
        assert site.reason


@pytest.mark.parametrize("site", [s for s in SITES if s.handler is Handler.NONE], ids=lambda s: s.name)
def test_unsupported_sites_answer_at_once_with_the_reason(site) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(SavevidError) as caught:
        savevid.resolve(site.example)
    assert caught.value.code is ErrorCode.UNSUPPORTED_URL
    assert caught.value.message == site.reason
    assert time.monotonic() - started < 1  # no network round trip (there is no network here)


def test_sites_command_and_json(cli) -> None:  # type: ignore[no-untyped-def]
    listed = json.loads(cli("sites", "--json").stdout)
    assert [s["name"] for s in listed] == [s.name for s in SITES]
    table = cli("sites").stdout
    assert "PuhuTV" in table and "not supported" in table
