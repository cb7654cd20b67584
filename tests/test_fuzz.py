"""Property-based fuzzing of what reads text a site controls, and of the API through its schema."""

from __future__ import annotations

import contextlib
import socket
import unicodedata
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from savevid.config import get_settings
from savevid.engine.dash import dash_fragments
from savevid.engine.hls import BadManifest, Unsupported, parse_media_playlist
from savevid.safety.filenames import MAX_NAME_BYTES, safe_filename
from savevid.safety.media_files import is_text, sniff
from savevid.safety.xml import UnsafeXml, parse_xml
from savevid.web.api import content_disposition
from savevid.web.app import create_app

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that look like HLS, with values that do not have to make sense.
TAGS = st.sampled_from([
    "#EXTM3U", "#EXT-X-ENDLIST", "#EXT-X-VERSION:{}", "#EXT-X-TARGETDURATION:{}", "#EXTINF:{},",
    "#EXT-X-MEDIA-SEQUENCE:{}", "#EXT-X-BYTERANGE:{}", "#EXT-X-BYTERANGE:{}@{}", "#EXT-X-MAP:URI=\"{}\"",
    "#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"{}@{}\"", "#EXT-X-KEY:METHOD={},URI=\"{}\"",
    "#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV={}", "#EXT-X-STREAM-INF:BANDWIDTH={}", "#EXT-X-DISCONTINUITY",
    "seg{}.ts", "{}", "",
])  # fmt: skip
VALUES = st.one_of(st.integers(-(2**70), 2**70).map(str), st.text(max_size=12),
                   st.sampled_from(["0x", "0xZZ", "NONE", "AES-128", "SAMPLE-AES", "1@", "@1"]))  # fmt: skip
LINE = st.tuples(TAGS, VALUES, VALUES).map(lambda t: t[0].replace("{}", t[1], 1).replace("{}", t[2], 1))


@FUZZ
@given(st.lists(LINE, max_size=40))
def test_hls_playlists_parse_or_fail_cleanly(lines: list[str]) -> None:
    text = "\n".join(["#EXTM3U", *lines, "#EXT-X-ENDLIST"])
    try:
        fragments = parse_media_playlist(text, "https://cdn.example.com/v/index.m3u8")
    except (Unsupported, BadManifest):
        return
    for fragment in fragments:
        assert fragment.url.startswith("https://") or "://" in fragment.url
        if fragment.byte_range:
            start, end = fragment.byte_range
            assert 0 <= start < end
        if fragment.key:
            assert len(fragment.key.iv) == 16


@FUZZ
@given(st.text(max_size=2000))
def test_any_text_as_a_playlist_fails_cleanly(text: str) -> None:
    with contextlib.suppress(Unsupported, BadManifest):
        parse_media_playlist(text, "https://cdn.example.com/index.m3u8")


RANGE = st.fixed_dictionaries({"start": st.integers(-5, 2**40), "end": st.integers(-5, 2**40)})
FRAGMENT = st.one_of(
    st.fixed_dictionaries({"path": st.text(max_size=20)}, optional={"byte_range": RANGE}),
    st.fixed_dictionaries({"url": st.just("https://cdn.example.com/x.m4s")}, optional={"byte_range": RANGE}),
)


@FUZZ
@given(st.lists(FRAGMENT, max_size=30))
def test_dash_fragments_are_taken_or_refused_cleanly(listed: list[dict[str, Any]]) -> None:
    fmt = {"fragment_base_url": "https://cdn.example.com/dash/", "fragments": listed}
    try:
        fragments = dash_fragments(fmt)
    except (Unsupported, BadManifest):
        return
    assert all(f.byte_range is None or 0 <= f.byte_range[0] < f.byte_range[1] for f in fragments)


TITLES = st.text(st.characters(codec="utf-8"), max_size=400)


@FUZZ
@given(TITLES, st.one_of(st.none(), st.text(max_size=80)), st.text(max_size=12))
def test_file_names_are_always_safe(title: str, media_id: str | None, ext: str) -> None:
    name = safe_filename(title, media_id, ext)
    assert 0 < len(name.encode()) <= MAX_NAME_BYTES
    assert not any(c in name for c in '/\\:*?"<>|')
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name)
    assert not name.startswith((".", "-", " ")) and name == unicodedata.normalize("NFC", name)
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}


@FUZZ
@given(TITLES)
def test_content_disposition_is_one_ascii_line(name: str) -> None:
    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.count('filename="') == 1 and header.count("filename*=UTF-8''") == 1
    ascii_name = header.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in ascii_name and "\\" not in ascii_name


@FUZZ
@given(st.one_of(st.text(max_size=500), st.binary(max_size=500)))
def test_xml_checks_and_sniffing_never_crash(data: str | bytes) -> None:
    with contextlib.suppress(UnsafeXml, ParseError):  # refused, or malformed: nothing else
        parse_xml(data)
    raw = data.encode() if isinstance(data, str) else data
    sniff(raw)
    is_text(raw)


# The API, through its own OpenAPI description: no input makes it fail with a 5xx of its own.
UPSTREAM = {"network", "rate_limited"}


def test_the_api_never_fails_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(host: Any, *args: Any, **kwargs: Any) -> Any:  # generated links go nowhere, quickly
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    app = create_app(get_settings(data_dir=tmp_path, requests_per_minute=0, jobs_per_client=0, retries=0))
    with TestClient(app):  # the app's lifespan: network rules on, queue running
        app.state.queue.stop()  # generated downloads stay queued
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 9
        statuses: list[int] = []
        for operation in operations:

            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def no_server_error(case: Any) -> None:
                response = case.call()
                statuses.append(response.status_code)
                # 502/503 are deliberate answers about the generated link's site (no such host);
                # anything else from 500 up would be savevid failing.
                upstream = response.status_code in (502, 503) and response.json()["code"] in UPSTREAM
                assert response.status_code < 500 or upstream, (
                    case.method,
                    case.formatted_path,
                    response.text,
                )

            no_server_error()
    assert len(statuses) > 100 and {200, 400, 404} <= set(statuses), sorted(set(statuses))
