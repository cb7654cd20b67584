"""The sites savevid promises by name: how each is handled, or why it cannot be."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Handler(StrEnum):
    """Who extracts a site's media."""

    YTDLP = "yt-dlp"  # a dedicated yt-dlp extractor
    OWN = "own"  # no dedicated yt-dlp extractor: savevid's own (a yt-dlp plugin in this package)
    NONE = "none"  # cannot be supported; ``reason`` says why


@dataclass(frozen=True)
class Site:
    """One promised site."""

    name: str
    domains: tuple[str, ...]
    example: str
    handler: Handler
    extractor: str | None = None  # the extractor's key: yt-dlp's, or savevid's own plugin
    media: str = "video"  # "video", "audio" or "both"
    reason: str | None = None  # for Handler.NONE
    note: str | None = None
    live: bool = True  # the example is a real public link (the live tests open it), not only its shape


def _yt(
    name: str, domains: str, example: str, key: str, media: str = "video", note: str | None = None,
    live: bool = True,
) -> Site:  # fmt: skip
    return Site(name, tuple(domains.split()), example, Handler.YTDLP, key, media, None, note, live)


def _own(name: str, domains: str, example: str, key: str, note: str, live: bool = True) -> Site:
    return Site(name, tuple(domains.split()), example, Handler.OWN, key, "video", None, note, live)


def _none(name: str, domains: str, example: str, reason: str) -> Site:
    return Site(name, tuple(domains.split()), example, Handler.NONE, None, "video", reason, live=False)


SITES: tuple[Site, ...] = (
    _yt("YouTube", "youtube.com youtu.be", "https://www.youtube.com/watch?v=BaW_jenozKc", "Youtube", "both"),
    _yt("VK", "vk.com vkvideo.ru", "https://vk.com/video-77521_162222515", "VK"),
    _yt("Vimeo", "vimeo.com", "https://vimeo.com/56015672", "Vimeo"),
    _yt("X / Twitter", "twitter.com x.com", "https://twitter.com/freethenipple/status/643211948184596480",
        "Twitter"),
    _yt("Twitch", "twitch.tv", "https://www.twitch.tv/videos/6528877", "TwitchVod", note="clips too"),
    _yt("Tumblr", "tumblr.com", "https://tatianamaslanydaily.tumblr.com/post/54196191430", "Tumblr"),
    _yt("TikTok", "tiktok.com", "https://www.tiktok.com/@leenabhushan/video/6748451240264420610", "TikTok"),
    _yt("Telegram", "t.me", "https://t.me/europa_press/613", "TelegramEmbed", note="public channels"),
    _yt("TED", "ted.com", "https://www.ted.com/talks/dan_dennett_on_our_consciousness", "TedTalk"),
    _yt("Streamable", "streamable.com", "https://streamable.com/dnd1", "Streamable"),
    _yt("SoundCloud", "soundcloud.com", "https://soundcloud.com/ethmusic/lostin-powers-she-so-heavy",
        "Soundcloud", "audio"),
    _yt("Snapchat", "snapchat.com",
        "https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA",
        "SnapchatSpotlight", note="Spotlight only"),
    _own("ShareChat", "sharechat.com", "https://sharechat.com/post/rddE5w7", "ShareChat",
         "the post's VideoObject"),
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
    _own("Mashable", "mashable.com", "https://mashable.com/video/who-took-the-first-selfie-ever", "Mashable",
         "the player's data, or the page's VideoObject"),
    _yt("LinkedIn", "linkedin.com",
        "https://www.linkedin.com/posts/mishalkhawaja_sendinblueviews-toronto-digitalmarketing-ugcPost-6850898786781339649-mM20",
        "LinkedIn"),
    _yt("Likee", "likee.video", "https://likee.video/@huynh_hong_quan_/video/7093444807096327263", "Likee"),
    _own("Kwai", "kwai.com kw.ai", "https://www.kwai.com/@example/video/5000000000000000000", "Kwai",
         "short links s.kw.ai too", live=False),
    _own("İzlesene", "izlesene.com",
         "https://www.izlesene.com/video/sevincten-cildirtan-dogum-gunu-hediyesi/7599694", "Izlesene",
         "every quality, labelled"),
    _yt("Instagram", "instagram.com", "https://www.instagram.com/p/aye83DjauH/", "Instagram",
        note="reels too"),
    _yt("Imgur", "imgur.com", "https://i.imgur.com/A61SaA1.gifv", "Imgur"),
    _yt("IMDb", "imdb.com", "https://www.imdb.com/video/vi2524815897", "Imdb"),
    _own("iFunny", "ifunny.co", "https://ifunny.co/video/introduce-you-to-the-fly-swatter-jh6D3QSz7",
         "IFunny", "the linked post only"),
    _none("Gaana", "gaana.com", "https://gaana.com/song/example",
          "Gaana encrypts its streams; savevid does not break copy protection."),
    _yt("Flickr", "flickr.com", "https://www.flickr.com/photos/forestwander-nature-pictures/5645318632",
        "Flickr"),
    _own("Febspot", "febspot.com", "https://www.febspot.com/video/1000000", "Febspot", "the page's MP4",
         live=False),
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
    _own("Akıllı TV", "akilli.tv", "https://www.akilli.tv/video/example", "AkilliTv", "qualities labelled",
         live=False),
    _yt("9GAG", "9gag.com", "https://9gag.com/gag/ae5Ag7B", "NineGag"),
)  # fmt: skip


def site_for(url: str) -> Site | None:
    """The promised site a link belongs to, if any (sub-domains count)."""
    host = (urlsplit(url).hostname or "").lower()
    for site in SITES:
        if any(host == d or host.endswith(f".{d}") for d in site.domains):
            return site
    return None


def handled_by(site: Site) -> str:
    """How a site is handled, in a few words (for tables)."""
    if site.handler is Handler.YTDLP:
        return f"yt-dlp ({site.extractor})"
    if site.handler is Handler.OWN:
        return f"savevid ({site.extractor})"
    return f"not supported: {site.reason}"


def markdown_table() -> str:
    """The README's table of sites, generated from the registry (``savevid sites --markdown``)."""
    rows = ["| Site | Handled by | Gives | Notes |", "|---|---|---|---|"]
    for site in SITES:
        notes = site.note or ""
        rows.append(f"| {site.name} | {handled_by(site)} | {site.media} | {notes} |")
    return "\n".join(rows) + "\n"
