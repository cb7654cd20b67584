"""Driving the page in Chromium as a person would: open it, paste, wait, keep a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Download, Page

from savevid.config import Settings, get_settings
from support.origin import Origin

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def settings_for(tmp_path: Path, origin: Origin, **overrides: object) -> Settings:
    """Test settings: quick to give up, and the origin let through the network rules."""
    allow = f"127.0.0.1:{origin.server.server_address[1]}"
    return get_settings(data_dir=tmp_path / "data", retries=1, fragment_retries=1, allow_private=allow,
                        **overrides)  # fmt: skip


def open_page(browser: Browser, url: str, **context: object) -> Page:
    page = browser.new_context(accept_downloads=True, **context).new_page()  # type: ignore[arg-type]
    page.goto(url)
    if "/sites" not in url and "/docs" not in url:
        page.wait_for_selector("body[data-ready]")
    return page


def paste(page: Page, link: str) -> None:
    """Put a link in the field, as a paste does, and press Enter."""
    page.fill("#url", link)
    page.keyboard.press("Enter")


def paste_and_save(page: Page, link: str, timeout: float = 60_000) -> Download:
    """Paste a link, press Enter, and return the file the browser saves with no further click."""
    with page.expect_download(timeout=timeout) as download:
        paste(page, link)
    return download.value


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
