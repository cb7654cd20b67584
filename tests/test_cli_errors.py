"""Bad input gets one clear line, the right exit code, and leaves no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import pages
from support.origin import Origin, Reply
from support.server import free_port


def assert_one_clean_error(stderr: str, *needles: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    ("arg", "needle"),
    [
        ("not a url", "not a link"),
        ("ftp://example.com/v.mp4", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
    ],
)
def test_bad_links_are_usage_errors(cli, tmp_path: Path, arg: str, needle: str) -> None:
    for command in ("download", "info"):
        run = cli(command, arg)
        assert run.code == 2, run.stderr
        assert_one_clean_error(run.stderr, needle)
        assert run.stdout == ""


def test_unknown_quality_is_a_usage_error(cli) -> None:
    run = cli("download", "-q", "999", "https://example.com/v")
    assert run.code == 2
    assert "not a quality" in run.stderr and "Traceback" not in run.stderr


def test_unreachable_host(cli, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/watch"
    run = cli("download", "-o", str(tmp_path), url)
    assert run.code == 1
    assert_one_clean_error(run.stderr, "Could not reach", "connection refused")
    assert list(tmp_path.iterdir()) == []


def test_page_without_video(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("download", "-o", str(tmp_path), origin.page("/article", pages.NO_VIDEO))
    assert run.code == 1
    assert_one_clean_error(run.stderr, "No video or audio was found")
    assert list(tmp_path.iterdir()) == []


def test_page_not_found(cli, origin: Origin, tmp_path: Path) -> None:
    run = cli("info", origin.url("/gone"))
    assert run.code == 1
    assert_one_clean_error(run.stderr, "404")


def test_media_that_vanishes_leaves_no_partial_file(cli, origin: Origin, tmp_path: Path) -> None:
    page = pages.OPEN_GRAPH.replace("/media/progressive.mp4", "/media/deleted.mp4")
    run = cli("download", "-o", str(tmp_path), origin.page("/watch/broken", page))
    assert run.code == 1
    assert "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_connection_cut_mid_body_fails_without_a_partial(cli, origin: Origin, tmp_path: Path) -> None:
    def truncated(handler) -> Reply:  # type: ignore[no-untyped-def]
        # Promise a megabyte, send a little, hang up: the download must fail, not deliver.
        handler.send_response(200)
        handler.send_header("Content-Type", "video/mp4")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.wfile.write(b"\x00" * 1000)
        handler.close_connection = True
        raise ConnectionAbortedError

    url = origin.route("/media/cut.mp4", truncated)
    run = cli("download", "-o", str(tmp_path), url)
    assert run.code == 1
    assert "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_one_bad_url_among_good_ones(cli, origin: Origin, tmp_path: Path) -> None:
    good = origin.url("/media/progressive.mp4")
    run = cli("download", "--json", "-o", str(tmp_path), good, origin.url("/gone"))
    assert run.code == 1
    assert len(run.json_lines()) == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_an_unsupported_site_is_answered_at_once_with_the_reason(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("info", "https://www.blutv.com/dizi/example")
    assert run.code == 1
    assert "HBO Max" in run.stderr and "DRM" in run.stderr


def test_serve_on_a_data_folder_it_cannot_make_says_so_in_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("not a folder")
    run = cli("serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "a-file" / "data"))
    assert run.code == 1
    assert_one_clean_error(run.stderr, "cannot use", "--data-dir")


def test_serve_on_a_full_disk_says_so_in_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from support.disk import small_disk

    with small_disk(tmp_path / "disk", 2 << 20) as disk:
        if not disk.mounted:  # the stand-in's full disk is seen only inside this process
            pytest.skip("a full disk for another process needs a real tmpfs (mount refused here)")
        disk.fill()
        run = cli("serve", "--port", str(free_port()), "--data-dir", str(disk.path / "data"))
    assert run.code == 1
    assert_one_clean_error(run.stderr, "is full", "Free some space")
