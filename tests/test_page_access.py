"""The page for everyone: phone sizes, light and dark, a screen reader, a keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from support import pages
from support.browsing import open_page, paste, paste_and_save, shot
from support.origin import Origin

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TARGETS = (
    "button:visible, a:visible, summary:visible, select:visible, textarea:visible, fieldset label:visible"
)


def small_targets(page: Page) -> list[str]:
    """Every control a finger might tap that is smaller than 44 × 44 CSS pixels."""
    small = []
    for element in page.query_selector_all(TARGETS):
        box = element.bounding_box()
        if box and (box["width"] < 44 or box["height"] < 44):
            small.append(
                f"{element.evaluate('e => e.outerHTML.slice(0, 80)')}: {box['width']:.0f}×{box['height']:.0f}"
            )
    return small


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["en-US", "tr-TR"])
def test_a_phone_fits_the_page_and_every_target_is_big_enough(
    browser: Browser, server: str, origin: Origin, scheme: str, locale: str
) -> None:
    page = open_page(browser, server, color_scheme=scheme, locale=locale, **PHONE)
    page.click("#options summary")
    paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    page.wait_for_selector(".job.done")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    assert small_targets(page) == []
    shot(page, f"8-phone-{scheme}-{locale[:2]}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["en-US", "tr-TR"])
def test_a_desktop_window_fits_the_page_in_each_language_and_scheme(
    browser: Browser, server: str, origin: Origin, scheme: str, locale: str
) -> None:
    page = open_page(
        browser, server, color_scheme=scheme, locale=locale, viewport={"width": 1280, "height": 800}
    )
    paste_and_save(page, origin.page("/watch/og", pages.OPEN_GRAPH))
    page.wait_for_selector(".job.done")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    saved = "Kaydedildi" if locale == "tr-TR" else "Saved"
    assert (page.text_content(".job.done .status") or "").startswith(f"{saved} · Open-Graph")
    shot(page, f"17-desktop-{scheme}-{locale[:2]}")


def test_light_and_dark_are_both_readable(browser: Browser, server: str) -> None:
    colors = {}
    for scheme in ("light", "dark"):
        page = open_page(browser, server, color_scheme=scheme)
        colors[scheme] = page.evaluate(
            "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
        )
    assert colors["light"] != colors["dark"]
    assert colors["light"][0] == "rgb(255, 255, 255)" and colors["dark"][0] == "rgb(18, 20, 24)"


def test_the_field_shows_a_whole_link_on_a_phone(browser: Browser, server: str) -> None:
    page = open_page(browser, server, **PHONE)
    link = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI&index=3"
    page.fill("#url", link)
    assert page.evaluate("(e => e.scrollHeight <= e.clientHeight + 1)(document.getElementById('url'))")


def test_progress_and_completion_are_announced_and_controls_are_named(
    browser: Browser, server: str, origin: Origin
) -> None:
    page = open_page(browser, server)
    assert page.get_attribute("#announce", "role") == "status"
    assert page.get_attribute("#announce", "aria-live") == "polite"
    origin.server.rates["/media/progressive.mp4"] = 300_000
    paste(page, origin.url("/media/progressive.mp4"))
    page.wait_for_selector(".job.downloading")
    assert page.text_content("#announce") == "Downloading progressive."
    assert page.get_attribute(".job progress", "aria-label") == "Progress of progressive"
    assert page.get_attribute(".job .actions button", "aria-label") == "Cancel progressive"
    page.wait_for_selector(".job.done", timeout=30_000)
    assert page.text_content("#announce") == "Saved progressive."
    names = [b.get_attribute("aria-label") for b in page.query_selector_all(".job .actions button")]
    assert names == ["Save progressive again", "Remove progressive from the list"]


def test_the_keyboard_goes_from_the_field_to_the_buttons_in_reading_order(
    browser: Browser, server: str
) -> None:
    page = open_page(browser, server)
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert order == ["paste", "go", "SUMMARY", "A"]  # then the footer's links


def test_focus_stays_in_the_list_when_a_button_changes_or_goes(
    browser: Browser, server: str, origin: Origin
) -> None:
    origin.server.rates["/media/progressive.mp4"] = 100_000
    page = open_page(browser, server)
    paste(page, origin.url("/media/progressive.mp4"))
    page.focus("button[aria-label='Cancel progressive']")
    page.keyboard.press("Enter")
    page.wait_for_selector(".job.cancelled")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Retry progressive"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Remove: the item goes, and the list's heading takes the focus
    page.wait_for_selector(".job", state="detached")
    assert page.evaluate("document.activeElement.id") == "recent-title"


def test_a_hidden_error_no_longer_describes_the_field(browser: Browser, server: str) -> None:
    page = open_page(browser, server)
    page.click("#go")
    assert page.text_content("#error-text") == "Paste a link first."
    page.type("#url", "h")
    assert page.text_content("#error-text") == ""
