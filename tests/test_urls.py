from __future__ import annotations

import pytest

from savevid.errors import ErrorCode, SavevidError
from savevid.safety.urls import normalize_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://youtu.be/BaW_jenozKc", "https://youtu.be/BaW_jenozKc"),
        ("  http://example.com/v  \n", "http://example.com/v"),
        ("www.youtube.com/watch?v=BaW_jenozKc", "https://www.youtube.com/watch?v=BaW_jenozKc"),
        ("vimeo.com/56015672", "https://vimeo.com/56015672"),
        ("example.com:8080/v", "https://example.com:8080/v"),
        # What people paste: a sentence around the link, and tracking parameters.
        ("look at this https://youtu.be/BaW_jenozKc !", "https://youtu.be/BaW_jenozKc"),
        ("Bak: https://www.izlesene.com/video/x/7599694.", "https://www.izlesene.com/video/x/7599694"),
        ("(https://vimeo.com/56015672)", "https://vimeo.com/56015672"),
        ("https://en.wikipedia.org/wiki/Fish_(food) is nice", "https://en.wikipedia.org/wiki/Fish_(food)"),
        ("watch youtu.be/BaW_jenozKc now", "https://youtu.be/BaW_jenozKc"),
        ("https://youtu.be/BaW_jenozKc?si=Xa1b2C3d&t=42", "https://youtu.be/BaW_jenozKc?t=42"),
        (
            "https://x.com/user/status/643211948184596480?s=46&t=AbCdEf",
            "https://x.com/user/status/643211948184596480",
        ),
        (
            "https://www.instagram.com/reel/Cx1/?igsh=MTc4&utm_source=ig_web_copy_link",
            "https://www.instagram.com/reel/Cx1/",
        ),
        ("https://vimeo.com/56015672?fbclid=IwAR0", "https://vimeo.com/56015672"),
        (
            "https://www.youtube.com/watch?v=BaW_jenozKc&list=PL1&index=2",
            "https://www.youtube.com/watch?v=BaW_jenozKc&list=PL1&index=2",
        ),
        ("https://www.tiktok.com/@u/video/1?_t=8k&_r=1", "https://www.tiktok.com/@u/video/1"),
    ],
)
def test_links_are_normalized(text: str, expected: str) -> None:
    assert normalize_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a url",
        "hello",
        "ftp://example.com/file.mp4",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "https://example.com:99999/",
        "x" * 5000,
        "https://user:secret@example.com/v",
        "http://evil.com@127.0.0.1/",
        "http://LOCALHOST..:18099/x",  # host names no request could carry
        "http://a..b.com/v",
        "http://.example.com/v",
        f"http://{'a' * 64}.com/v",
    ],
)
def test_bad_links_are_refused_as_usage_errors(text: str) -> None:
    with pytest.raises(SavevidError) as caught:
        normalize_url(text)
    assert caught.value.code is ErrorCode.INVALID_URL
    assert caught.value.is_usage
