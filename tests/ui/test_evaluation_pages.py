"""The evaluation pages: one evaluation (verdicts, metrics, groups, confusion matrix,
curves), the comparison of two, and the links to them from the model and run pages,
on a store seeded with the real SDK (trackrecord.evaluate)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

import trackrecord
from tests.ui.conftest import SCREENSHOTS, Tab
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore

MODEL: Final = "credit-model"
TARGET: Final = f"models:/{MODEL}/1"
SMALL_BAND: Final = "70+"  # only 20 rows: a small group
WORDS: Final = {
    "pass": "PASS",
    "fail": "FAIL",
    "inconclusive": "INCONCLUSIVE",
    "none": "no criteria",
}


@dataclass
class Evaluated:
    """Two evaluations of credit-model v1 (seeds 0 and 1), as the SDK reads them back."""

    directory: Path
    first: Any
    second: Any
    result: dict[str, Any]


def seed_evaluations(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Evaluated:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n = 4000
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "sex": rng.choice(["F", "M"], n),
                       "age_band": rng.choice(["18-30", "31-50", "51+"], n)})  # fmt: skip
    df["y"] = (df.x1 + 0.5 * df.x2 + rng.normal(scale=0.8, size=n) > 0).astype(int)
    train, hold = df.iloc[:3000], df.iloc[3000:].copy()
    hold.iloc[:20, hold.columns.get_loc("age_band")] = SMALL_BAND
    with trackrecord.init("credit", dir=directory, capture=False) as run:
        run.log_dataset(train, "credit", role="train")
        clf = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
        run.log_model(clf, "clf", register=MODEL)
    monkeypatch.setenv("TRACKRECORD_DIR", str(directory))
    criteria = [trackrecord.Criterion("accuracy", ">=", 0.7),
                trackrecord.Criterion("recall", ">=", 0.9, group="age_band")]  # fmt: skip
    trackrecord.criteria(TARGET, criteria, reason="credit policy")
    common = {"reference": hold, "label": "y", "groups": ["sex", "age_band"],
              "dataset_name": "credit-holdout", "n_resamples": 200}  # fmt: skip
    first = trackrecord.evaluate(TARGET, seed=0, **common)
    second = trackrecord.evaluate(TARGET, seed=1, **common)
    api = trackrecord.Api(dir=directory)
    return Evaluated(directory, api.evaluation(first.id), api.evaluation(second.id),
                     api.evaluation_result(first.id))  # fmt: skip


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluated]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield seed_evaluations(tmp_path_factory.mktemp("evaluations") / ".trackrecord", monkeypatch)


@pytest.fixture(scope="module")
def eval_url(evaluated: Evaluated) -> Iterator[str]:
    from tests.server_thread import serving

    store = SqlStore.open(evaluated.directory)
    with serving(ServerSettings.for_store(store, auth=False)) as url:
        yield url
    store.close()


def snapshot(page: Any, name: str) -> None:
    """Keep a screenshot of the page as it is now (the tab fixture keeps only the last)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"evaluation_{name}.png"), full_page=True)


def short(value: float) -> str:
    """A value as the UI writes it: 3 significant digits."""
    return f"{value:.3g}"


def test_seeded_evaluation_fails_a_group_criterion(evaluated: Evaluated) -> None:
    # the premise of the page tests: a failing or inconclusive group verdict and a small cell
    outcomes = {v["outcome"] for v in evaluated.result["verdicts"] if v["scope"] == "group"}
    assert outcomes & {"fail", "inconclusive"}
    small = [c for c in evaluated.result["groups"]["age_band"] if c["small"]]
    assert [c["group"] for c in small] == [f"age_band={SMALL_BAND}"]


def test_evaluation_page_shows_status_verdicts_and_metrics(
    tab: Tab, eval_url: str, evaluated: Evaluated
) -> None:
    page, record = tab.page, evaluated.first
    page.goto(f"{eval_url}/evaluations/{record.id}")
    badge = page.locator("h1 .eval-status")
    badge.wait_for()
    assert badge.inner_text() == WORDS[record.status]
    assert record.status in {"fail", "inconclusive"}
    head = page.locator(".eval-head")
    assert head.locator("a.target-link").get_attribute("href") == f"/models/{MODEL}"
    assert head.locator("a.dataset-link").get_attribute("href") == "/datasets/credit-holdout"
    assert head.locator('[data-fact="resamples"]').inner_text() == "200"
    assert head.locator('[data-fact="n"]').inner_text() == "1,000"
    criteria = page.get_by_label("Criteria").locator(":scope > li")
    tops = [v for v in record.verdicts if v["scope"] != "group"]
    assert criteria.count() == len(tops)
    for item, verdict in zip(criteria.all(), tops, strict=True):
        assert item.locator(".outcome").first.inner_text() == verdict["outcome"]
    recall = page.get_by_label("Criteria").locator('li[data-metric="recall"]')
    for verdict in (v for v in record.verdicts if v["scope"] == "group"):
        row = recall.locator(f'tr[data-group="{verdict["group"]}"]')
        assert row.locator(".outcome").inner_text() == verdict["outcome"]
        assert row.locator(".ibar-threshold").count() == 1
    metrics = page.get_by_label("Metrics", exact=True)
    for name, estimate in record.metrics.items():
        row = metrics.locator(f'tr[data-metric="{name}"]')
        assert row.locator(".value").inner_text() == short(estimate["value"])
        low, high = short(estimate["low"]), short(estimate["high"])
        assert row.locator(".interval").inner_text() == f"[{low}, {high}]"
    assert "wilson" in metrics.locator('tr[data-metric="accuracy"] .method').inner_text()
    assert "200 resamples" in metrics.locator('tr[data-metric="f1"] .method').inner_text()
    snapshot(page, "page")


