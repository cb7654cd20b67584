"""savevid's own extractors, against hand-written pages in each site's structure.

The pages in tests/fixtures/sites/ are not saved from the sites: they were written by hand after
the structure that other public extractors read (the same script, meta and JSON-LD shapes), since
the sites could not be reached. The live tests (``-m live``) are what checks the real sites.

Each site's host names are mapped to the local origin (a resolver override), which serves the page
at the site's own path, and the media it points to. The links are ``http://``: the origin does not
speak TLS, and every extractor accepts both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import savevid
from savevid.errors import ErrorCode, SavevidError
from savevid.models import Choice
from savevid.resolve.sites import SITES, Handler
from support.hosts import map_hosts
from support.origin import Origin, Reply
from support.probe import probe

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
DOMAINS = ("izlesene.com", "akilli.tv", "sharechat.com", "kwai.com", "kw.ai", "ifunny.co", "mashable.com",
           "febspot.com", "bit.ly")  # fmt: skip


@pytest.fixture
def online(origin: Origin, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], str]:
    """``online(url, fixture)``: url's host answers from the origin, which serves the fixture page."""
    map_hosts(monkeypatch, DOMAINS, origin.server.server_address[1])

    def serve(url: str, fixture: str) -> str:
        html = (FIXTURES / fixture).read_text().replace("{base_js}", origin.base.replace("/", "\\u002F"))
        origin.page(_path(url), html)
        return url

    return serve


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]


@dataclass
class Case:
    fixture: str
    url: str
    id: str
    title: str
    extractor: str
    labels: list[str] = field(default_factory=list)  # format ids, worst to best
    uploader: str | None = None
    duration: float | None = None


CASES = [
    Case("izlesene.html", "http://www.izlesene.com/video/sevincten-cildirtan-dogum-gunu-hediyesi/7599694",
         "7599694", "Sevinçten Çıldırtan Doğum Günü Hediyesi", "izlesene", ["360p", "720p"],
         "izlesene-kullanicisi", 4.0),
    Case("akillitv.html", "http://www.akilli.tv/video/kis-tatili-icin-5-oneri", "kis-tatili-icin-5-oneri",
         "Kış Tatili İçin 5 Öneri", "akillitv", ["480p", "720p", "1080p"]),
    Case("sharechat.html", "http://sharechat.com/video/kXJ3L0a", "kXJ3L0a",
         "#channsitare click on the link below", "sharechat", uploader="Mukesh 🍁", duration=4.0),
    Case("kwai.html", "http://www.kwai.com/@cozinha.da.ana/video/5000000000000000001", "5000000000000000001",
         "Receita de bolo de cenoura em 1 minuto 🥕", "kwai", ["mp4-0", "mp4-1"], "cozinha.da.ana"),
    Case("ifunny.html", "http://ifunny.co/video/when-the-cat-hears-the-can-opener-kXJ3L0a9B", "kXJ3L0a9B",
         "When the cat hears the can opener", "ifunny"),
    Case("mashable.html", "http://mashable.com/video/who-took-the-first-selfie-ever",
         "who-took-the-first-selfie-ever", "Who took the first selfie ever?", "mashable", duration=4.0),
    Case("mashable-jsonld.html", "http://mashable.com/video/robot-dog-opens-doors", "robot-dog-opens-doors",
         "This robot dog can open doors now", "mashable", duration=4.0),
    Case("febspot.html", "http://www.febspot.com/video/1000001", "1000001", "Sunset timelapse over the bay",
         "febspot", duration=4.0),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.fixture.removesuffix(".html") for c in CASES])
def test_own_extractor_reads_its_page_and_downloads(
    case: Case, online: Callable[[str, str], str], tmp_path: Path
) -> None:
    media = savevid.resolve(online(case.url, case.fixture))
    assert (media.id, media.title, media.extractor.lower()) == (case.id, case.title, case.extractor)
    assert not media.is_playlist  # the linked video only, never every video on the page
    assert media.thumbnail and "/media/thumb.jpg" in media.thumbnail
    if case.uploader:
        assert media.uploader == case.uploader
    if case.duration:
        assert media.duration == case.duration
    formats = media.info["formats"]
    if case.labels:
        assert [f["format_id"] for f in formats] == case.labels
    assert media.choices and media.choices[0].id == "best"
    result = savevid.download(media, Choice(), tmp_path)
    assert probe(result.path).duration == pytest.approx(4.0, abs=0.5)
    assert result.path.name.startswith(case.title[:10])


def test_izlesene_offers_each_quality_by_its_label(online: Callable[[str, str], str]) -> None:
    media = savevid.resolve(online(CASES[0].url, "izlesene.html"))
    heights = [o.height for o in media.choices if o.kind == "video" and o.height]
    assert 720 in heights and 360 in heights
    assert [f["url"].rsplit("=", 1)[1] for f in media.info["formats"]] == ["360", "720"]  # %3F decoded


def test_ifunny_takes_the_linked_post_not_the_others_on_the_page(
    online: Callable[[str, str], str], origin: Origin, tmp_path: Path
) -> None:
    media = savevid.resolve(online(CASES[4].url, "ifunny.html"))
    assert [f["url"].rsplit("=", 1)[1] for f in media.info["formats"]] == ["kXJ3L0a9B"]
    savevid.download(media, Choice(), tmp_path)
    assert not any("other" in (r or "") for _, r in origin.server.ranges)
    assert all("video-only" not in path for path in origin.server.hits)


def test_kwai_short_links_lead_to_the_video(online: Callable[[str, str], str], origin: Origin) -> None:
    page = online(CASES[3].url, "kwai.html")
    origin.route("/p/AbCdEf", lambda _: Reply(302, headers={"Location": page}))
    media = savevid.resolve("http://s.kw.ai/p/AbCdEf")
    assert media.id == "5000000000000000001" and media.extractor.lower() == "kwai"


def test_a_redirecting_short_link_of_any_kind_is_followed(
    online: Callable[[str, str], str], origin: Origin
) -> None:
    page = online(CASES[0].url, "izlesene.html")
    origin.route("/3xAmPlE", lambda _: Reply(301, headers={"Location": page}))
    media = savevid.resolve("Bak şuna: http://bit.ly/3xAmPlE?utm_source=whatsapp !")
    assert media.id == "7599694" and media.extractor.lower() == "izlesene"


def test_a_sharechat_photo_post_says_it_has_no_video(online: Callable[[str, str], str]) -> None:
    with pytest.raises(SavevidError) as caught:
        savevid.resolve(online("http://sharechat.com/post/Qw3rTy", "sharechat-photo.html"))
    assert caught.value.code is ErrorCode.NO_MEDIA
    assert "photo" in caught.value.message


def test_every_own_site_has_a_fixture_test() -> None:
    own = {s.extractor.lower() for s in SITES if s.handler is Handler.OWN and s.extractor}
    assert own == {c.extractor for c in CASES}
