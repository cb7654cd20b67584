"""The page in a real headless Chromium: paste, preview, download to the person's own device."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Download, Page

from savevid.config import Settings, get_settings
from support import pages
from support.chromium import CHROMIUM, FLAGS
from support.origin import Origin
from support.probe import probe
from support.server import running

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
__all__ = ["CHROMIUM", "FLAGS"]  # for the other browser tests


def settings_for(tmp_path: Path, origin: Origin, **overrides: object) -> Settings:
    """Test settings: quick to give up, and the origin let through the network rules."""
    allow = f"127.0.0.1:{origin.server.server_address[1]}"
    return get_settings(data_dir=tmp_path / "data", retries=1, fragment_retries=1, allow_private=allow,
                        **overrides)  # fmt: skip


@pytest.fixture
def server(tmp_path: Path, origin: Origin) -> Iterator[str]:
    with running(settings_for(tmp_path, origin)) as url:
        yield url


def open_page(browser: Browser, url: str, **context: object) -> Page:
    page = browser.new_context(accept_downloads=True, **context).new_page()  # type: ignore[arg-type]
    page.goto(url)
    if "/sites" not in url:
        page.wait_for_selector("body[data-ready]")
    return page


def paste(page: Page, link: str, until: str = "#preview:not([hidden])") -> None:
    """Paste a link as a person would, press Enter, and wait for the page's answer."""
    page.fill("#url", link)
    page.keyboard.press("Enter")
    page.wait_for_selector(until)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_paste_preview_download_saves_a_playable_file(
    browser: Browser, server: str, origin: Origin, tmp_path: Path
) -> None:
    page = open_page(browser, server)
    assert page.evaluate("document.activeElement.id") == "url"  # focused on load
    shot(page, "1-empty")
    paste(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    assert page.text_content("#title") == "Open/Graph: a clip? | part 1"
    assert page.is_checked("#choices input[value='0']")  # a sensible default
    shot(page, "2-preview")
    with page.expect_download() as download:
        page.click("#start")
    saved = tmp_path / "saved.mp4"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "Open-Graph - a clip - part 1 [progressive].mp4"
    assert probe(saved).has_video_and_audio
    page.wait_for_selector(".job.done")
    shot(page, "3-done")
    page.reload()
    page.wait_for_selector(".job.done")  # the list survives a reload


def test_progress_is_shown_while_downloading(browser: Browser, server: str, origin: Origin) -> None:
    origin.server.rates["/media/progressive.mp4"] = 150_000
    page = open_page(browser, server)
    paste(page, origin.url("/media/progressive.mp4"))
    page.click("#start")
    page.wait_for_selector(".job.downloading")
    page.wait_for_selector(".job .status:has-text('%')")
    shot(page, "4-progress")
    page.click(".job .actions button")  # cancel
    page.wait_for_selector(".job.cancelled")


def test_a_bad_link_gets_a_clear_message(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    paste(page, "ftp://example.com/video.mp4", until="#error:not([hidden])")
    assert "Only http and https" in (page.text_content("#error") or "")
    shot(page, "5-error")


def test_a_post_with_two_videos_downloads_the_picked_ones(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    paste(page, origin.page("/two", pages.TWO_VIDEOS), until="#entries:not([hidden])")
    boxes = page.query_selector_all("#entries input[type=checkbox]")
    assert len(boxes) == 2 and all(box.is_checked() for box in boxes)
    shot(page, "6-playlist")
    boxes[1].uncheck()
    with page.expect_download() as download:
        page.click("#start")
    assert download.value.suggested_filename.startswith("Two clips (1)")
    page.wait_for_selector(".job.done")
    assert len(page.query_selector_all(".job")) == 1


def test_the_page_speaks_turkish(browser: Browser, server: str) -> None:
    page = open_page(browser, server, locale="tr-TR")
    assert page.text_content("label[for=url]") == "Bir video bağlantısı yapıştırın"
    assert page.get_attribute("html", "lang") == "tr"
    shot(page, "7-turkish")
    page.click("#lang")
    page.wait_for_selector("html[lang=en]")
    assert page.text_content("label[for=url]") == "Paste a video link"


def test_a_phone_sized_screen(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True)
    paste(page, origin.url("/media/hls_ts/master.m3u8"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    shot(page, "8-phone")


def test_several_links_pasted_at_once_become_several_downloads(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    links = [origin.url("/media/progressive.mp4"), origin.url("/media/hls_aes/index.m3u8")]
    page.fill("#url", "\n".join(links))
    downloads: list[Download] = []
    page.on("download", lambda download: downloads.append(download))
    page.click("#go")
    page.wait_for_selector(".job.done >> nth=1")
    page.wait_for_timeout(500)
    names = sorted(d.suggested_filename for d in downloads)
    assert names == ["index [index].mp4", "progressive [progressive].mp4"]


def test_the_sites_page_lists_every_site(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    page.click("a[href='/sites']")
    page.wait_for_selector("#sites tr.site")
    assert len(page.query_selector_all("#sites tr.site")) == 44
    assert "DRM" in (page.text_content("#sites tr.none:has-text('BluTV')") or "")
    shot(page, "9-sites")


def test_the_paste_button_reads_the_clipboard(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server, permissions=["clipboard-read", "clipboard-write"])
    link = origin.url("/media/hls_ts/master.m3u8")
    page.evaluate("(text) => navigator.clipboard.writeText(text)", link)
    page.click("#paste")
    page.wait_for_selector("#preview:not([hidden])")
    assert page.input_value("#url") == link


def test_a_link_dropped_on_the_page_is_opened(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server)
    link = origin.url("/media/hls_ts/master.m3u8")
    transfer = page.evaluate_handle(
        "(text) => { const t = new DataTransfer(); t.setData('text/uri-list', text); return t; }", link
    )
    page.dispatch_event("main", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#preview:not([hidden])")
    assert page.text_content("#title") == "master"


def test_a_server_with_keys_asks_for_one_and_then_works(
    browser: Browser, tmp_path: Path, origin: Origin
) -> None:
    secret = "k3y-for-the-family-only"
    settings = settings_for(tmp_path, origin, api_keys=f"family:{secret}", auth_required=True)
    with running(settings) as url:
        page = open_page(browser, url)
        assert page.is_visible("#key-form")  # asked at once, and the key field has the focus
        assert page.evaluate("document.activeElement.id") == "key"
        page.fill("#url", origin.page("/watch/og", pages.OPEN_GRAPH))
        page.click("#go")
        page.wait_for_selector("#error:has-text('needs an access key')")
        shot(page, "12-key")
        page.fill("#key", "not-the-right-key-at-all")
        page.click("#key-save")
        page.wait_for_selector("#error:has-text('not valid')")
        page.fill("#key", secret)
        page.click("#key-save")  # the link is looked at again, now with the key
        page.wait_for_selector("#preview:not([hidden])")
        assert page.is_hidden("#key-form")
        with page.expect_download() as download:  # progress and the file go with the cookie
            page.click("#start")
        saved = tmp_path / "saved.mp4"
        download.value.save_as(saved)
        assert probe(saved).has_video_and_audio
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["savevid_key"]["httpOnly"] and cookies["savevid_key"]["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # no script can read the key


HOSTILE_TITLE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>../../etc/passwd'
HOSTILE = f"""<!doctype html><html><head>
<meta property="og:title" content="{html.escape(HOSTILE_TITLE)}">
<meta property="og:image" content="javascript:window.pwned=3">
<meta property="og:video" content="{{base}}/media/progressive.mp4">
<meta property="og:video:type" content="video/mp4">
</head><body></body></html>"""


def test_hostile_titles_are_shown_as_text_and_never_run(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    paste(page, origin.page("/watch/hostile", HOSTILE))
    title = HOSTILE_TITLE
    assert page.text_content("#title") == title
    assert page.is_hidden("#thumb")  # a javascript: thumbnail is not loaded
    with page.expect_download() as download:
        page.click("#start")
    name = download.value.suggested_filename
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    page.wait_for_selector(".job.done")
    assert title in (page.text_content(".job") or "")
    assert page.evaluate("window.pwned") is None
    assert page.query_selector("#preview img[src='x'], .job img[src='x']") is None


def test_an_unsupported_site_gets_its_reason_on_the_page(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    paste(page, "https://www.mxtakatak.com/video/123", until="#error:not([hidden])")
    assert "closed in 2022" in (page.text_content("#error") or "")
