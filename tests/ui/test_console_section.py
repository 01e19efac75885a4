"""The run page shows what the run printed (stdout and stderr, captured as it ran)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

import trackrecord
from tests.ui.conftest import SCREENSHOTS, Tab
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(server URL, run id) of a run that printed three lines, one of them to stderr."""
    from tests.server_thread import serving

    directory = tmp_path_factory.mktemp("console") / "store"
    with trackrecord.init("printing", dir=directory, capture=False, capture_console=True) as run:
        print("epoch 1: loss 0.52")
        print("epoch 2: loss 0.31")
        print("warning: learning rate is high", file=sys.stderr)
    store = SqlStore.open(directory)
    with serving(ServerSettings.for_store(store, auth=False)) as url:
        yield url, run.id
    store.close()


def test_the_run_page_shows_the_console_with_stderr_marked(
    tab: Tab, printed: tuple[str, str]
) -> None:
    url, run_id = printed
    page = tab.page
    page.goto(f"{url}/runs/{run_id}")
    lines = page.get_by_label("console output")
    lines.get_by_text("epoch 2: loss 0.31").wait_for()
    assert "epoch 1: loss 0.52" in lines.inner_text()
    assert page.locator(".console-stderr").inner_text().endswith("warning: learning rate is high")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "run_console.png"), full_page=True)
