"""The catalog pages: datasets, registered models (and changing aliases), lineage, and
the run page's datasets and models, on a store seeded with the real SDK."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest

import trackrecord
from tests.ui.conftest import SCREENSHOTS, Tab
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts

PROJECT: Final = "shop"
X: Final = [[0, 1], [1, 0], [1, 1], [0, 0]]
ROWS: Final = "table.datasets tbody tr"
DATASHEET: Final = {
    "origin": "CRM export of 2026-01",
    "purpose": "predict churn",
    "preparation": ["drop duplicates", "fill missing ages"],
    "license": "internal",
}


@dataclass
class Catalog:
    """The seeded store: run ids by name; churn v1 from train0 (champion), v2 deprecated."""

    directory: Path
    ids: dict[str, str] = field(default_factory=dict)


def seed_catalog(directory: Path) -> Catalog:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    catalog = Catalog(directory)
    raw = directory.parent / "raw.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text("a,b,city\n1,2,paris\n3,4,rome\n5,,paris\n")
    clean = pd.DataFrame({"age": [31.0, 45.0, None, 22.0], "plan": ["pro", "free", "free", "pro"]})
    with trackrecord.init(PROJECT, name="prep", dir=directory, capture=False) as run:
        run.log_dataset(raw, "raw", role="source")
        run.log_dataset(clean, "clean", role="train", produced=True, datasheet=DATASHEET)
        catalog.ids["prep"] = run.id
    for i in range(2):
        with trackrecord.init(PROJECT, name=f"train{i}", dir=directory, capture=False) as run:
            run.log_dataset(clean, "clean", role="train")
            model = LogisticRegression(C=1.0 + i).fit(X, [0, 1, 1, 0])
            run.log_model(model, "clf", register="churn")
            catalog.ids[f"train{i}"] = run.id
    api = trackrecord.Api(dir=directory)
    api.set_alias("churn", "champion", 1, reason="best validation auc")
    api.deprecate("churn", 2, reason="leaky feature")
    return catalog


def snapshot(page: Any, name: str) -> None:
    """Keep a screenshot of the page as it is now (the tab fixture keeps only the last)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"catalog_{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return seed_catalog(tmp_path_factory.mktemp("catalog") / ".trackrecord")


@pytest.fixture(scope="module")
def catalog_url(catalog: Catalog) -> Iterator[str]:
    from tests.server_thread import serving

    store = SqlStore.open(catalog.directory)
    with serving(ServerSettings.for_store(store, auth=False)) as url:
        yield url
    store.close()


def test_datasets_list_filters_and_opens_a_dataset(tab: Tab, catalog_url: str) -> None:
    page = tab.page
    page.goto(f"{catalog_url}/datasets")
    rows = page.locator(ROWS)
    rows.first.wait_for()
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.name)")) == ["clean", "raw"]
    clean = page.locator('table.datasets tr[data-name="clean"] td')
    assert clean.all_inner_texts()[1:4] == [PROJECT, "1", "3"]  # one version, three runs
    page.get_by_label("Filter datasets").fill("ra")
    page.wait_for_function("sel => document.querySelectorAll(sel).length === 1", arg=ROWS)
    assert "q=ra" in page.url
    page.get_by_label("Filter datasets").fill("")
    page.get_by_role("link", name="clean", exact=True).click()
    page.locator("h1", has_text="clean").wait_for()
    assert page.url.endswith(f"/datasets/clean?project={PROJECT}")


