"""Thumbnails served by the server itself: signed, fetched under the network rules, checked as
images, cached; and thumbnail URLs made absolute."""

from __future__ import annotations

import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from savevid.config import Settings, get_settings
from savevid.engine.ffmpeg import find_ffmpeg
from savevid.resolve.mapping import thumbnail_url
from savevid.safety.images import sniff_image
from savevid.web import image_cache, thumbnails
from savevid.web.app import create_app
from savevid.web.image_cache import BUSY, MAX_FETCHES, MAX_WAITING, Failure, Image, ImageCache
from savevid.web.thumbnails import KEY_FILE, MAX_IMAGE_BYTES, TOO_SLOW, Thumbnails
from support import pages
from support.drips import body_dripping, headers_dripping
from support.hosts import map_hosts
from support.origin import Handler, Origin, Reply, Route

THUMB = "/media/thumb.jpg"


def make_settings(data_dir: Path, allow: str, **more: object) -> Settings:
    return get_settings(data_dir=data_dir, retries=1, fragment_retries=1, socket_timeout=5,
                        allow_private=allow, **more)  # fmt: skip


def port_of(origin: Origin) -> int:
    return int(origin.server.server_address[1])


@pytest.fixture
def client(tmp_path: Path, origin: Origin) -> Iterator[TestClient]:
    # The server's network rules are on: the local origin is let through, by its port.
    settings = make_settings(tmp_path / "data", f"127.0.0.1:{port_of(origin)}")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def info(client: TestClient, url: str) -> dict[str, object]:
    reply = client.post("/api/info", json={"url": url})
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


def og_page_with_image(origin: Origin, path: str, image: str) -> str:
    return origin.page(path, pages.OPEN_GRAPH.replace("{base}/media/thumb.jpg", image))


def served(client: TestClient, url: str) -> str:
    """The thumbnail_url the info answer for url hands out."""
    path = info(client, url)["thumbnail_url"]
    assert isinstance(path, str) and path.startswith("/api/thumbnail?"), path
    return path


@pytest.mark.parametrize("page", [pages.OPEN_GRAPH, pages.JSON_LD], ids=["open-graph", "json-ld"])
def test_a_thumbnail_shows_through_the_server(client: TestClient, origin: Origin, media_dir: Path,
                                              page: str) -> None:  # fmt: skip
    media = info(client, origin.page("/watch/clip", page))
    assert media["thumbnail"] == origin.url(THUMB)  # the original, for API users
    path = str(media["thumbnail_url"])
    assert urlsplit(path).path == "/api/thumbnail"
    assert parse_qs(urlsplit(path).query)["u"] == [origin.url(THUMB)]
    reply = client.get(path)
    assert reply.status_code == 200
    assert reply.content == (media_dir / "thumb.jpg").read_bytes()
    assert reply.headers["content-type"] == "image/jpeg"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["content-security-policy"].startswith("default-src 'none'")
    assert reply.headers["cache-control"].startswith("private, max-age=")
    assert reply.headers["cross-origin-resource-policy"] == "same-origin"


def test_a_relative_og_image_becomes_absolute(client: TestClient, origin: Origin, media_dir: Path) -> None:
    media = info(client, og_page_with_image(origin, "/posts/7", THUMB))
    assert media["thumbnail"] == origin.url(THUMB)
    reply = client.get(str(media["thumbnail_url"]))
    assert reply.status_code == 200 and reply.content == (media_dir / "thumb.jpg").read_bytes()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/v/thumb.jpg", "https://site.example/v/thumb.jpg"),
     ("thumb.jpg", "https://site.example/posts/thumb.jpg"),
     ("//cdn.example/t.png", "https://cdn.example/t.png"),
     ("http://cdn.example/t.png", "http://cdn.example/t.png"),
     ("  /v/t.webp ", "https://site.example/v/t.webp"),
     ("javascript:alert(1)", None), ("data:image/png;base64,AAAA", None), ("", None),
     ("http://[::1/t.png", None), ("ftp://cdn.example/t.png", None)],
)  # fmt: skip
def test_thumbnail_urls_are_absolute_http(given: str, expected: str | None) -> None:
    assert thumbnail_url({"thumbnail": given}, "https://site.example/posts/7") == expected


def test_a_usable_listed_thumbnail_replaces_an_unusable_one() -> None:
    info = {"thumbnail": "data:image/png;base64,AAAA",
            "thumbnails": [{"url": "/small.jpg"}, {"url": "/big.jpg"}, {"url": "data:,x"}]}  # fmt: skip
    assert thumbnail_url(info, "https://site.example/p") == "https://site.example/big.jpg"


