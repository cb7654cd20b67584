"""``POST /share``: the web app manifest's share target. A phone's Share menu posts the shared
title, text and link here as a form; the page is sent the link in its address (``/?url=``)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from savevid.errors import InvalidURLError
from savevid.safety.urls import MAX_URL_LENGTH, normalize_url
from savevid.web.errors import WebCode, error_body

router = APIRouter()

FORM_TYPE = "application/x-www-form-urlencoded"
_FIELDS = 20  # title, text and url; a few more are tolerated, not thousands
_HTTP_LINK = re.compile(r"https?://", re.IGNORECASE)


def shared_link(url: str, text: str, title: str) -> str | None:
    """The link that was shared: ``url`` if it is one, else the first http(s) link in ``text``,
    then in ``title``; None if there is none."""
    candidates = [url]
    for words in (text, title):
        if found := _HTTP_LINK.search(words):
            # The words as a whole first (that drops a full stop after the link); then from the
            # link on, for words glued to it ("Watch:https://...").
            candidates += [words, words[found.start() :]]
    for candidate in filter(str.strip, candidates):
        try:
            return normalize_url(candidate)
        except InvalidURLError:
            continue
    return None


def page_address(url: str, text: str, title: str) -> str:
    """Where the page takes over: ``/?url=LINK``; without an http(s) link, ``/?text=TEXT`` (the page
    finds a bare ``host/path`` link there, or says there is none); ``/`` without text."""
    link = shared_link(url, text, title)
    if link is not None:
        return f"/?url={quote(link, safe='')}"
    words = text.strip()[:MAX_URL_LENGTH]
    return f"/?text={quote(words, safe='')}" if words else "/"


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                          max_num_fields=_FIELDS)  # fmt: skip
    except ValueError:
        raise HTTPException(
            400, detail=error_body(WebCode.BAD_REQUEST, "The form has too many fields.")
        ) from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


@router.post("/share", include_in_schema=False)
async def share(request: Request) -> RedirectResponse:
    """``303`` to the page with the shared link; the body is capped like every request's (64 kB)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise HTTPException(
            415, detail=error_body(WebCode.UNSUPPORTED_MEDIA_TYPE, f"Send the form as {FORM_TYPE}.")
        )
    form = _form(await request.body())
    return RedirectResponse(page_address(form.get("url", ""), form.get("text", ""), form.get("title", "")),
                            status_code=303)  # fmt: skip
