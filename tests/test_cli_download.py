"""``savevid download`` end to end: real media from a local origin, checked as media."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import pages
from support.media import DURATION
from support.origin import Origin
from support.probe import probe
from support.shapes import SHAPES


def only_files(folder: Path) -> list[Path]:
    """Everything in folder; a download leaves its finished files and nothing else."""
    return sorted(folder.iterdir())


def assert_playable(path: Path, container: str = "mp4") -> None:
    media = probe(path)
    assert media.has_video_and_audio, media
    assert abs(media.duration - DURATION) < 0.5, media
    assert container in media.container


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_shape_downloads_a_playable_file(cli, origin: Origin, tmp_path: Path, shape: str):
    out = tmp_path / "out"
    run = cli("download", "--json", "-o", str(out), SHAPES[shape](origin))
    assert run.code == 0, run.stderr
    [printed] = run.json_lines()
    [file] = only_files(out)
    assert Path(str(printed["path"])) == file
    assert printed["size"] == file.stat().st_size
    assert set(printed) >= {"path", "title", "size", "duration", "url", "site"}
    assert_playable(file)


def test_redirect_chain_is_followed(cli, origin: Origin, tmp_path: Path) -> None:
    from support.origin import Reply

    page = origin.page("/watch/final", pages.OPEN_GRAPH)
    origin.route("/s/3", lambda _: Reply(307, headers={"Location": page}))
    origin.route("/s/2", lambda _: Reply(301, headers={"Location": "/s/3"}))
    start = origin.route("/s/1", lambda _: Reply(302, headers={"Location": origin.url("/s/2")}))
    run = cli("download", "--json", "-o", str(tmp_path), start)
    assert run.code == 0, run.stderr
    [file] = [p for p in only_files(tmp_path) if p.suffix == ".mp4"]
    assert_playable(file)
    assert origin.server.hits[:4] == ["/s/1", "/s/2", "/s/3", "/watch/final"]


def test_file_is_named_after_the_sanitized_title(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("download", "--json", "-o", str(tmp_path), origin.page("/watch/og", pages.OPEN_GRAPH))
    assert run.code == 0, run.stderr
    [file] = only_files(tmp_path)
    assert file.name == "Open-Graph - a clip - part 1 [progressive].mp4"
    assert run.json_lines()[0]["title"] == "Open/Graph: a clip? | part 1"


@pytest.mark.parametrize(
    ("audio_format", "codec", "container"),
    [("mp3", "mp3", "mp3"), ("m4a", "aac", "mp4"), ("opus", "opus", "ogg")],
)
def test_audio_only(
    cli, origin: Origin, tmp_path: Path, audio_format: str, codec: str, container: str
) -> None:
    page = origin.page("/watch/og", pages.OPEN_GRAPH)
    run = cli("download", "--audio-only", "--audio-format", audio_format, "-o", str(tmp_path), page)
    assert run.code == 0, run.stderr
    [file] = only_files(tmp_path)
    assert file.suffix == f".{audio_format}"
    media = probe(file)
    assert media.video == [] and media.audio == [codec]
    assert container in media.container
    assert abs(media.duration - DURATION) < 0.5


@pytest.mark.parametrize(("quality", "height"), [("best", 360), ("240p", 240), ("1080", 360)])
def test_quality_picks_the_variant(cli, origin: Origin, tmp_path: Path, quality: str, height: int) -> None:
    run = cli("download", "-q", quality, "-o", str(tmp_path), origin.url("/media/hls_ts/master.m3u8"))
    assert run.code == 0, run.stderr
    [file] = only_files(tmp_path)
    assert probe(file).height == height


def test_expert_format_spec(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("download", "-f", "bv*", "-o", str(tmp_path), origin.url("/media/dash/manifest.mpd"))
    assert run.code == 0, run.stderr
    [file] = only_files(tmp_path)
    media = probe(file)
    assert media.video and not media.audio


def test_a_page_with_two_videos_downloads_both(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("download", "--json", "-o", str(tmp_path), origin.page("/two", pages.TWO_VIDEOS))
    assert run.code == 0, run.stderr
    files = only_files(tmp_path)
    assert len(files) == 2 and len(run.json_lines()) == 2
    for file in files:
        assert_playable(file)


def test_no_playlist_takes_one_item(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("download", "--no-playlist", "-o", str(tmp_path), origin.page("/two", pages.TWO_VIDEOS))
    assert run.code == 0, run.stderr
    assert len(only_files(tmp_path)) == 1


def test_several_urls_and_a_repeat_do_not_overwrite(cli, origin: Origin, tmp_path: Path) -> None:
    url = origin.url("/media/progressive.mp4")
    run = cli("download", "--json", "-o", str(tmp_path), url, url)
    assert run.code == 0, run.stderr
    names = [p.name for p in only_files(tmp_path)]
    assert names == ["progressive [progressive] (2).mp4", "progressive [progressive].mp4"]


def test_json_output_is_only_json(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("download", "--json", "-o", str(tmp_path), origin.url("/media/hls_aes/index.m3u8"))
    assert run.code == 0
    [line] = run.stdout.splitlines()
    assert line.startswith("{") and line.endswith("}")
    assert run.json_lines()[0]["duration"] == pytest.approx(DURATION, abs=0.5)


def test_cookies_file_opens_a_members_page(cli, origin: Origin, tmp_path: Path) -> None:
    from support.faults import FaultyFile
    from support.origin import Reply

    # Both the page and the video itself need the session cookie.
    body = pages.OPEN_GRAPH.replace("{base}/media/progressive.mp4", "{base}/members/clip.mp4")
    body = body.replace("{base}", origin.base)
    video = FaultyFile((origin.server.media / "progressive.mp4").read_bytes())

    def members(handler) -> Reply | None:  # type: ignore[no-untyped-def]
        if "session=letmein" not in (handler.headers.get("Cookie") or ""):
            return Reply(403, b"<h1>Log in to watch</h1>")
        return video(handler) if handler.path.endswith(".mp4") else Reply(200, body.encode())

    origin.route("/members/clip.mp4", members)
    url = origin.route("/members/video", members)
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tletmein\n")
    out = tmp_path / "out"
    refused = cli("download", "-o", str(out), url)
    assert refused.code == 1
    assert "refused" in refused.stderr and "Traceback" not in refused.stderr
    run = cli("download", "--cookies", str(cookies), "-o", str(out), url)
    assert run.code == 0, run.stderr
    [file] = only_files(out)
    assert_playable(file)