@pytest.mark.parametrize(
    "query",
    ["", "?u={u}", "?u={u}&s=", "?u={u}&s=0123456789abcdef0123456789abcdef", "?u={u}&s={s}x",
     "?u={u}x&s={s}", "?u={other}&s={s}", "?u={u}&s=%C3%A9"],
)  # fmt: skip
def test_a_forged_or_absent_signature_is_refused(client: TestClient, origin: Origin, query: str) -> None:
    given = parse_qs(urlsplit(served(client, origin.page("/watch/og", pages.OPEN_GRAPH))).query)
    u, s = given["u"][0], given["s"][0]
    other = origin.url("/media/progressive.mp4")
    path = "/api/thumbnail" + query.format(u=u, s=s, other=other)
    reply = client.get(path)
    assert reply.status_code == 403, reply.text
    assert reply.json()["code"] == "not_signed" and reply.json()["message"]
    assert THUMB not in origin.server.hits  # nothing was fetched


def test_the_signing_key_is_kept_owner_only_and_survives_a_restart(tmp_path: Path, origin: Origin) -> None:
    data = tmp_path / "data"
    settings = make_settings(data, f"127.0.0.1:{port_of(origin)}")
    with TestClient(create_app(settings)) as first:
        path = served(first, origin.page("/watch/og", pages.OPEN_GRAPH))
    key = data / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    with TestClient(create_app(settings)) as second:  # a restart: the same key, the same signatures
        assert second.get(path).status_code == 200
    elsewhere = make_settings(tmp_path / "other", f"127.0.0.1:{port_of(origin)}")
    with TestClient(create_app(elsewhere)) as other:  # another server's key signs differently
        assert other.get(path).status_code == 403
    assert Thumbnails(settings).path_for(origin.url(THUMB)) == path


def test_a_damaged_or_open_key_is_mended(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path)
    (tmp_path / KEY_FILE).write_bytes(b"short")
    first = Thumbnails(settings).path_for("https://cdn.example/t.jpg")
    key = tmp_path / KEY_FILE
    assert len(key.read_bytes()) == 32 and stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(0o644)
    assert Thumbnails(settings).path_for("https://cdn.example/t.jpg") == first
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.fixture
def named_hosts(tmp_path: Path, origin: Origin, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """pages.test and thumbs.test both lead to the origin; only pages.test is exempt from the rules."""
    port = port_of(origin)
    map_hosts(monkeypatch, ["pages.test", "thumbs.test"], port, others="unknown")
    with TestClient(create_app(make_settings(tmp_path / "data", f"pages.test:{port}"))) as test_client:
        yield test_client


def test_a_thumbnail_at_a_blocked_address_is_refused(named_hosts: TestClient, origin: Origin) -> None:
    port = port_of(origin)
    og_page_with_image(origin, "/watch/og", f"http://thumbs.test:{port}{THUMB}")
    path = served(named_hosts, f"http://pages.test:{port}/watch/og")
    reply = named_hosts.get(path)
    assert reply.status_code == 422 and reply.json()["code"] == "blocked_address", reply.text
    assert "thumbs.test" not in reply.json()["message"] and THUMB not in origin.server.hits  # the log has it


def test_a_redirect_to_a_blocked_address_is_refused(named_hosts: TestClient, origin: Origin) -> None:
    port = port_of(origin)
    origin.route("/cover", lambda _: Reply(302, b"", {"Location": f"http://thumbs.test:{port}{THUMB}"}))
    og_page_with_image(origin, "/watch/og", f"http://pages.test:{port}/cover")
    path = served(named_hosts, f"http://pages.test:{port}/watch/og")
    reply = named_hosts.get(path)
    assert reply.status_code == 422 and reply.json()["code"] == "blocked_address", reply.text
    assert "/cover" in origin.server.hits and THUMB not in origin.server.hits


def test_a_page_in_place_of_an_image_is_refused(client: TestClient, origin: Origin) -> None:
    html = pages.NO_VIDEO.encode()
    origin.route("/cover.jpg", lambda _: Reply(200, html, {"Content-Type": "image/jpeg"}))  # it says image
    path = served(client, og_page_with_image(origin, "/watch/og", "/cover.jpg"))
    reply = client.get(path)
    assert reply.status_code == 422 and reply.json()["code"] == "not_image", reply.text
    assert reply.headers["content-type"] == "application/json"


def test_a_small_text_in_place_of_an_image_is_refused(client: TestClient, origin: Origin) -> None:
    origin.route("/tiny.png", lambda _: Reply(200, b"<svg/>", {"Content-Type": "image/png"}))
    reply = client.get(served(client, og_page_with_image(origin, "/watch/og", "/tiny.png")))
    assert reply.status_code == 422 and reply.json()["code"] == "not_image"


def _unannounced(body: bytes) -> Route:
    """A route that sends body without a Content-Length, ending it by closing the connection."""

    def route(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        for start in range(0, len(body), 1 << 16):
            handler.wfile.write(body[start : start + (1 << 16)])

    return route


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "no-length"])
def test_an_oversized_image_is_refused(client: TestClient, origin: Origin, media_dir: Path,
                                       announced: bool) -> None:  # fmt: skip
    jpeg = (media_dir / "thumb.jpg").read_bytes()
    body = jpeg + b"\0" * (MAX_IMAGE_BYTES + 1 - len(jpeg))
    if announced:
        origin.route("/huge.jpg", lambda _: Reply(200, body, {"Content-Type": "image/jpeg"}))
    else:
        origin.route("/huge.jpg", _unannounced(body))
    reply = client.get(served(client, og_page_with_image(origin, "/watch/og", "/huge.jpg")))
    assert reply.status_code == 422 and reply.json()["code"] == "too_large", reply.text


