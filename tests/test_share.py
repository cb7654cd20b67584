"""``POST /share``, the share target: a phone's Share menu posts a form, the page gets the link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.web.app import create_app

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
LINK = "https://www.example.com/watch/clip-1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(data_dir=tmp_path)), follow_redirects=False) as test_client:
        yield test_client


def to_page(link: str) -> str:
    return f"/?url={quote(link, safe='')}"


@pytest.mark.parametrize(
    ("form", "location"),
    [
        ({"title": "A clip", "text": "", "url": LINK}, to_page(LINK)),
        ({"url": LINK}, to_page(LINK)),
        # Android apps mostly share the link inside the text, after words, before punctuation.
        ({"title": "A clip", "text": f"Look at this: {LINK}. Funny!"}, to_page(LINK)),
        ({"text": f"Watch:{LINK}"}, to_page(LINK)),  # words glued to the link
        ({"title": f"A clip {LINK}", "text": "no link here"}, to_page(LINK)),
        ({"url": "not a link", "text": f"{LINK} and https://other.example.org/v"}, to_page(LINK)),
        ({"url": f"{LINK}?utm_source=share&t=10"}, to_page(f"{LINK}?t=10")),  # as any pasted link
        # No http(s) link: the text goes to the page, which finds a bare one or says there is none.
        ({"title": "A clip", "text": "youtu.be/abc123"}, "/?text=youtu.be%2Fabc123"),
        ({"title": "Just a title", "text": ""}, "/"),
        ({}, "/"),
    ],
)  # fmt: skip
def test_a_shared_form_is_sent_to_the_page_with_its_link(
    client: TestClient, form: dict[str, str], location: str
) -> None:
    reply = client.post("/share", content=urlencode(form), headers=FORM)
    assert reply.status_code == 303, reply.text
    assert reply.headers["location"] == location


def test_the_first_value_of_a_field_counts(client: TestClient) -> None:
    body = urlencode([("url", LINK), ("url", "https://other.example.org/v")])
    assert client.post("/share", content=body, headers=FORM).headers["location"] == to_page(LINK)


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ('{"url": "https://example.com/v"}', JSON, 415, "unsupported_media_type"),
        ("url=https://example.com/v", {}, 415, "unsupported_media_type"),
        ("&".join(f"f{n}=x" for n in range(100)), FORM, 400, "bad_request"),
        ("text=" + "x" * 70_000, FORM, 413, "request_too_large"),
    ],
)  # fmt: skip
def test_what_is_not_a_small_form_is_a_clear_json_error(
    client: TestClient, body: str, headers: dict[str, str], status: int, code: str
) -> None:
    reply = client.post("/share", content=body, headers=headers)
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code


def test_share_takes_only_posts(client: TestClient) -> None:
    reply = client.get("/share")
    assert (reply.status_code, reply.json()["code"]) == (405, "method_not_allowed")
