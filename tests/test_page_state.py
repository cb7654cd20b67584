"""The page tells the truth about what it is doing: one job per click, a preview for the link in the
field, saved files marked saved, failures that can be retried, and a list that can be cleared."""

from __future__ import annotations

import zipfile
from pathlib import Path

from playwright.sync_api import Browser, Download, Page, Route, expect

from support import pages
from support.browsing import open_page, paste, paste_and_save, shot
from support.faults import FaultyFile
from support.origin import Origin, Reply
from support.probe import probe

OG_TITLE = "Open/Graph: a clip? | part 1"


def jobs_on_server(page: Page) -> list[dict[str, object]]:
    return page.evaluate("fetch('/api/downloads').then((r) => r.json())")  # type: ignore[no-any-return]


def test_a_second_link_after_a_preview_saves_the_second_file(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    first = paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    assert first.suggested_filename.startswith("Open-Graph")
    second = paste_and_save(page, origin.url("/media/hls_ts/master.m3u8"))
    assert second.suggested_filename == "master [master].mp4"
    assert page.text_content("#title") == "master"  # the preview is the second link's
    page.wait_for_selector(".job.done >> nth=1")


def test_changing_the_field_clears_the_old_preview_and_error(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    assert page.is_visible("#preview")
    page.type("#url", "h")
    assert page.is_hidden("#preview")
    page.fill("#url", "ftp://example.com/a.mp4")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error:not([hidden])")
    page.type("#url", "x")
    assert page.is_hidden("#error")


def test_a_double_click_or_a_burst_of_enters_makes_one_job(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    asked: list[str] = []  # the page's own requests: the server would also answer a repeat with one job
    page.on(
        "request", lambda r: asked.append(r.url) if r.method == "POST" and "/api/downloads" in r.url else None
    )
    saves: list[Download] = []
    page.on("download", lambda download: saves.append(download))
    page.fill("#url", origin.url("/media/progressive.mp4"))
    page.dblclick("#go")
    page.wait_for_selector(".job.done")
    page.fill("#url", origin.url("/media/hls_ts/master.m3u8"))
    for _ in range(5):
        page.keyboard.press("Enter")
    page.wait_for_selector(".job.done >> nth=1")
    page.wait_for_timeout(500)
    assert len(asked) == 2
    assert len(page.query_selector_all(".job")) == 2
    assert len(jobs_on_server(page)) == 2
    assert len(saves) == 2


def test_a_second_tab_lists_a_download_but_does_not_save_it_again(
    browser: Browser, server: str, origin: Origin
) -> None:
    origin.server.rates["/media/progressive.mp4"] = 400_000
    first = open_page(browser, server)
    saves: list[Download] = []
    first.context.on("download", lambda download: saves.append(download))
    paste(first, origin.url("/media/progressive.mp4"))
    first.wait_for_selector(".job.downloading")
    second = first.context.new_page()  # the same browser, another tab
    second.goto(server)
    second.wait_for_selector(".job")
    first.wait_for_selector(".job.done")
    second.wait_for_selector(".job.done")
    first.wait_for_timeout(500)
    assert len(saves) == 1
    assert (second.text_content(".job.done .status") or "").startswith("Ready · ")  # offered, not saved


def test_the_list_catches_up_when_its_live_stream_is_refused(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    refused = []

    def once_502(route: Route) -> None:
        if not refused:  # as a proxy answers while the server restarts; the browser gives up on it
            refused.append(route.request.url)
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.continue_()

    page.route("**/api/events", once_502)
    download = paste_and_save(page, origin.url("/media/progressive.mp4"))
    assert refused and download.suggested_filename == "progressive [progressive].mp4"
    page.wait_for_selector(".job.done")


def test_links_that_could_not_start_stay_in_the_field(browser: Browser, server: str, origin: Origin) -> None:
    page = open_page(browser, server)
    too_long = "https://example.com/" + "a" * 5000
    page.fill("#url", f"{origin.url('/media/progressive.mp4')}\n{too_long}")
    with page.expect_download():
        page.click("#go")
    assert page.input_value("#url") == too_long
    assert page.is_visible("#error")
    assert len(jobs_on_server(page)) == 1


def test_an_empty_field_says_what_to_do(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    paste(page, "ftp://example.com/a.mp4")
    page.wait_for_selector("#error:has-text('Only http and https')")
    page.fill("#url", "   ")
    page.click("#go")
    assert page.text_content("#error-text") == "Paste a link first."  # the old error is gone
    assert page.evaluate("document.activeElement.id") == "url"
    assert not page.query_selector(".job")


def broken_until_fixed(origin: Origin, media_dir: Path) -> tuple[str, dict[str, bool]]:
    """A file whose first answer (the look at the link) is right, then 404 until ``fixed``."""
    file = FaultyFile((media_dir / "progressive.mp4").read_bytes())
    state = {"fixed": False}

    def route(handler: object) -> Reply | None:
        if file.requests >= 1 and not state["fixed"]:
            file.requests += 1
            return Reply(404, b"gone")
        return file(handler)  # type: ignore[arg-type]

    return origin.route("/flaky/clip.mp4", route), state


def test_a_failed_download_says_why_and_can_be_retried(
    browser: Browser, server: str, origin: Origin, media_dir: Path, tmp_path: Path
) -> None:
    link, state = broken_until_fixed(origin, media_dir)
    page = open_page(browser, server)
    paste(page, link)
    failed = page.wait_for_selector(".job.failed")
    assert "HTTP 404" in (failed.text_content() or "")  # the server's own words, on an English page
    shot(page, "14-failed")
    state["fixed"] = True
    with page.expect_download() as download:
        page.click(".job.failed button:has-text('Retry')")
    saved = tmp_path / "retried.mp4"
    download.value.save_as(saved)
    assert probe(saved).has_video_and_audio
    page.wait_for_selector(".job.done")
    assert len(page.query_selector_all(".job")) == 1  # the failed one made way for the new one
    assert [job["state"] for job in jobs_on_server(page)] == ["done"]


def test_a_failed_download_says_why_in_turkish(
    browser: Browser, server: str, origin: Origin, media_dir: Path
) -> None:
    link, _ = broken_until_fixed(origin, media_dir)
    page = open_page(browser, server, locale="tr-TR")
    paste(page, link)
    failed = page.wait_for_selector(".job.failed .why")
    text = failed.text_content() or ""
    assert "HTTP 404" not in text and "failed" not in text
    code = jobs_on_server(page)[0]["error_code"]
    assert text == page.evaluate(
        f"fetch('/static/i18n/tr.json').then((r) => r.json()).then((m) => m.error_{code})"
    )
    assert page.is_visible("button:has-text('Yeniden dene')")


def test_a_link_that_does_not_exist_is_explained_in_turkish(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server, locale="tr-TR")
    paste(page, origin.url("/media/no-such-file.mp4"))
    page.wait_for_selector("#error:not([hidden])")
    text = page.text_content("#error-text") or ""
    assert text and "exist" not in text and "HTTP" not in text
    assert text == page.evaluate(
        "fetch('/static/i18n/tr.json').then((r) => r.json()).then((m) => m.error_not_found)"
    )
    shot(page, "15-error-turkish")


def test_clear_finished_keeps_what_is_still_running(browser: Browser, server: str, origin: Origin) -> None:
    origin.server.rates["/media/progressive.mp4"] = 10_000  # this one stays under way (97 s)
    page = open_page(browser, server)
    paste_and_save(page, origin.url("/media/hls_ts/master.m3u8"))
    page.fill("#url", "ftp://example.com/a.mp4")  # no job: an error on the page only
    paste(page, origin.url("/media/progressive.mp4"))
    page.wait_for_selector(".job.downloading")
    page.click("#clear")
    expect(page.locator(".job")).to_have_count(1)
    assert page.query_selector(".job.done") is None
    assert len(jobs_on_server(page)) == 1
    assert page.is_hidden("#clear")  # nothing finished is left to clear


def test_the_same_link_again_offers_the_same_file_without_fetching_it_again(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    link = origin.url("/media/progressive.mp4")
    paste_and_save(page, link)
    page.wait_for_selector(".job.done")
    sent = origin.sent("/media/progressive.mp4")
    again = paste_and_save(page, link)
    assert again.suggested_filename == "progressive [progressive].mp4"
    assert len(page.query_selector_all(".job")) == 1
    assert origin.sent("/media/progressive.mp4") - sent < 10_000  # a look at the link, not the file


def test_the_chosen_default_format_is_remembered(
    browser: Browser, server: str, origin: Origin, tmp_path: Path
) -> None:
    page = open_page(browser, server)
    page.click("#options summary")
    page.select_option("#choice", "audio-mp3")
    assert page.text_content("#choice-now") == "Audio MP3"
    download = paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    saved = tmp_path / "a.mp3"
    download.save_as(saved)
    assert download.suggested_filename.endswith(".mp3")
    media = probe(saved)
    assert media.audio and not media.video and media.duration > 1
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert page.input_value("#choice") == "audio-mp3"


def test_another_format_from_the_preview_is_one_tap_and_the_new_default(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    started = page.query_selector("#format-list button[aria-pressed=true]")
    assert started is not None and started.get_attribute("data-choice") == "best"
    with page.expect_download() as download:
        page.click("#format-list button[data-choice='audio-m4a']")
    assert download.value.suggested_filename.endswith(".m4a")
    assert page.get_attribute("#format-list button[data-choice='audio-m4a']", "aria-pressed") == "true"
    assert page.input_value("#choice") == "audio-m4a"
    page.wait_for_selector(".job.done >> nth=1")
    assert ".m4a · " in (page.text_content(".job >> nth=0") or "")  # the newest first


def test_several_files_from_one_paste_are_offered_as_one_zip_too(
    browser: Browser, server: str, origin: Origin, tmp_path: Path
) -> None:
    page = open_page(browser, server)
    saves: list[Download] = []
    page.on("download", lambda download: saves.append(download))
    paste(page, origin.page("/two", pages.TWO_VIDEOS))
    page.click("#start")  # both items
    page.wait_for_selector("#bundle:not([hidden])")
    assert (page.text_content("#bundle-text") or "").startswith("2 files from one paste")
    assert "allow several downloads" in (page.text_content("#bundle") or "")  # why the browser may ask
    shot(page, "16-zip")
    with page.expect_download() as bundle:
        page.click("#bundle-link")
    assert bundle.value.suggested_filename == "savevid.zip"
    bundle.value.save_as(tmp_path / "both.zip")
    with zipfile.ZipFile(tmp_path / "both.zip") as both:
        names = sorted(both.namelist())
        assert names == sorted(d.suggested_filename for d in saves[:2])  # the files saved one by one
        both.extractall(tmp_path / "out")
    assert all(probe(tmp_path / "out" / name).duration > 1 for name in names)
