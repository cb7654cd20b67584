"""The page in a real headless Chromium: paste a link, press Enter, and the file is on the device."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Download

from support import pages
from support.browsing import open_page, paste, paste_and_save, settings_for, shot
from support.origin import Origin
from support.probe import probe
from support.server import running

OG_TITLE = "Open/Graph: a clip? | part 1"


def test_paste_and_enter_save_a_playable_file_with_no_further_click(
    browser: Browser, server: str, origin: Origin, tmp_path: Path
) -> None:
    page = open_page(browser, server)
    assert page.evaluate("document.activeElement.id") == "url"  # focused on load
    shot(page, "1-empty")
    download = paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    saved = tmp_path / "saved.mp4"
    download.save_as(saved)
    assert download.suggested_filename == "Open-Graph - a clip - part 1 [progressive].mp4"
    assert probe(saved).has_video_and_audio
    assert page.text_content("#title") == OG_TITLE  # the preview came with it
    done = page.wait_for_selector(".job.done")
    assert (done.text_content() or "").count("Saved · Open-Graph - a clip - part 1 [progressive].mp4 · ") == 1
    assert page.is_visible(".job.done button:has-text('Save again')")
    shot(page, "2-saved")
    page.reload()
    page.wait_for_selector(".job.done")  # the list survives a reload


def test_only_one_control_is_called_download(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server)
    paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    page.wait_for_selector(".job.done")
    labels = [b.text_content() for b in page.query_selector_all("button:visible, a:visible")]
    assert labels.count("Download") == 1, labels


def test_progress_is_shown_while_downloading(browser: Browser, server: str, origin: Origin) -> None:
    origin.server.rates["/media/progressive.mp4"] = 150_000
    page = open_page(browser, server)
    paste(page, origin.url("/media/progressive.mp4"))
    page.wait_for_selector(".job.downloading .status:has-text(' of ')")  # "120.0 kB of 974.4 kB"
    bar = page.query_selector(".job.downloading progress")
    assert bar is not None and bar.get_attribute("aria-label") == "Progress of progressive"
    shot(page, "4-progress")
    page.click("button[aria-label='Cancel progressive']")
    page.wait_for_selector(".job.cancelled")


def test_a_bad_link_gets_a_clear_message(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    paste(page, "ftp://example.com/video.mp4")
    page.wait_for_selector("#error:not([hidden])")
    assert "Only http and https" in (page.text_content("#error") or "")
    assert page.is_hidden("#preview") and not page.query_selector(".job")
    shot(page, "5-error")


def test_a_post_with_two_videos_downloads_the_picked_ones(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    paste(page, origin.page("/two", pages.TWO_VIDEOS))
    page.wait_for_selector("#entries:not([hidden])")
    boxes = page.query_selector_all("#entries input[type=checkbox]")
    assert len(boxes) == 2 and all(box.is_checked() for box in boxes)
    assert page.text_content("#start") == "Download 2 items"
    assert not page.query_selector(".job")  # a list of items is not started unasked
    shot(page, "6-playlist")
    boxes[1].uncheck()
    assert page.text_content("#start") == "Download 1 item"
    with page.expect_download() as download:
        page.click("#start")
    assert download.value.suggested_filename.startswith("Two clips (1)")
    page.wait_for_selector(".job.done")
    assert len(page.query_selector_all(".job")) == 1


def test_the_page_speaks_turkish(browser: Browser, server: str) -> None:
    page = open_page(browser, server, locale="tr-TR")
    assert page.text_content("label[for=url]") == "Bir video bağlantısı yapıştırın"
    assert page.get_attribute("html", "lang") == "tr"
    assert page.text_content("#choice-now") == "En iyi kalite"
    shot(page, "7-turkish")
    page.click("#lang")
    page.wait_for_selector("html[lang=en]")
    assert page.text_content("label[for=url]") == "Paste a video link"
    assert page.text_content("#choice-now") == "Best quality"


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


def test_the_paste_button_reads_the_clipboard_and_saves(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server, permissions=["clipboard-read", "clipboard-write"])
    link = origin.url("/media/hls_ts/master.m3u8")
    page.evaluate("(text) => navigator.clipboard.writeText(text)", link)
    with page.expect_download() as download:
        page.click("#paste")  # one click, from the clipboard to the file
    assert download.value.suggested_filename == "master [master].mp4"
    assert page.text_content("#title") == "master"


def test_a_denied_clipboard_says_how_to_paste(browser: Browser, server: str) -> None:
    desk = open_page(browser, server)
    desk.evaluate("Object.defineProperty(navigator.clipboard, 'readText', {value: () => Promise.reject()})")
    desk.click("#paste")
    assert "Ctrl+V" in (desk.text_content("#error") or "")
    phone = open_page(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.evaluate("Object.defineProperty(navigator.clipboard, 'readText', {value: () => Promise.reject()})")
    phone.tap("#paste")
    message = phone.text_content("#error") or ""
    assert "touch and hold" in message and "Ctrl" not in message


def test_a_link_dropped_on_the_page_is_saved(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server)
    link = origin.url("/media/hls_ts/master.m3u8")
    transfer = page.evaluate_handle(
        "(text) => { const t = new DataTransfer(); t.setData('text/uri-list', text); return t; }", link
    )
    with page.expect_download() as download:
        page.dispatch_event("main", "drop", {"dataTransfer": transfer})
    assert download.value.suggested_filename == "master [master].mp4"


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
        with page.expect_download() as download:  # the link is taken up again, now with the key
            page.click("#key-save")
        assert page.is_hidden("#key-form")
        saved = tmp_path / "saved.mp4"
        download.value.save_as(saved)  # progress and the file went with the cookie
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
    download = paste_and_save(page, origin.page("/watch/hostile", HOSTILE))
    title = HOSTILE_TITLE
    assert page.text_content("#title") == title
    assert page.is_hidden("#thumb")  # a javascript: thumbnail is not loaded
    name = download.suggested_filename
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    page.wait_for_selector(".job.done")
    assert title in (page.text_content(".job") or "")
    assert page.evaluate("window.pwned") is None
    assert page.query_selector("#preview img[src='x'], .job img[src='x']") is None


def test_an_unsupported_site_gets_its_reason_on_the_page(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    paste(page, "https://www.mxtakatak.com/video/123")
    page.wait_for_selector("#error:not([hidden])")
    assert "closed in 2022" in (page.text_content("#error") or "")


@pytest.mark.parametrize("shape", ["og", "json-ld"])
def test_the_preview_and_the_list_show_the_thumbnail_from_this_server(
    browser: Browser, server: str, origin: Origin, shape: str
) -> None:
    page = open_page(browser, server)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    link = origin.page(f"/watch/{shape}", pages.OPEN_GRAPH if shape == "og" else pages.JSON_LD)
    paste_and_save(page, link)
    page.wait_for_selector(".job.done .thumb:not([hidden])")
    for image in ("#thumb", ".job .thumb"):
        assert page.evaluate(f"document.querySelector('{image}').naturalWidth") > 0  # decoded, shown
    assert (page.get_attribute("#thumb", "src") or "").startswith("/api/thumbnail?")
    assert all(url.startswith(server) for url in asked), asked  # the site never sees this browser
    if shape == "json-ld":
        assert page.text_content("#meta") == f"{origin.base.removeprefix('http://')} · Sample Author · 0:04"
        shot(page, "3-preview-thumbnail")
