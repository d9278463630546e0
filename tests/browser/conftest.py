"""Headless Chromium for the HTML report tests (the ``browser`` marker group).

Debian's ``chromium`` package (``/usr/bin/chromium``, installed by ``.ci/run``) driven by Playwright's
Python package through ``executable_path``: Playwright's own browser download is not used. These tests
are part of the default ``python -m pytest`` run; ``-m "not browser"`` leaves them out locally.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / ".promptctl" / "reports"
"""Where screenshots are kept (a CI artifact)."""

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """The Chromium binary: ``PROMPTCTL_CHROMIUM``, else Debian's ``chromium`` on PATH."""
    found = os.environ.get("PROMPTCTL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("the browser tests need Chromium: apt-get install -y chromium (.ci/run installs it)")
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (Playwright's sync API runs an event loop while it is open, so it
    is closed before other modules' tests call ``asyncio.run``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
