"""Reaching the page from elsewhere: a link in the address, a phone's share menu, an installed app."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from playwright.sync_api import Browser, Playwright

from support import pages
from support.browsing import open_page, shot
from support.chromium import CHROMIUM, FLAGS
from support.origin import Origin

TITLE = "Open/Graph: a clip? | part 1"


@pytest.mark.parametrize("query", ["url={link}", "u={link}", "text=look at this {link} !"])
def test_a_link_in_the_address_is_saved_at_once(
    browser: Browser, server: str, origin: Origin, query: str
) -> None:
    link = origin.page("/watch/og", pages.OPEN_GRAPH)
    name, _, value = query.format(link=link).partition("=")
    page = browser.new_context(accept_downloads=True).new_page()
    with page.expect_download() as download:  # no typing, no click
        page.goto(f"{server}/?{name}={quote(value, safe='')}")
    assert download.value.suggested_filename == "Open-Graph - a clip - part 1 [progressive].mp4"
    assert page.text_content("#title") == TITLE
    assert page.evaluate("location.search") == ""  # a reload does not download it again
    assert page.evaluate("location.pathname") == "/"
    if name == "url":
        shot(page, "13-link-in-address")


def test_the_bookmarklet_sends_the_page_it_is_used_on(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server)
    href = page.get_attribute("#bookmarklet", "href") or ""
    assert href.startswith("javascript:")
    page.click("#bookmarklet")  # on savevid's own page it only explains itself
    assert page.evaluate("location.pathname") == "/"
    video_page = origin.page("/watch/og", pages.OPEN_GRAPH)
    page.goto(video_page)  # a video's page, where a person clicks the bookmark
    with page.expect_download() as download:
        page.evaluate(unquote(href.removeprefix("javascript:")))
    assert download.value.suggested_filename == "Open-Graph - a clip - part 1 [progressive].mp4"
    assert page.url == f"{server}/"


def test_chromium_finds_the_app_installable(playwright: Playwright, server: str, tmp_path: Path) -> None:
    # Chromium does not offer to install anything in a private window: a real profile, as a person has.
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=FLAGS
    )
    try:
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("body[data-ready]")
        session = context.new_cdp_session(page)
        manifest = session.send("Page.getAppManifest")
        assert manifest["url"] == f"{server}/manifest.webmanifest" and not manifest["errors"]
        assert session.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    finally:
        context.close()


def test_the_manifest_declares_an_app_with_icons_and_a_share_target(server: str) -> None:
    reply = httpx.get(f"{server}/manifest.webmanifest")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/manifest+json"
    manifest = reply.json()
    assert manifest["name"] == "savevid"
    assert (manifest["start_url"], manifest["display"]) == ("/", "standalone")
    assert manifest["share_target"] == {
        "action": "/share", "method": "POST", "enctype": "application/x-www-form-urlencoded",
        "params": {"title": "title", "text": "text", "url": "url"},
    }  # fmt: skip
    target = manifest["share_target"]
    shared = httpx.request(
        target["method"], f"{server}{target['action']}", data={"url": "https://example.com/v"}
    )
    assert (shared.status_code, shared.headers["location"]) == (303, "/?url=https%3A%2F%2Fexample.com%2Fv")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"any", "192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = httpx.get(f"{server}{icon['src']}")
        assert image.status_code == 200
        assert image.headers["content-type"].startswith(icon["type"])
        assert icon["type"].startswith("image/")


@pytest.mark.parametrize("path", ["/", "/sites", "/docs"])
def test_every_page_has_an_icon(server: str, path: str) -> None:
    assert 'rel="icon"' in httpx.get(f"{server}{path}").text
    icon = httpx.get(f"{server}/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/")


def test_the_page_breaks_no_rule_of_its_security_policy(browser: Browser, server: str) -> None:
    page = browser.new_context().new_page()
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    page.goto(server)
    page.wait_for_selector("body[data-ready]")
    page.evaluate("fetch('/manifest.webmanifest').then(() => fetch('/static/icons/savevid-512.png'))")
    page.wait_for_timeout(300)
    assert not complaints  # no policy violation, no missing file


def test_a_link_shared_by_post_opens_the_page_with_it_and_keeps_its_list(
    browser: Browser, server: str, origin: Origin
) -> None:
    """As a phone's Share menu does for the installed app: a form posted to /share from outside the
    site. The browser's own downloads are still listed to it afterwards."""
    link = origin.page("/watch/og", pages.OPEN_GRAPH)
    page = open_page(browser, server)
    earlier = page.evaluate(
        """link => fetch('/api/downloads', {method: 'POST', body: JSON.stringify({url: link}),
        headers: {'Content-Type': 'application/json'}}).then(r => r.json()).then(job => job.id)""",
        link,
    )
    fields = {"title": TITLE, "text": f"Look at this: {link}", "url": ""}
    inputs = "".join(f'<input name="{name}" value="{html.escape(value)}">' for name, value in fields.items())
    page.goto("data:text/html," + quote(f'<form method="post" action="{server}/share">{inputs}</form>'))
    with page.expect_download() as download:  # the shared link is taken up at once
        page.evaluate("document.forms[0].submit()")
    assert download.value.suggested_filename == "Open-Graph - a clip - part 1 [progressive].mp4"
    assert page.text_content("#title") == TITLE
    assert page.evaluate("location.pathname + location.search") == "/"
    listed = page.evaluate("fetch('/api/downloads').then(r => r.json()).then(jobs => jobs.map(j => j.id))")
    assert listed == [earlier]  # the same link and format: the download made earlier, offered again


def test_a_first_visit_from_another_site_keeps_its_download_listed(
    browser: Browser, server: str, origin: Origin
) -> None:
    """A browser that has never seen savevid follows a ``/?url=`` link on another site: the page it
    lands on names it, so the download is its own, still listed after a reload and to no one else
    behind the same address."""
    link = origin.page("/watch/og", pages.OPEN_GRAPH)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto("data:text/html," + quote(f'<a href="{server}/?url={quote(link, safe="")}">save</a>'))
    with page.expect_download() as download:
        page.click("a")
    assert download.value.suggested_filename == "Open-Graph - a clip - part 1 [progressive].mp4"
    owner = [cookie for cookie in context.cookies(server) if cookie["name"] == "savevid_owner"]
    assert len(owner) == 1 and owner[0]["sameSite"] == "Lax" and owner[0]["httpOnly"]
    listed = "fetch('/api/downloads').then(r => r.json()).then(jobs => jobs.map(j => [j.title, j.state]))"
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate(listed) == [[TITLE, "done"]]
    assert context.cookies(server) == [owner[0]]  # the same name: no new one was given
    stranger = open_page(browser, server)  # another browser, from the same address
    assert stranger.evaluate(listed) == []
