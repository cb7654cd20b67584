"""The registry of promised sites: each example goes where the registry says, offline."""

from __future__ import annotations

import json
import time

import pytest
from yt_dlp.extractor import gen_extractor_classes
from yt_dlp.plugins import load_all_plugins

import savevid
from savevid.errors import ErrorCode, SavevidError
from savevid.resolve.sites import SITES, Handler, site_for

load_all_plugins()  # savevid's own extractors, as a YoutubeDL would load them
CLASSES = list(gen_extractor_classes())


def test_every_promised_site_is_listed_once() -> None:
    assert len(SITES) == 44
    assert len({s.name for s in SITES}) == 44


@pytest.mark.parametrize("site", SITES, ids=[s.name for s in SITES])
def test_each_example_goes_to_the_intended_extractor(site) -> None:  # type: ignore[no-untyped-def]
    match = next(ie.ie_key() for ie in CLASSES if ie.suitable(site.example))
    # yt-dlp's dedicated extractor, or savevid's own: never the generic one by accident.
    assert match == (site.extractor if site.handler is not Handler.NONE else "Generic")
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


SHARED_FORMS = [  # the forms people actually share, and the extractor each must reach
    ("https://m.youtube.com/watch?v=BaW_jenozKc", "Youtube"),
    ("https://youtu.be/BaW_jenozKc", "Youtube"),
    ("https://www.youtube.com/shorts/BaW_jenozKc", "Youtube"),
    ("https://x.com/freethenipple/status/643211948184596480", "Twitter"),
    ("https://mobile.twitter.com/freethenipple/status/643211948184596480", "Twitter"),
    ("https://t.co/Qz0XpKd6vL", "TwitterShortener"),
    ("https://vm.tiktok.com/ZMeAbCdEf/", "TikTokVM"),
    ("https://m.facebook.com/watch/?v=3676516585958356", "Facebook"),
    ("https://www.instagram.com/reel/Cx1AbCdEfGh/", "Instagram"),
    ("https://m.vk.com/video-77521_162222515", "VK"),
    ("https://s.kw.ai/p/AbCdEf", "KwaiShort"),
    ("https://kw.ai/p/AbCdEf", "KwaiShort"),
    ("https://m.kwai.com/video/5000000000000000001", "Kwai"),
    ("https://m.izlesene.com/video/x/7599694", "Izlesene"),
    ("https://br.ifunny.co/video/kXJ3L0a9B", "IFunny"),
    ("https://m.sharechat.com/post/rddE5w7", "ShareChat"),
    ("https://pin.it/4Rh8vK2", "Generic"),  # a plain redirect: followed, then the right extractor
    ("https://dai.ly/x5kesuj", "Dailymotion"),
]


@pytest.mark.parametrize(("url", "key"), SHARED_FORMS, ids=[u for u, _ in SHARED_FORMS])
def test_shared_forms_reach_the_right_extractor(url: str, key: str) -> None:
    assert next(ie.ie_key() for ie in CLASSES if ie.suitable(url)) == key


def test_own_extractors_are_savevid_plugins() -> None:
    by_key = {ie.ie_key(): ie for ie in CLASSES}
    for site in SITES:
        if site.handler is Handler.OWN:
            assert by_key[site.extractor].__module__.startswith("yt_dlp_plugins.extractor.savevid_")
