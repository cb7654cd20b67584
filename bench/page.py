"""Paste to saved file on the web page, as a person does it, in headless Chromium.

    .venv/bin/python bench/page.py [--repeat 3]

Starts the tests' local origin and ``savevid serve`` (in this process), opens the page in Debian's
Chromium, puts each link in the field, presses Enter, and times until the preview shows and until
the browser has saved the file; no other input is given, so a page that needs a further click fails
here. Prints the medians. Needs the test extra (``scripts/install test``) and /usr/bin/chromium.
Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from support import pages  # noqa: E402
from support.browsing import open_page, settings_for  # noqa: E402
from support.chromium import CHROMIUM, FLAGS  # noqa: E402
from support.media import ensure_media  # noqa: E402
from support.origin import Origin  # noqa: E402
from support.server import running  # noqa: E402


def paste_to_saved(browser: Browser, server: str, link: str) -> tuple[float, float]:
    """Seconds from the paste until the preview shows, and until the file is saved."""
    page = open_page(browser, server)
    try:
        started = time.monotonic()
        with page.expect_download(timeout=120_000) as download:
            page.fill("#url", link)
            page.keyboard.press("Enter")
            page.wait_for_selector("#preview:not([hidden])")
            preview = time.monotonic() - started
        download.value.path()  # the browser has the whole file
        return preview, time.monotonic() - started
    finally:
        page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each link (the median counts)")
    args = parser.parse_args()
    origin = Origin(ensure_media(ROOT / ".cache" / "test-media")).start()
    links = {
        "page with og:video (974 kB MP4)": origin.page("/watch/og", pages.OPEN_GRAPH),
        "direct MP4 link (974 kB)": origin.url("/media/progressive.mp4"),
        "HLS master playlist": origin.url("/media/hls_ts/master.m3u8"),
    }
    tmp = tempfile.TemporaryDirectory()
    with tmp, running(settings_for(Path(tmp.name), origin)) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        print("inputs per file: paste, Enter")
        print(f"{'link':34} {'preview':>8} {'saved':>8}")
        for name, link in links.items():
            runs = [paste_to_saved(browser, server, link) for _ in range(args.repeat)]
            preview = statistics.median(run[0] for run in runs)
            saved = statistics.median(run[1] for run in runs)
            print(f"{name:34} {preview:7.2f}s {saved:7.2f}s")
        browser.close()
    origin.stop()


if __name__ == "__main__":
    main()
