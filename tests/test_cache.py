"""RecentMedia on its own: copies out, a time to live, a bound on entries, drops."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from savevid.models import Media
from savevid.resolve.cache import MediaCache, RecentMedia
from savevid.resolve.mapping import to_media


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def media(name: str) -> Media:
    page = f"https://x.example/{name}"
    formats = [{"format_id": "0", "url": f"https://cdn.example/{name}.mp4", "http_headers": {}}]
    info = {"id": name, "title": f"Clip {name}", "webpage_url": page, "formats": formats}
    return to_media(info, page, [])


def test_what_comes_out_is_a_copy() -> None:
    cache: MediaCache = RecentMedia()
    cache.put("https://x.example/a", media("a"))
    taken = cache.get("https://x.example/a")
    assert taken is not None and taken.title == "Clip a"
    taken.info["formats"][0]["url"] = "changed"
    taken.info["formats"][0]["http_headers"]["Cookie"] = "x"
    taken.title = "changed"
    again = cache.get("https://x.example/a")
    assert again is not None and again == media("a") and again.info == media("a").info


def test_entries_live_for_their_time_only() -> None:
    clock = Clock()
    cache = RecentMedia(ttl=120, clock=clock)
    cache.put("https://x.example/a", media("a"))
    clock.now += 119.9
    assert cache.get("https://x.example/a") is not None
    cache.put("https://x.example/b", media("b"))
    clock.now += 0.1
    assert cache.get("https://x.example/a") is None and len(cache) == 1
    cache.put("https://x.example/b", media("b"))  # stored again: its time starts again
    clock.now += 119
    assert cache.get("https://x.example/b") is not None


def test_the_oldest_entries_go_past_the_bound() -> None:
    cache = RecentMedia(size=3)
    for name in "abcd":
        cache.put(f"https://x.example/{name}", media(name))
    assert len(cache) == 3 and cache.get("https://x.example/a") is None
    assert [cache.get(f"https://x.example/{n}") is not None for n in "bcd"] == [True, True, True]


def test_a_dropped_entry_is_gone() -> None:
    cache = RecentMedia()
    cache.put("https://x.example/a", media("a"))
    cache.drop("https://x.example/a")
    cache.drop("https://x.example/never")
    assert cache.get("https://x.example/a") is None and len(cache) == 0


def test_threads_at_once_keep_it_within_bounds() -> None:
    cache = RecentMedia(size=50)

    def work(n: int) -> None:
        url = f"https://x.example/{n % 80}"
        cache.put(url, media(str(n % 80)))
        cache.get(url)
        if n % 7 == 0:
            cache.drop(url)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(2000)))
    assert len(cache) <= 50
