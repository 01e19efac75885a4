"""Browser tests: real Chromium (Playwright) against a real server on a seeded store.

Without Chromium or a built UI these tests skip with a message saying what to
install or build; under CI (``CI=true``) they fail instead. Every page a test
visits is screenshotted into ``test-artifacts/screenshots/`` (left after the
run), and any console error or uncaught exception on it fails the test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest

import trackrecord
from trackrecord.server.routes.ui import UI_DIR
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts

CHROMIUM: Final = Path(os.environ.get("TRACKRECORD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS: Final = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PROJECT: Final = "proj"
# name -> (learning rate, final loss): distinct values, so that sorting and filtering show.
RUNS: Final = {"alpha": (0.1, 0.30), "beta": (0.01, 0.10), "gamma": (0.001, 0.20)}
STEPS: Final = 200


def _missing() -> str | None:
    """What the browser tests lack to run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    if not CHROMIUM.is_file():
        return f"Chromium is not at {CHROMIUM}: apt-get install -y chromium"
    if not (UI_DIR / "index.html").is_file():
        return f"the web UI is not built ({UI_DIR}/index.html): make web"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    browser_items = [item for item in items if "browser" in getattr(item, "fixturenames", ())]
    if not browser_items:
        return
    if os.environ.get("CI") == "true":
        return  # the browser fixture fails them
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # visible even without -rs
        reporter.write_line(f"browser tests skipped: {reason}", yellow=True)
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=f"browser tests: {reason}"))


@dataclass
class Seeded:
    """The seeded store: its directory and the ids of its runs by name."""

    directory: Path
    ids: dict[str, str] = field(default_factory=dict)


def seed(directory: Path, runs: dict[str, tuple[float, float]] = RUNS) -> Seeded:
    """Log finished runs of a toy training (a decaying loss) into *directory*."""
    seeded = Seeded(directory)
    for name, (lr, final) in runs.items():
        with trackrecord.init(PROJECT, name=name, config={"lr": lr, "optimizer": "adam"},
                              dir=directory, capture=False) as run:  # fmt: skip
            for step in range(STEPS):
                run.log({"loss": final + (1 - final) * (1 - step / STEPS) ** 2}, step=step)
            seeded.ids[name] = run.id
    return seeded


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return seed(tmp_path_factory.mktemp("ui-store") / ".trackrecord")


@pytest.fixture(scope="session")
def base_url(seeded: Seeded) -> Iterator[str]:
    """A server with auth off on the seeded store."""
    from tests.server_thread import serving

    store = SqlStore.open(seeded.directory)
    with serving(ServerSettings.for_store(store, auth=False)) as url:
        yield url
    store.close()


VIEWER_PASSWORD = "a viewer's password"


@pytest.fixture(scope="session")
def viewer(seeded: Seeded) -> Iterator[tuple[str, str]]:
    """A server with auth on over the same store, and a token of a viewer of the project."""
    from tests.server_thread import serving

    store = SqlStore.open(seeded.directory)
    accounts = SqlAccounts(store.database)
    accounts.create_user("v")
    accounts.grant("v", PROJECT, "viewer")
    accounts.set_password("v", VIEWER_PASSWORD)
    _, token = accounts.create_token("v")
    with serving(ServerSettings.for_store(store, auth=True)) as url:
        yield url, token
    store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if reason := _missing():  # only under CI: elsewhere these tests were skipped
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A browser page that records console errors and screenshots itself when the test ends."""

    page: Any
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow_errors(self, pattern: str) -> None:
        """Expect console errors matching *pattern* (e.g. the browser's note on a 400)."""
        self.allowed.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def tab(browser: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = Tab(page)
    page.on("console", lambda msg: msg.type == "error" and tab.errors.append(_describe(msg)))
    page.on("pageerror", lambda exc: tab.errors.append(f"uncaught: {exc}"))
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        finally:
            context.close()
    unexpected = tab.unexpected_errors()
    assert not unexpected, f"console errors on the page: {unexpected}"


def _describe(message: Any) -> str:
    location = message.location or {}
    return f"{message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})"
