"""The sites page in a real headless Chromium: sorted in the page's language, searchable, plain words."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from support.browsing import open_page, shot

PHONE = {"width": 390, "height": 844}


def open_sites(browser: Browser, server: str, **context: object) -> Page:
    page = open_page(browser, f"{server}/sites", **context)
    page.wait_for_selector("body[data-ready]")
    return page


def names(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "#sites tr.site:not([hidden]) td:first-child", "cells => cells.map(c => c.textContent)"
    )


def test_the_english_page_lists_the_sites_a_to_z(browser: Browser, server: str) -> None:
    page = open_sites(browser, server, locale="en-US")
    shown = names(page)
    assert len(shown) == 44
    assert shown[:3] == ["9GAG", "Akıllı TV", "Bandcamp"]
    assert shown[-1] == "YouTube"
    assert shown.index("iFunny") < shown.index("IMDb") < shown.index("Instagram") < shown.index("İzlesene")
    assert page.text_content("#count") == "44 sites"
    assert page.text_content("#sites tr:has-text('YouTube') td:last-child") == "Works"
    assert page.text_content("#sites tr:has-text('Kwai') td:last-child") == "Works (savevid's own support)"
    assert "Kwai" not in (page.text_content("#sites tr:has-text('İzlesene')") or "")  # no extractor keys
    shot(page, "10-sites-a-to-z")


def test_the_turkish_page_sorts_and_speaks_turkish(browser: Browser, server: str) -> None:
    page = open_sites(browser, server, locale="tr-TR")
    assert page.get_attribute("html", "lang") == "tr"
    shown = names(page)
    # Turkish puts dotless I before dotted İ: Instagram, then iFunny and İzlesene, then J/K.
    assert shown.index("Instagram") < shown.index("iFunny") < shown.index("İzlesene") < shown.index("Kwai")
    assert page.text_content("label[for=filter]") == "Site ara"
    assert page.text_content("#count") == "44 site"
    assert page.text_content("#sites tr:has-text('YouTube') td:last-child") == "Çalışıyor"
    blutv = page.text_content("#sites tr.none:has-text('BluTV') td:last-child")
    assert blutv == "Desteklenmiyor: BluTV 2024'te HBO Max Türkiye oldu; videoları DRM korumalı."
    shot(page, "11-sites-turkish")


def test_typing_filters_the_list(browser: Browser, server: str) -> None:
    page = open_sites(browser, server)
    page.type("#filter", "tik")
    assert names(page) == ["TikTok"]
    assert page.text_content("#count") == "1 site"
    assert page.is_hidden("#no-match")
    page.fill("#filter", "IZLE")  # neither case nor the dot on the İ matters
    assert names(page) == ["İzlesene"]
    page.fill("#filter", "akilli")
    assert names(page) == ["Akıllı TV"]
    page.fill("#filter", "no such site")
    assert names(page) == []
    assert page.is_visible("#no-match") and page.text_content("#no-match") == "No site matches."
    assert page.text_content("#count") == "0 sites"
    page.fill("#filter", "")
    assert len(names(page)) == 44 and page.is_hidden("#no-match")


def test_the_page_says_every_other_yt_dlp_site_works(browser: Browser, server: str) -> None:
    page = open_sites(browser, server)
    assert "Every other site that yt-dlp supports works too" in (page.text_content("#others") or "")
    link = page.locator("#others a")
    assert "yt-dlp/yt-dlp" in (link.get_attribute("href") or "")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.get_attribute("#filter", "type") == "search"
    assert page.get_attribute("#count", "aria-live") == "polite"


def test_the_sites_page_fits_a_phone(browser: Browser, server: str) -> None:
    page = open_sites(browser, server, viewport=PHONE, is_mobile=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for target in ("#filter", "header a", "#others a"):
        box = page.locator(target).bounding_box()
        assert box is not None and box["height"] >= 44, target
    shot(page, "12-sites-phone")
