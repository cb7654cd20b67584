"""Real sites, one public link each: ``scripts/test -m live`` shows which work today.

Skipped by default (no internet in CI); run them on a machine that has it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import savevid
from savevid.config import get_settings
from savevid.models import Choice, Quality
from savevid.resolve.sites import SITES, Handler, Site

pytestmark = pytest.mark.live

YOUTUBE = next(s.example for s in SITES if s.name == "YouTube")


def _live_params() -> list[object]:
    """Every site that should work, by its registry example; a shape-only example says so."""
    params: list[object] = []
    for site in SITES:
        if site.handler is Handler.NONE:
            continue  # answered without the network: the offline tests cover them
        marks = [] if site.live else [pytest.mark.skip(reason="the registry has only the link's shape")]
        params.append(pytest.param(site, id=site.name, marks=marks))
    return params


@pytest.mark.parametrize("site", _live_params())
def test_site_resolves(site: Site) -> None:
    media = savevid.resolve(site.example)
    # The handler the registry (and so the README) names is the one that did the work.
    assert media.extractor == site.extractor, (media.extractor, site.extractor)
    assert media.title not in (media.id, "media")  # the site's own title, not savevid's stand-in
    assert media.choices or media.entries


def test_youtube_downloads_a_small_file(tmp_path: Path) -> None:
    media = savevid.resolve(YOUTUBE)
    result = savevid.download(media, Choice(quality=Quality.P240), tmp_path, settings=get_settings())
    assert result.path.is_file() and result.size > 0
