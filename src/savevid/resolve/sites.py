"""The sites savevid promises by name: how each is handled, or why it cannot be."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Handler(StrEnum):
    """Who extracts a site's media."""

    YTDLP = "yt-dlp"  # a dedicated yt-dlp extractor
    OWN = "own"  # no dedicated yt-dlp extractor: savevid's own, or the page's standard metadata
    NONE = "none"  # cannot be supported; ``reason`` says why


@dataclass(frozen=True)
class Site:
    """One promised site."""

    name: str
    domains: tuple[str, ...]
    example: str
    handler: Handler
    extractor: str | None = None  # yt-dlp's extractor key, for Handler.YTDLP
    media: str = "video"  # "video", "audio" or "both"
    reason: str | None = None  # for Handler.NONE
    note: str | None = None


def _yt(
    name: str, domains: str, example: str, key: str, media: str = "video", note: str | None = None
) -> Site:
    return Site(name, tuple(domains.split()), example, Handler.YTDLP, key, media, None, note)


def _own(name: str, domains: str, example: str, note: str) -> Site:
    return Site(name, tuple(domains.split()), example, Handler.OWN, None, "video", None, note)


def _none(name: str, domains: str, example: str, reason: str) -> Site:
    return Site(name, tuple(domains.split()), example, Handler.NONE, None, "video", reason)


