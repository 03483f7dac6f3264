"""Debian's chromium, driven headless by Playwright for every browser test (never `playwright install`)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# scripts/test.sh installs Debian's chromium: without it these tests fail, they never skip.
assert Path(CHROMIUM).exists(), "needs Debian's chromium (apt-get install chromium)"


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium for the duration of the block."""
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
