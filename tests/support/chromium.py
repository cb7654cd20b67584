"""Debian's Chromium for the browser tests: where it is and how it is started."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
# Chromium's own background traffic would only meet this machine's closed network.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update"]  # fmt: skip