def test_dataset_page_shows_profile_datasheet_and_runs(
    tab: Tab, catalog_url: str, catalog: Catalog
) -> None:
    page = tab.page
    page.goto(f"{catalog_url}/datasets/clean?v=1")
    versions = page.get_by_role("table", name="Versions")
    versions.locator("tbody tr").first.wait_for()
    assert versions.locator("tbody tr").count() == 1
    assert versions.locator("tbody tr td").first.inner_text() == "v1"
    columns = page.get_by_role("table", name="Columns")
    age = columns.locator("tbody tr", has_text="age").locator("td").all_inner_texts()
    assert age[:6] == ["age", "float64", "1", "3", "22", "45"]  # nulls, distinct, min, max
    plan = columns.locator("tbody tr", has_text="plan").locator("td").all_inner_texts()
    assert plan[-1] == "free (2), pro (2)"
    sheet = page.get_by_label("Datasheet")
    assert "CRM export of 2026-01" in sheet.inner_text()
    assert sheet.locator("ol li").all_inner_texts() == DATASHEET["preparation"]
    runs = page.get_by_role("table", name="Runs that used it")
    runs.locator("tbody tr").nth(2).wait_for()
    uses = {r.split("\t")[0]: r for r in runs.locator("tbody tr").all_inner_texts()}
    assert set(uses) == {"prep", "train0", "train1"}
    assert "produced" in uses["prep"] and "read" in uses["train0"]
    lineage = page.locator("main a.lineage-link")
    assert lineage.get_attribute("href").startswith(f"/lineage?node=dataset%3A{PROJECT}%2Fclean%40")
    snapshot(page, "dataset")
    runs.get_by_role("link", name="prep").click()
    page.locator("h1", has_text="prep").wait_for()
    assert page.url.endswith(f"/runs/{catalog.ids['prep']}")


def test_model_page_shows_versions_aliases_and_history(tab: Tab, catalog_url: str) -> None:
    page = tab.page
    page.goto(f"{catalog_url}/models")
    row = page.locator('table.models tr[data-name="churn"]')
    row.wait_for()
    assert "@champion → v1" in row.inner_text()
    row.get_by_role("link", name="churn").click()
    page.locator("h1", has_text="churn").wait_for()
    v2 = page.locator('table.model-versions tr[data-version="2"]')
    v2.wait_for()
    assert "deprecated: leaky feature" in v2.locator(".model-status").inner_text()
    v1 = page.locator('table.model-versions tr[data-version="1"]')
    assert v1.get_by_label("Aliases of v1").inner_text().startswith("@champion")
    assert v1.get_by_role("link", name="run · clf").get_attribute("href").startswith("/runs/")
    assert page.get_by_test_id("head-hash").inner_text().startswith("#")
    history = page.get_by_label("History")
    alias_set = history.locator('li[data-type="alias.set"]')
    assert "set alias @champion on v1" in alias_set.inner_text()
    assert alias_set.locator(".actor").inner_text().strip() != ""
    assert alias_set.locator(".reason").inner_text() == "best validation auc"
    assert "deprecated v2" in history.locator('li[data-type="version.update"]').inner_text()


def test_setting_an_alias_in_the_ui_records_it(tab: Tab, catalog_url: str) -> None:
    page = tab.page
    page.goto(f"{catalog_url}/models/churn")
    v1 = page.locator('table.model-versions tr[data-version="1"]')
    v1.get_by_role("button", name="Set alias…").click()
    form = page.get_by_role("form", name="Set an alias on v1")
    form.get_by_label("Alias").fill("staging")
    form.get_by_label("Reason").fill("ready for the canary")
    with page.expect_response(lambda r: r.request.method == "PUT") as answer:
        form.get_by_role("button", name="Set alias").click()
    assert answer.value.ok
    v1.get_by_label("Aliases of v1").filter(has_text="@staging").wait_for()
    entry = page.get_by_label("History").locator('li[data-type="alias.set"]', has_text="@staging")
    entry.wait_for()
    assert entry.locator(".reason").inner_text() == "ready for the canary"
    # and it is really stored: a fresh load shows it too
    page.reload()
    page.get_by_label("Aliases of v1").filter(has_text="@staging").wait_for()


