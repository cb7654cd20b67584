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
    ],
)
def test_bad_links_are_refused_as_usage_errors(text: str) -> None:
    with pytest.raises(SavevidError) as caught:
        normalize_url(text)
    assert caught.value.code is ErrorCode.INVALID_URL
    assert caught.value.is_usage
