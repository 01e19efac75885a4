"""One run's page, the comparison page, and who may edit notes."""

from __future__ import annotations

from pathlib import Path

from tests.ui.canvas import wait_until_drawn
from tests.ui.conftest import VIEWER_PASSWORD, Seeded, Tab

NOTES = 'textarea[aria-label="Notes"]'
SAVE = 'button:has-text("Save notes")'


def test_run_page_shows_status_and_draws_the_chart(tab: Tab, base_url: str, seeded: Seeded) -> None:
    page = tab.page
    page.goto(f"{base_url}/runs/{seeded.ids['beta']}")
    page.locator("h1", has_text="beta").wait_for()
    assert page.locator("[data-testid=run-status]").inner_text().strip() == "finished"
    drawn = wait_until_drawn(page, 'figure.chart[data-metric="loss"] canvas')
    assert drawn[0]["inked"] > 0
    plot = page.locator('figure.chart[data-metric="loss"] .chart-plot')
    box = plot.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
    readout = page.locator('figure.chart[data-metric="loss"] .chart-readout')
    readout.filter(has_text="step").wait_for()  # the value under the cursor
    assert any(c.isdigit() for c in readout.inner_text().split(":", 1)[1])
    page.get_by_role("heading", name="Environment").wait_for()
    chart = page.locator('figure.chart[data-metric="loss"]')
    with page.expect_response(lambda r: "times=true" in r.url) as timed:
        chart.get_by_label("X axis").select_option("relative")
    assert timed.value.ok
    wait_until_drawn(page, 'figure.chart[data-metric="loss"] canvas')
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3 + 1)
    readout.filter(has_text=" s:").wait_for()  # seconds since the first point


def test_compare_page_shows_both_runs(tab: Tab, base_url: str, seeded: Seeded) -> None:
    page = tab.page
    page.goto(f"{base_url}/compare?run={seeded.ids['alpha']}&run={seeded.ids['beta']}")
    items = page.locator("ul[data-testid=compare-runs] li")
    items.first.wait_for()
    texts = items.all_inner_texts()
    assert len(texts) == 2
    assert any("alpha" in t for t in texts) and any("beta" in t for t in texts)
    wait_until_drawn(page, "figure.chart canvas")


def test_owner_can_edit_notes(tab: Tab, base_url: str, seeded: Seeded) -> None:
    # With auth off (trackrecord ui) the user may edit: the viewer test below means something.
    page = tab.page
    page.goto(f"{base_url}/runs/{seeded.ids['gamma']}")
    notes = page.locator(NOTES)
    notes.wait_for()
    assert notes.is_editable()
    notes.fill("looks good")
    with page.expect_response(lambda r: r.request.method != "GET" and "/runs/" in r.url) as saved:
        page.click(SAVE)
    assert saved.value.ok
    page.reload()
    page.locator(NOTES).wait_for()
    page.wait_for_function("sel => document.querySelector(sel).value === 'looks good'", arg=NOTES)


def test_viewer_cannot_edit_notes(tab: Tab, viewer: tuple[str, str], seeded: Seeded) -> None:
    url, token = viewer
    tab.allow_errors(r"status of 401")  # the first request, before signing in
    page = tab.page
    page.goto(f"{url}/runs/{seeded.ids['alpha']}")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in with the token").click()
    page.locator("h1", has_text="alpha").wait_for()
    assert page.evaluate("() => localStorage.getItem('trackrecord.token')") == token
    page.locator("[data-testid=run-status]").wait_for()
    notes = page.locator(NOTES)
    save = page.locator(SAVE)
    assert notes.count() == 0 or not notes.is_editable()
    assert save.count() == 0 or save.is_disabled()


def test_a_user_signs_in_with_a_password(tab: Tab, viewer: tuple[str, str]) -> None:
    url, _ = viewer
    tab.allow_errors(r"status of 401")  # before signing in, and the wrong password
    page = tab.page
    page.goto(f"{url}/")
    page.get_by_label("User").fill("v")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("alert").filter(has_text="sign-in refused").wait_for()  # one message
    page.get_by_label("Password").fill(VIEWER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("table.runs tr[data-run-id]").first.wait_for()
    assert page.locator("header .who").inner_text() == "v"
    assert page.evaluate("() => localStorage.getItem('trackrecord.token')").startswith("trk_")


def test_artifacts_are_previewed(tab: Tab, tmp_path: Path) -> None:
    import trackrecord
    from tests.server_thread import serving
    from trackrecord.store.sql import SqlStore

    store_dir = tmp_path / "store"
    with trackrecord.init("files", dir=store_dir, capture=False) as run:
        run.log_table("preds.parquet", [{"id": i, "label": f"c{i}"} for i in range(80)])
        run.log_json("config.json", {"lr": 0.1, "layers": [64, 64]})
    store = SqlStore.open(store_dir)
    with serving(store) as url:
        page = tab.page
        page.goto(f"{url}/runs/{run.id}")
        page.get_by_role("button", name="preds.parquet").click()
        preview = page.get_by_label("Preview of preds.parquet")
        preview.locator("tbody tr").first.wait_for()
        assert preview.locator("thead th").all_inner_texts() == ["id", "label"]
        assert preview.locator("tbody tr").count() == 50
        assert preview.locator("tbody tr").first.inner_text().split() == ["0", "c0"]
        page.get_by_role("button", name="config.json").click()
        page.get_by_label("Preview of config.json").filter(has_text='"layers"').wait_for()
    store.close()
