"""The local shapes every download test covers: direct media, manifests and pages."""

from collections.abc import Callable

from support import pages
from support.origin import Origin

SHAPES: dict[str, Callable[[Origin], str]] = {
    "progressive": lambda o: o.url("/media/progressive.mp4"),
    "hls-ts-master": lambda o: o.url("/media/hls_ts/master.m3u8"),
    "hls-fmp4-master": lambda o: o.url("/media/hls_fmp4/master.m3u8"),
    "hls-aes128": lambda o: o.url("/media/hls_aes/index.m3u8"),
    "hls-byterange": lambda o: o.url("/media/hls_byterange/index.m3u8"),
    "dash-video-audio": lambda o: o.url("/media/dash/manifest.mpd"),
    "og-video-page": lambda o: o.page("/watch/og", pages.OPEN_GRAPH),
    "json-ld-page": lambda o: o.page("/watch/jsonld", pages.JSON_LD),
    "html5-video-page": lambda o: o.page("/watch/html5", pages.HTML5),
    "hls-player-page": lambda o: o.page(
        "/watch/player", pages.HLS_PLAYER.replace("{playlist}", "hls_fmp4/master.m3u8")
    ),
}
