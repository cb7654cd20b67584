"""Makes the README's screenshots of the page: .venv/bin/python docs/screenshots.py

The tests' local origin and ``savevid serve`` in this process, Debian's Chromium, one link pasted.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402

from support import pages  # noqa: E402
from support.browsing import open_page, paste_and_save, settings_for  # noqa: E402
from support.chromium import CHROMIUM, FLAGS  # noqa: E402
from support.media import ensure_media  # noqa: E402
from support.origin import Origin  # noqa: E402
from support.server import running  # noqa: E402

SHOTS = {
    "page.png": {"viewport": {"width": 800, "height": 760}, "color_scheme": "light", "locale": "en-US"},
    "page-phone.png": {"viewport": {"width": 390, "height": 780}, "color_scheme": "dark", "locale": "tr-TR",
                       "is_mobile": True, "has_touch": True, "device_scale_factor": 1},
}


def main() -> None:
    origin = Origin(ensure_media(ROOT / ".cache" / "test-media")).start()
    tmp = tempfile.TemporaryDirectory()
    with tmp, running(settings_for(Path(tmp.name), origin)) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for name, context in SHOTS.items():
            page = open_page(browser, server, **context)
            paste_and_save(page, origin.page("/watch/clip", pages.JSON_LD))
            page.wait_for_selector(".job.done")
            page.evaluate("document.activeElement.blur()")
            page.screenshot(path=str(ROOT / "docs" / name))
            page.context.close()
        browser.close()
    origin.stop()


if __name__ == "__main__":
    main()
