from __future__ import annotations

import logging
from pathlib import Path

import pytest

from savevid.config import get_settings
from savevid.engine.retry import backoff
from savevid.errors import ErrorCode, SavevidError
from savevid.resolve.ydl import base_params, open_ydl, parse_browser


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("firefox", ("firefox", None, None, None)),
        ("Chrome:Profile 1", ("chrome", "Profile 1", None, None)),
        ("chromium+gnomekeyring:Default", ("chromium", "Default", "GNOMEKEYRING", None)),
        ("firefox::Work", ("firefox", None, None, "Work")),
    ],
)
def test_browser_specs_parse_like_yt_dlp(spec: str, expected: tuple[str | None, ...]) -> None:
    assert parse_browser(spec) == expected


@pytest.mark.parametrize("spec", ["netscape", "", "chrome+nokeyring"])
def test_unknown_browsers_are_usage_errors(spec: str) -> None:
    with pytest.raises(SavevidError) as caught:
        parse_browser(spec)
    assert caught.value.code is ErrorCode.INVALID_OPTION


def test_retries_are_explicit_because_library_defaults_are_zero() -> None:
    params = base_params(get_settings(retries=7, fragment_retries=5, connections=4))
    assert (params["retries"], params["fragment_retries"]) == (7, 5)
    assert params["concurrent_fragment_downloads"] == 4
    assert params["skip_unavailable_fragments"] is False
    assert all(0 < backoff(n) <= 8 for n in range(1, 20))


def test_missing_cookie_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SavevidError) as caught:
        base_params(get_settings(cookies=tmp_path / "missing.txt"))
    assert caught.value.is_usage


def test_yt_dlp_output_goes_to_logging_not_stdout(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="savevid.yt_dlp")
    with open_ydl(get_settings()) as ydl:
        ydl.to_screen("[test] hello")
        ydl.report_warning("careful")
    assert capsys.readouterr() == ("", "")
    assert "[test] hello" in caplog.text and "careful" in caplog.text


def test_bad_browser_on_the_command_line(cli) -> None:
    run = cli("info", "--cookies-from-browser", "netscape", "https://example.com/v")
    assert run.code == 2
    assert run.stderr.startswith("error: ") and "Unknown browser" in run.stderr


def test_every_ffmpeg_run_that_writes_has_the_protocol_whitelist(origin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The runs that write a file carry ``-protocol_whitelist file,pipe``. yt-dlp's probes of a
    local file (``ffmpeg -i FILE``, when there is no ffprobe) take no options: they may only name
    files in the job's work folder, which the media check has already passed."""
    import savevid
    from savevid.engine.ffmpeg import find_ffmpeg
    from savevid.models import AudioFormat, Choice

    calls = tmp_path / "calls.txt"
    wrapper = tmp_path / "bin" / "ffmpeg"  # records each command line, then runs the real ffmpeg
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{find_ffmpeg()}" "$@"\n')
    wrapper.chmod(0o755)
    settings = get_settings(retries=1, ffmpeg=wrapper)
    out = tmp_path / "out"
    for url, choice in [
        (origin.url("/media/progressive.mp4"), Choice(audio_only=True, audio_format=AudioFormat.MP3)),
        (origin.url("/media/dash/manifest.mpd"), Choice()),
    ]:
        savevid.download(savevid.resolve(url, settings), choice, out, settings=settings)
    lines = calls.read_text().splitlines()
    runs = [line for line in lines if " -i " in f" {line} " and not line.startswith("-i ")]
    assert len(runs) >= 3, lines  # the audio extraction, its tags, and the merge
    for line in runs:
        before_input = line.split(" -i ", 1)[0]
        assert "-protocol_whitelist file,pipe" in before_input, line
    probes = [line.removeprefix("-i ") for line in lines if line.startswith("-i ")]
    assert probes, lines  # without ffprobe, yt-dlp asks ffmpeg for the audio codec
    for probe in probes:
        assert Path(probe.removeprefix("file:")).parent.parent == out, probe


def test_nothing_that_runs_commands_or_reads_local_secrets_is_on() -> None:
    """exec, netrc, config files, external downloaders and file:// URLs stay off, in every mode."""
    with open_ydl(get_settings()) as ydl:
        params = ydl.params
        assert not params.get("usenetrc") and not params.get("netrc_cmd")
        assert not params.get("external_downloader") and not params.get("enable_file_urls")
        assert not params.get("exec_cmd") and not params.get("config_locations")
        assert all(pp.get("key") != "Exec" for pp in params.get("postprocessors") or [])
        with pytest.raises(Exception, match="file://"):
            ydl.urlopen("file:///etc/passwd")
