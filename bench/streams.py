"""Open live event streams against one server: how fast it still answers other requests.

    .venv/bin/python bench/streams.py [--streams 0,20,40] [--others 50000]

For each count: a fresh ``savevid serve`` (in this process, the real uvicorn) whose jobs table holds
``--others`` finished jobs of other browsers and 100 of one browser; that many ``GET /api/events``
streams of that browser are opened (each from its own address, through a trusted proxy, so no
per-caller cap applies) and read until each has sent the 100 downloads; then the medians of
``GET /healthz`` and of that browser's ``GET /api/downloads`` are printed. Nothing changes while it
measures: this is the cost of quiet streams. Each time is the median (and the 90th percentile) of 30
requests on new connections. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from savevid.config import get_settings  # noqa: E402
from savevid.web.app import create_app  # noqa: E402
from support.load import add_jobs, timings  # noqa: E402
from support.server import running_app  # noqa: E402

OWNER = "ab" * 16
MINE = 100


def measure(streams: int, others: int) -> tuple[list[float], list[float]]:
    """Seconds of /healthz and of the list, sorted, with this many quiet streams open."""
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(get_settings(data_dir=Path(scratch), trusted_proxies=["127.0.0.1"]))
        add_jobs(Path(scratch) / "jobs.db", others)
        add_jobs(Path(scratch) / "jobs.db", MINE, owner=f"browser:{OWNER}", prefix="mine")
        cookie, readers = f"savevid_owner={OWNER}", []
        with running_app(app) as base, httpx.Client(base_url=base, timeout=60) as client, ExitStack() as held:
            for n in range(streams):
                headers = {"Cookie": cookie, "X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}
                lines = held.enter_context(client.stream("GET", "/api/events", headers=headers)).iter_lines()
                readers.append(lines)  # a line reader that is dropped closes its stream
                sent = 0
                while sent < MINE:
                    sent += next(lines).startswith("data: ")
            time.sleep(1)
            return timings(base, "/healthz", cookie, 30), timings(base, "/api/downloads", cookie, 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", default="0,20,40", help="counts of open streams, comma separated")
    parser.add_argument("--others", type=int, default=50_000, help="jobs of other browsers in the table")
    args = parser.parse_args()
    print(f"{'streams':>7}  {'/healthz ms (p90)':>17}  {'/api/downloads ms (p90)':>23}")
    for count in (int(n) for n in args.streams.split(",")):
        health, listing = measure(count, args.others)
        print(f"{count:>7}  {show(health):>17}  {show(listing):>23}", flush=True)


def show(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.1f} ({times[len(times) * 9 // 10] * 1000:.1f})"


if __name__ == "__main__":
    main()
