"""A run that is still logging: its page follows it without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import trackrecord
from tests.ui.canvas import canvases, wait_until_changed, wait_until_drawn
from tests.ui.conftest import Tab
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore

CHART = 'figure.chart[data-metric="loss"] canvas'
STATUS = "[data-testid=run-status]"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from tests.server_thread import serving

    directory = tmp_path / ".trackrecord"
    store = SqlStore.open(directory)
    with serving(ServerSettings.for_store(store, auth=False)) as url:
        yield url, directory
    store.close()


def test_running_run_updates_live(tab: Tab, live_server: tuple[str, Path]) -> None:
    url, directory = live_server
    run = trackrecord.init("live", name="live-one", dir=directory, capture=False)
    try:
        for step in range(20):
            run.log({"loss": 1.0 - step / 100}, step=step)
        run.flush()
        page = tab.page
        page.goto(f"{url}/runs/{run.id}")
        page.locator(STATUS, has_text="running").wait_for()
        page.evaluate("() => { window.sameDocument = true; }")  # a reload would drop it
        wait_until_drawn(page, CHART)
        before = canvases(page, CHART)[0]["sum"]
        for step in range(20, 400):  # the loss goes on falling, to near zero
            run.log({"loss": 1.0 / (1 + step)}, step=step)
        run.flush()
        wait_until_changed(page, CHART, before, timeout=10_000)
    finally:
        run.finish()
    page.locator(STATUS, has_text="finished").wait_for(timeout=10_000)
    assert page.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    page.goto("about:blank")  # stop its polling before the server stops (fixtures end first)
