"""Real sites, one public link each: ``scripts/test -m live`` shows which work today.

Skipped by default (no internet in CI); run them on a machine that has it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import savevid
from savevid.config import get_settings
from savevid.models import Choice, Quality

pytestmark = pytest.mark.live

SITES = {
    "YouTube": "https://www.youtube.com/watch?v=BaW_jenozKc",
    "VK": "https://vk.com/video-77521_162222515",
    "Vimeo": "https://vimeo.com/56015672",
    "X / Twitter": "https://twitter.com/freethenipple/status/643211948184596480",
    "Twitch": "https://www.twitch.tv/videos/6528877",
    "Tumblr": "https://tatianamaslanydaily.tumblr.com/post/54196191430",
    "TikTok": "https://www.tiktok.com/@leenabhushan/video/6748451240264420610",
    "Telegram": "https://t.me/newvideos/1",
    "TED": "https://www.ted.com/talks/dan_dennett_on_our_consciousness",
    "Streamable": "https://streamable.com/dnd1",
    "SoundCloud": "https://soundcloud.com/ethmusic/lostin-powers-she-so-heavy",
    "Snapchat": "https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA",
    "Rumble": "https://rumble.com/vdmum1-moose-the-dog-helps-girls-dig-a-snow-fort.html",
    "Reddit": "https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/",
    "PuhuTV": "https://puhutv.com/sut-kardesler-izle",
    "Pinterest": "https://www.pinterest.com/pin/664281013778109217/",
    "Mixcloud": "https://www.mixcloud.com/dholbach/cryptkeeper/",
    "Instagram": "https://www.instagram.com/p/aye83DjauH/",
    "Imgur": "https://i.imgur.com/A61SaA1.gifv",
    "IMDb": "https://www.imdb.com/video/vi2524815897",
    "Flickr": "https://www.flickr.com/photos/forestwander-nature-pictures/5645318632",
    "Facebook": "https://www.facebook.com/radiokicksfm/videos/3676516585958356/",
    "ESPN": "https://espn.go.com/video/clip?id=10365079",
    "Douyin": "https://www.douyin.com/video/6961737553342991651",
    "Dailymotion": "https://www.dailymotion.com/video/x5kesuj",
    "BuzzFeed": "https://www.buzzfeed.com/abagg/this-angry-ram-destroys-a-punching-bag-like-a-boss",
    "BitChute": "https://www.bitchute.com/video/UGlrF9o9b-Q/",
    "Bilibili": "https://www.bilibili.com/video/BV13x41117TL",
    "Bandcamp": "https://youtube-dl.bandcamp.com/track/youtube-dl-test-song",
    "9GAG": "https://9gag.com/gag/ae5Ag7B",
}


@pytest.mark.parametrize("url", list(SITES.values()), ids=list(SITES))
def test_site_resolves(url: str) -> None:
    media = savevid.resolve(url)
    assert media.title
    assert media.choices or media.entries


def test_youtube_downloads_a_small_file(tmp_path: Path) -> None:
    media = savevid.resolve(SITES["YouTube"])
    result = savevid.download(media, Choice(quality=Quality.P240), tmp_path, settings=get_settings())
    assert result.path.is_file() and result.size > 0
