"""The runs table: listing, filtering, sorting, picking runs to compare."""

from __future__ import annotations

from typing import Any

from tests.ui.canvas import wait_until_drawn
from tests.ui.conftest import RUNS, Seeded, Tab

ROWS = "table.runs tr[data-run-id]"
FILTER = 'input[aria-label="Filter runs"]'


def row_names(page: Any, seeded: Seeded) -> list[str]:
    """The seeded runs' names in the order of the table's rows."""
    names = {run_id: name for name, run_id in seeded.ids.items()}
    ids = page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.runId)")
    return [names.get(run_id, run_id) for run_id in ids]


def open_table(tab: Tab, base_url: str) -> Any:
    page = tab.page
    page.goto(base_url + "/")
    page.locator(ROWS).first.wait_for()
    return page


def test_table_lists_the_runs(tab: Tab, base_url: str, seeded: Seeded) -> None:
    page = open_table(tab, base_url)
    assert sorted(row_names(page, seeded)) == sorted(RUNS)
    for name, run_id in seeded.ids.items():
        row = page.locator(f'tr[data-run-id="{run_id}"]')
        assert name in row.inner_text()
        assert row.locator('td[data-column="status"]').inner_text().strip() == "finished"


def test_filter_narrows_the_runs(tab: Tab, base_url: str, seeded: Seeded) -> None:
    page = open_table(tab, base_url)
    page.fill(FILTER, "params.lr < 0.05")
    page.press(FILTER, "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('table.runs tr[data-run-id]').length === n", arg=2
    )
    assert sorted(row_names(page, seeded)) == ["beta", "gamma"]
    assert page.locator("[role=alert]").count() == 0


def test_bad_filter_shows_an_inline_error(tab: Tab, base_url: str) -> None:
    tab.allow_errors(r"status of 400")  # the browser logs the API's answer to a bad query
    page = open_table(tab, base_url)
    page.fill(FILTER, "params.lr <")
    page.press(FILTER, "Enter")
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert alert.inner_text().strip(), "the error says what is wrong"
    assert page.locator(FILTER).is_visible(), "the filter stays, to be corrected"


def test_sorting_by_a_column_reorders_rows(tab: Tab, base_url: str, seeded: Seeded) -> None:
    page = open_table(tab, base_url)
    header = page.locator('th[data-column="name"]')
    orders = {}
    for _ in range(3):  # whatever the first click does, two clicks give both directions
        header.click()
        page.wait_for_function(
            "h => ['ascending', 'descending'].includes(h.getAttribute('aria-sort'))",
            arg=header.element_handle(),
        )
        direction = header.get_attribute("aria-sort")
        page.wait_for_function(
            """([d, ids]) => { const rows = [...document.querySelectorAll(
                   'table.runs tr[data-run-id]')].map(r => ids[r.dataset.runId]);
               const sorted = [...rows].sort(); if (d === 'descending') sorted.reverse();
               return rows.length === 3 && rows.join() === sorted.join(); }""",
            arg=[direction, {v: k for k, v in seeded.ids.items()}],
        )
        orders[direction] = row_names(page, seeded)
    assert orders == {"ascending": ["alpha", "beta", "gamma"],
                      "descending": ["gamma", "beta", "alpha"]}  # fmt: skip


def test_compare_selected_runs(tab: Tab, base_url: str, seeded: Seeded) -> None:
    page = open_table(tab, base_url)
    page.check('input[aria-label="select run alpha"]')
    page.check('input[aria-label="select run gamma"]')
    page.click('button[aria-label="Compare selected runs"]')
    page.wait_for_url("**/compare?**")
    items = page.locator("ul[data-testid=compare-runs] li")
    items.first.wait_for()
    assert items.count() == 2
    listed = items.all_inner_texts()
    assert any("alpha" in text for text in listed) and any("gamma" in text for text in listed)
    drawn = wait_until_drawn(page, "figure.chart canvas")
    assert all(c["inked"] > 0 for c in drawn)