def test_lineage_page_draws_the_graph_and_nodes_navigate(
    tab: Tab, catalog_url: str, catalog: Catalog
) -> None:
    page = tab.page
    page.goto(f"{catalog_url}/lineage?node=model:churn/1&direction=both&depth=10")
    nodes = page.locator("svg g.node")
    nodes.first.wait_for()
    ids = set(nodes.evaluate_all("ns => ns.map(n => n.dataset.id)"))
    assert "model:churn/1" in ids and "alias:churn@champion" in ids
    assert f"run:{catalog.ids['train0']}" in ids and f"run:{catalog.ids['prep']}" in ids
    datasets = {i.split("@")[0] for i in ids if i.startswith("dataset:")}
    assert datasets == {f"dataset:{PROJECT}/clean", f"dataset:{PROJECT}/raw"}
    assert page.locator("svg g.edge").count() >= 5
    x = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('g.node')].map(
        n => [n.dataset.kind, n.getBoundingClientRect().x]))""")
    assert x["dataset"] < x["run"] < x["model"] < x["alias"]  # data flows left to right
    snapshot(page, "lineage")
    page.locator(f'g.node[data-id="run:{catalog.ids["train0"]}"]').click()
    page.locator("h1", has_text="train0").wait_for()
    assert page.url.endswith(f"/runs/{catalog.ids['train0']}")


def test_lineage_reroots_on_a_node(tab: Tab, catalog_url: str) -> None:
    page = tab.page
    page.goto(f"{catalog_url}/lineage?node=model:churn/1&direction=upstream&depth=10")
    raw = page.locator('g.node[data-kind="dataset"]', has_text="raw")
    raw.wait_for()
    raw.locator(".reroot").click()
    page.wait_for_url(f"**/lineage?node=dataset%3A{PROJECT}%2Fraw%40*")
    assert "direction=upstream" in page.url
    page.get_by_label("Direction").select_option("downstream")
    page.locator('g.node.root[data-kind="dataset"]', has_text="raw").wait_for()
    # downstream of raw: prep → clean → train0 → churn v1 → champion
    page.locator('g.node[data-id="alias:churn@champion"]').wait_for()


def test_run_page_lists_datasets_and_models(tab: Tab, catalog_url: str, catalog: Catalog) -> None:
    page = tab.page
    run_id = catalog.ids["train0"]
    page.goto(f"{catalog_url}/runs/{run_id}")
    datasets = page.get_by_role("table", name="Datasets")
    datasets.locator("tbody tr").first.wait_for()
    first = datasets.locator("tbody tr").all_inner_texts()[0]
    assert first.split("\t")[:3] == ["clean v1", "train", "read"]
    model = page.locator('li.run-model[data-name="clf"]')
    model.wait_for()
    assert f"runs:/{run_id}/clf" in model.inner_text()
    assert "sklearn" in model.inner_text() and "scikit-learn" in model.inner_text()
    model.get_by_role("link", name="churn v1").wait_for()  # the registered version made from it


@pytest.fixture(scope="module")
def viewer_url(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """A server with auth on over the catalog store, and a token of a viewer of its project."""
    from tests.server_thread import serving

    store = SqlStore.open(catalog.directory)
    accounts = SqlAccounts(store.database)
    accounts.create_user("vera")
    accounts.grant("vera", PROJECT, "viewer")
    _, token = accounts.create_token("vera")
    with serving(ServerSettings.for_store(store, auth=True)) as url:
        yield url, token
    store.close()


def test_a_viewer_is_told_why_deprecating_is_refused(tab: Tab, viewer_url: tuple[str, str]) -> None:
    url, token = viewer_url
    tab.allow_errors(r"status of 40[13]")  # before signing in, and the refused change
    page = tab.page
    page.goto(f"{url}/models/churn")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in with the token").click()
    v1 = page.locator('table.model-versions tr[data-version="1"]')
    v1.get_by_role("button", name="Deprecate…").click()
    page.get_by_label("Reason").fill("trying")
    page.get_by_role("button", name="Deprecate", exact=True).click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().startswith("Not allowed:")
    assert "editor role" in alert.inner_text()
    assert "ready" in v1.locator(".model-status").inner_text()