def test_group_table_flags_small_cells_and_sorts(
    tab: Tab, eval_url: str, evaluated: Evaluated
) -> None:
    page = tab.page
    page.goto(f"{eval_url}/evaluations/{evaluated.first.id}")
    page.get_by_label("Grouping level").select_option("age_band")
    table = page.get_by_label("Groups", exact=True)
    small = table.locator(f'tr[data-group="age_band={SMALL_BAND}"]')
    small.wait_for()
    assert small.locator("td.n").inner_text() == "20"
    assert "small" in small.locator(".small-flag").inner_text()
    cells = {c["group"]: c for c in evaluated.result["groups"]["age_band"]}
    table.get_by_role("button", name="recall", exact=True).click()
    groups = table.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.group)")
    by_recall = sorted(cells, key=lambda g: cells[g]["metrics"]["recall"]["value"])
    assert groups == by_recall  # worst first
    options = page.get_by_label("Grouping level").locator("option").all_inner_texts()
    assert options == ["age_band", "sex", "sex & age_band"]


def test_confusion_matrix_and_curves(tab: Tab, eval_url: str, evaluated: Evaluated) -> None:
    page = tab.page
    page.goto(f"{eval_url}/evaluations/{evaluated.first.id}")
    matrix = page.get_by_label("Confusion matrix")
    matrix.wait_for()
    counts = matrix.locator("td").all_inner_texts()
    assert counts == [str(c) for row in evaluated.result["confusion_matrix"] for c in row]
    for curve in ("roc", "pr", "calibration"):
        page.locator(f'.eval-curve[data-curve="{curve}"] canvas').wait_for()
    limitations = page.get_by_label("Limitations").locator("li").all_inner_texts()
    assert limitations == [item["text"] for item in evaluated.result["limitations"]]
    page.locator('.eval-curve[data-curve="calibration"]').scroll_into_view_if_needed()
    snapshot(page, "curves")


def test_compare_view_lists_both_values_per_metric(
    tab: Tab, eval_url: str, evaluated: Evaluated
) -> None:
    page, first, second = tab.page, evaluated.first, evaluated.second
    page.goto(f"{eval_url}/evaluations/{first.id}")
    page.get_by_label("Compare with").select_option(second.id)
    table = page.get_by_label("Metrics compared")
    table.wait_for()
    assert page.url.endswith(f"/evaluations/compare?a={first.id}&b={second.id}")
    sides = page.locator(".compare-side")
    assert sides.nth(0).get_by_role("link", name=first.id).count() == 1
    assert sides.nth(1).get_by_role("link", name=second.id).count() == 1
    for name in first.metrics:
        row = table.locator(f'tr[data-metric="{name}"]')
        assert row.locator(".side-a").inner_text().startswith(short(first.metrics[name]["value"]))
        assert row.locator(".side-b").inner_text().startswith(short(second.metrics[name]["value"]))
        assert row.locator(".ibar").count() == 2
    snapshot(page, "compare")


def test_model_and_run_pages_link_to_the_evaluation(
    tab: Tab, eval_url: str, evaluated: Evaluated
) -> None:
    page, latest = tab.page, evaluated.second
    page.goto(f"{eval_url}/models/{MODEL}")
    cell = page.get_by_label("Evaluations of v1")
    cell.wait_for()
    assert cell.locator(".eval-status").inner_text() == WORDS[latest.status]
    assert "+1 earlier" in cell.inner_text()
    snapshot(page, "model")
    cell.locator("a.evaluation-link").click()
    page.locator("h1 .eval-status").wait_for()
    assert page.url.endswith(f"/evaluations/{latest.id}")
    page.locator(".eval-head a.run-link").click()
    row = page.get_by_label("Evaluations", exact=True).locator(f'tr[data-id="{latest.id}"]')
    row.wait_for()
    assert row.locator(".eval-status").inner_text() == WORDS[latest.status]
    assert "credit-holdout" in row.inner_text()
    row.scroll_into_view_if_needed()
    snapshot(page, "run")
    row.get_by_role("link", name="open evaluation").click()
    page.locator("h1 .eval-status").wait_for()
    assert page.url.endswith(f"/evaluations/{latest.id}")