def test_an_unreachable_thumbnail_is_a_network_error(client: TestClient, origin: Origin) -> None:
    reply = client.get(served(client, og_page_with_image(origin, "/watch/og", "/gone.jpg")))  # 404
    assert reply.status_code == 502 and reply.json()["code"] == "network", reply.text
    assert "404" in reply.json()["message"]


def test_the_cache_saves_a_second_fetch(client: TestClient, origin: Origin) -> None:
    path = served(client, origin.page("/watch/og", pages.OPEN_GRAPH))
    first, second = client.get(path), client.get(path)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert origin.server.hits.count(THUMB) == 1


def test_a_failure_is_not_asked_again_at_once(client: TestClient, origin: Origin) -> None:
    path = served(client, og_page_with_image(origin, "/watch/og", "/gone.jpg"))
    assert [client.get(path).status_code for _ in range(3)] == [502, 502, 502]
    assert origin.server.hits.count("/gone.jpg") == 1


def wait_final(client: TestClient, job_id: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, object] = client.get(f"/api/downloads/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_download_shows_its_thumbnail(client: TestClient, origin: Origin, media_dir: Path) -> None:
    page = og_page_with_image(origin, "/watch/og", THUMB)  # relative: made absolute for the job too
    created = client.post("/api/downloads", json={"url": page}).json()
    done = wait_final(client, str(created["id"]))
    assert done["state"] == "done", done
    assert done["thumbnail"] == origin.url(THUMB)
    urls = done["urls"]
    assert isinstance(urls, dict) and urls["thumbnail"] == f"/api/downloads/{created['id']}/thumbnail"
    reply = client.get(urls["thumbnail"])
    assert reply.status_code == 200 and reply.content == (media_dir / "thumb.jpg").read_bytes()
    assert reply.headers["content-type"] == "image/jpeg"
    missing = client.get("/api/downloads/0123456789abcdef0123456789abcdef/thumbnail")
    assert missing.status_code == 404 and missing.json()["code"] == "no_such_download"


def test_a_queued_download_has_no_thumbnail_yet(client: TestClient, origin: Origin) -> None:
    client.app.state.queue.stop()  # type: ignore[attr-defined]
    job = client.post("/api/downloads", json={"url": origin.page("/watch/og", pages.OPEN_GRAPH)}).json()
    assert job["urls"]["thumbnail"] is None
    reply = client.get(f"/api/downloads/{job['id']}/thumbnail")
    assert reply.status_code == 404 and reply.json()["code"] == "no_thumbnail"


def test_the_callers_rules_apply(tmp_path: Path, origin: Origin) -> None:
    secret = "k" * 20
    settings = make_settings(tmp_path / "data", f"127.0.0.1:{port_of(origin)}", auth_required=True,
                             api_keys=f"site:{secret}")  # fmt: skip
    with TestClient(create_app(settings)) as locked:
        bearer = {"Authorization": f"Bearer {secret}"}
        url = origin.page("/watch/og", pages.OPEN_GRAPH)
        path = locked.post("/api/info", json={"url": url}, headers=bearer).json()["thumbnail_url"]
        refused = locked.get(path)
        assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
        assert THUMB not in origin.server.hits
        assert locked.get(path, headers=bearer).status_code == 200


# Each kind of image the route passes on, made with ffmpeg and served under a vague type.
KINDS = {"png": "image/png", "gif": "image/gif", "webp": "image/webp", "avif": "image/avif"}


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("images")
    made = {}
    for ext in KINDS:
        codec = ["-c:v", "libaom-av1", "-still-picture", "1"] if ext == "avif" else []
        out = folder / f"t.{ext}"
        subprocess.run([str(find_ffmpeg()), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=64x36", "-frames:v", "1", *codec, str(out)], check=True)  # fmt: skip
        made[ext] = out.read_bytes()
    return made


@pytest.mark.parametrize("ext", list(KINDS))
def test_each_image_kind_goes_out_as_its_bytes_show(client: TestClient, origin: Origin,
                                                    images: dict[str, bytes], ext: str) -> None:  # fmt: skip
    assert sniff_image(images[ext]) == KINDS[ext]
    vague = {"Content-Type": "application/octet-stream"}  # the site does not say
    origin.route(f"/cover.{ext}", lambda _: Reply(200, images[ext], vague))
    reply = client.get(served(client, og_page_with_image(origin, "/watch/og", f"/cover.{ext}")))
    assert reply.status_code == 200 and reply.content == images[ext]
    assert reply.headers["content-type"] == KINDS[ext]


def test_svg_and_other_files_are_not_images(images: dict[str, bytes]) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    mp4_head = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    for data in (svg, b"<!doctype html>", mp4_head, b"RIFF\x00\x00\x00\x00WAVEfmt ", b"", b"\xff\xd8"):
        assert sniff_image(data) is None, data


def test_requests_at_the_same_time_share_one_fetch(tmp_path: Path, origin: Origin, media_dir: Path) -> None:
    jpeg = (media_dir / "thumb.jpg").read_bytes()

    def slow(_: Handler) -> Reply:
        time.sleep(0.5)
        return Reply(200, jpeg, {"Content-Type": "image/jpeg"})

    url = origin.route("/slow.jpg", slow)
    thumbnails = Thumbnails(get_settings(data_dir=tmp_path, retries=1))
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda _: thumbnails.image(url), range(4)))
    assert all(isinstance(image, Image) and image.data == jpeg for image in found)
    assert origin.server.hits.count("/slow.jpg") == 1
    assert thumbnails.cache.size == len(jpeg)


def test_the_cache_is_bounded_and_forgets(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ImageCache(max_bytes=10, max_entries=2)
    fetched: list[str] = []

    def fetch(url: str, data: bytes) -> Image:
        fetched.append(url)
        return Image(data, "image/png")

    for url in ("a", "b", "a"):  # b pushes a out: 12 bytes would be over 10
        cache.get(url, lambda url=url: fetch(url, b"123456"))
    assert fetched == ["a", "b", "a"] and cache.size == 6
    for url in ("x", "y", "z"):  # failures weigh nothing, but count
        cache.get(url, lambda url=url: Failure(502, "network", url))
    assert cache.size == 0  # the two most recent entries are failures
    monkeypatch.setattr(image_cache, "FRESH_SECONDS", -1.0)
    cache.get("c", lambda: fetch("c", b"1"))
    cache.get("c", lambda: fetch("c", b"1"))  # already stale: fetched again
    assert fetched[-2:] == ["c", "c"]


def test_a_thumbnail_url_with_other_characters_survives_the_round_trip(client: TestClient, origin: Origin,
                                                                       media_dir: Path) -> None:  # fmt: skip
    jpeg = (media_dir / "thumb.jpg").read_bytes()
    origin.route("/kapak-%C3%BC.jpg", lambda _: Reply(200, jpeg, {"Content-Type": "image/jpeg"}))
    media = info(client, og_page_with_image(origin, "/watch/og", "/kapak-ü.jpg?w=1&s=a b&u=x#top"))
    assert media["thumbnail"] == origin.url("/kapak-ü.jpg?w=1&s=a b&u=x#top")
    reply = client.get(str(media["thumbnail_url"]))
    assert reply.status_code == 200 and reply.content == jpeg


# A short deadline for these tests, longer than a drip's pause: each byte comes in time for the
# socket's own timeout (half the deadline), so only the deadline itself ends the fetch.
SHORT_DEADLINE = 3.0
SLACK = 1.5


@pytest.fixture
def hurried(tmp_path: Path, origin: Origin, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(thumbnails, "FETCH_SECONDS", SHORT_DEADLINE)
    settings = make_settings(tmp_path / "data", f"127.0.0.1:{port_of(origin)}")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def signed_path(client: TestClient, url: str) -> str:
    """The thumbnail path /api/info hands out for url."""
    path = client.app.state.thumbnails.path_for(url)  # type: ignore[attr-defined]
    assert isinstance(path, str)
    return path


@pytest.mark.parametrize("drips", ["headers", "body"])
def test_a_site_that_drips_is_cut_at_the_deadline(hurried: TestClient, origin: Origin, media_dir: Path,
                                                  drips: str) -> None:  # fmt: skip
    jpeg = (media_dir / "thumb.jpg").read_bytes()
    route = headers_dripping() if drips == "headers" else body_dripping(jpeg)
    path = signed_path(hurried, origin.route("/drip.jpg", route))
    started = time.monotonic()
    reply = hurried.get(path)
    took = time.monotonic() - started
    assert reply.status_code == 502 and reply.json() == {"code": "network", "message": TOO_SLOW.message,
                                                         "hint": None}, reply.text  # fmt: skip
    assert SHORT_DEADLINE - 0.2 < took < SHORT_DEADLINE + SLACK, took
    assert origin.closed_within(1.0)  # the connection was cut, not left to the site


def test_stuck_fetches_hold_a_few_threads_and_the_rest_is_answered_at_once(
    hurried: TestClient, origin: Origin, media_dir: Path
) -> None:
    stuck = [origin.route(f"/drip/{n}.jpg", headers_dripping()) for n in range(MAX_FETCHES)]
    cache: ImageCache = hurried.app.state.thumbnails.cache  # type: ignore[attr-defined]
    with ThreadPoolExecutor(MAX_FETCHES + MAX_WAITING) as pool:
        started = time.monotonic()
        held: list[Future[Response]] = [pool.submit(hurried.get, signed_path(hurried, url)) for url in stuck]
        # Many requests for one stuck URL, as a page reloaded again and again would send.
        held += [pool.submit(hurried.get, signed_path(hurried, stuck[0])) for _ in range(MAX_WAITING)]
        while cache.busy != (MAX_FETCHES, MAX_WAITING):
            assert time.monotonic() - started < SHORT_DEADLINE, cache.busy
            time.sleep(0.02)
        good = signed_path(hurried, origin.url(THUMB))
        for path in (good, signed_path(hurried, stuck[1])):  # no fetch slot free; no waiting place free
            asked = time.monotonic()
            refused = hurried.get(path)
            assert time.monotonic() - asked < 0.5
            assert refused.status_code == 503 and refused.json()["code"] == "busy", refused.text
            assert refused.headers["retry-after"] == str(BUSY.retry_after)
        for other in ("/api/downloads", "/healthz"):  # the server's own threads are free
            asked = time.monotonic()
            assert hurried.get(other).status_code == 200
            assert time.monotonic() - asked < 0.5
        answers = [future.result() for future in held]
        assert time.monotonic() - started < SHORT_DEADLINE + SLACK
    assert all(a.status_code == 502 and a.json()["code"] == "network" for a in answers)
    assert THUMB not in origin.server.hits and cache.busy == (0, 0)
    reply = hurried.get(good)  # a busy answer is not kept
    assert reply.status_code == 200 and reply.content == (media_dir / "thumb.jpg").read_bytes()


def test_a_wait_for_another_fetch_is_bounded() -> None:
    late = Failure(502, "network", "late")
    cache = ImageCache(fetches=1, waiting=1, wait_seconds=0.3, late=late)
    release = threading.Event()

    def held() -> Image:
        release.wait(5)
        return Image(b"x", "image/png")

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(cache.get, "a", held)
        while cache.busy != (1, 0):
            time.sleep(0.01)
        started = time.monotonic()
        assert cache.get("a", lambda: Image(b"y", "image/png")) is late  # not fetched a second time
        assert 0.25 < time.monotonic() - started < 1.0
        assert cache.get("b", lambda: Image(b"b", "image/png")) is BUSY  # the one fetch slot is taken
        release.set()
        assert first.result() == Image(b"x", "image/png")
    assert cache.get("b", lambda: Image(b"b", "image/png")) == Image(b"b", "image/png")
    assert cache.get("a", lambda: Image(b"y", "image/png")) == Image(b"x", "image/png")  # kept