SITES: tuple[Site, ...] = (
    _yt("YouTube", "youtube.com youtu.be", "https://www.youtube.com/watch?v=BaW_jenozKc", "Youtube", "both"),
    _yt("VK", "vk.com vkvideo.ru", "https://vk.com/video-77521_162222515", "VK"),
    _yt("Vimeo", "vimeo.com", "https://vimeo.com/56015672", "Vimeo"),
    _yt("X / Twitter", "twitter.com x.com", "https://twitter.com/freethenipple/status/643211948184596480",
        "Twitter"),
    _yt("Twitch", "twitch.tv", "https://www.twitch.tv/videos/6528877", "TwitchVod", note="clips too"),
    _yt("Tumblr", "tumblr.com", "https://tatianamaslanydaily.tumblr.com/post/54196191430", "Tumblr"),
    _yt("TikTok", "tiktok.com", "https://www.tiktok.com/@leenabhushan/video/6748451240264420610", "TikTok"),
    _yt("Telegram", "t.me", "https://t.me/newvideos/1", "TelegramEmbed", note="public channels"),
    _yt("TED", "ted.com", "https://www.ted.com/talks/dan_dennett_on_our_consciousness", "TedTalk"),
    _yt("Streamable", "streamable.com", "https://streamable.com/dnd1", "Streamable"),
    _yt("SoundCloud", "soundcloud.com", "https://soundcloud.com/ethmusic/lostin-powers-she-so-heavy",
        "Soundcloud", "audio"),
    _yt("Snapchat", "snapchat.com",
        "https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA",
        "SnapchatSpotlight", note="Spotlight only"),
    _own("ShareChat", "sharechat.com", "https://sharechat.com/video/example", "page carries JSON-LD"),
    _yt("Rumble", "rumble.com", "https://rumble.com/vdmum1-moose-the-dog-helps-girls-dig-a-snow-fort.html",
        "Rumble"),
    _yt("Reddit", "reddit.com redd.it",
        "https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/", "Reddit"),
    _yt("PuhuTV", "puhutv.com", "https://puhutv.com/sut-kardesler-izle", "PuhuTV"),
    _yt("Pinterest", "pinterest.com pin.it", "https://www.pinterest.com/pin/664281013778109217/",
        "Pinterest"),
    _yt("Periscope", "periscope.tv pscp.tv", "https://www.periscope.tv/w/1ZkKzPbMVggJv", "Periscope",
        note="the service closed in 2021; X live broadcasts"),
    _none("MX TakaTak", "mxtakatak.com", "https://www.mxtakatak.com/",
          "MX TakaTak closed in 2022, when it merged into Moj."),
    _yt("Mixcloud", "mixcloud.com", "https://www.mixcloud.com/dholbach/cryptkeeper/", "Mixcloud", "audio"),
    _own("Mashable", "mashable.com", "https://mashable.com/video/example", "player JSON or JSON-LD"),
    _yt("LinkedIn", "linkedin.com", "https://www.linkedin.com/posts/example-ugcPost-7000000000000000000-abcd",
        "LinkedIn"),
    _yt("Likee", "likee.video", "https://likee.video/@example/video/7093444807096327263", "Likee"),
    _own("Kwai", "kwai.com kw.ai s.kw.ai", "https://www.kwai.com/@example/video/5000000000000000000",
         "HTML5 video; short links"),
    _own("İzlesene", "izlesene.com", "https://www.izlesene.com/video/example/10000000",
         "per-quality sources in the page"),
    _yt("Instagram", "instagram.com", "https://www.instagram.com/p/aye83DjauH/", "Instagram",
        note="reels too"),
    _yt("Imgur", "imgur.com", "https://i.imgur.com/A61SaA1.gifv", "Imgur"),
    _yt("IMDb", "imdb.com", "https://www.imdb.com/video/vi2524815897", "Imdb"),
    _own("iFunny", "ifunny.co", "https://ifunny.co/video/example", "the linked post's og:video"),
    _none("Gaana", "gaana.com", "https://gaana.com/song/example",
          "Gaana encrypts its streams; savevid does not break copy protection."),
    _yt("Flickr", "flickr.com", "https://www.flickr.com/photos/forestwander-nature-pictures/5645318632",
        "Flickr"),
    _own("Febspot", "febspot.com", "https://www.febspot.com/video/1000000", "og:video with a direct MP4"),
    _yt("Facebook", "facebook.com fb.watch", "https://www.facebook.com/radiokicksfm/videos/3676516585958356/",
        "Facebook"),
    _yt("ESPN", "espn.com espn.go.com", "https://espn.go.com/video/clip?id=10365079", "ESPN"),
    _yt("Douyin", "douyin.com", "https://www.douyin.com/video/6961737553342991651", "Douyin",
        note="often needs fresh cookies"),
    _yt("Dailymotion", "dailymotion.com dai.ly", "https://www.dailymotion.com/video/x5kesuj", "Dailymotion"),
    _yt("BuzzFeed", "buzzfeed.com",
        "https://www.buzzfeed.com/abagg/this-angry-ram-destroys-a-punching-bag-like-a-boss", "BuzzFeed"),
    _none("BluTV", "blutv.com", "https://www.blutv.com/",
          "BluTV became HBO Max Türkiye in 2024; its videos are DRM-protected."),
    _yt("Blogger", "blogger.com", "https://www.blogger.com/video.g?token=AD6v5dzEe9hfcARr5Hlq1WTkYy6t",
        "Blogger"),
    _yt("BitChute", "bitchute.com", "https://www.bitchute.com/video/UGlrF9o9b-Q/", "BitChute"),
    _yt("Bilibili", "bilibili.com", "https://www.bilibili.com/video/BV13x41117TL", "BiliBili"),
    _yt("Bandcamp", "bandcamp.com", "https://youtube-dl.bandcamp.com/track/youtube-dl-test-song", "Bandcamp",
        "audio"),
    _own("Akıllı TV", "akilli.tv", "https://www.akilli.tv/example", "<source> tags with quality labels"),
    _yt("9GAG", "9gag.com", "https://9gag.com/gag/ae5Ag7B", "NineGag"),
)  # fmt: skip


def site_for(url: str) -> Site | None:
    """The promised site a link belongs to, if any (sub-domains count)."""
    host = (urlsplit(url).hostname or "").lower()
    for site in SITES:
        if any(host == d or host.endswith(f".{d}") for d in site.domains):
            return site
    return None
