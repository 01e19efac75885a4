"""Group cells: intersections, sizes, small cells and the worst groups."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from trackrecord.evaluation import evaluate_predictions
from trackrecord.evaluation.groups import WORST_COUNT


def _data(cancer: dict[str, Any]) -> dict[str, Any]:
    x = cancer["x"]
    n = x.shape[0]
    return {
        "y": cancer["y"],
        "pred": cancer["pred"],
        "p1": cancer["proba"][:, 1],
        "groups": pd.DataFrame(
            {
                "size": np.where(x[:, 0] > np.median(x[:, 0]), "large", "small"),
                "texture": np.where(x[:, 1] > np.median(x[:, 1]), "rough", "smooth"),
                "batch": np.arange(n) % 3,
            }
        ),
    }


def test_levels_cells_and_sizes(cancer: dict[str, Any]) -> None:
    d = _data(cancer)
    r = evaluate_predictions(
        d["y"], y_pred=d["pred"], y_score=d["p1"], groups=d["groups"], n_resamples=100
    )
    assert list(r.groups) == [
        "size",
        "texture",
        "batch",
        "size & texture",
        "size & batch",
        "texture & batch",
        "size & texture & batch",
    ]
    assert [len(cells) for cells in r.groups.values()] == [2, 2, 3, 4, 6, 6, 12]
    for cells in r.groups.values():
        assert sum(c["n"] for c in cells) == len(d["y"])
    g = d["groups"]
    for cell in r.groups["size & batch"]:
        mask = (g["size"] == cell["values"]["size"]) & (
            g["batch"].astype(str) == cell["values"]["batch"]
        )
        assert cell["n"] == int(mask.sum())
        assert cell["group"] == f"size={cell['values']['size']} & batch={cell['values']['batch']}"
        y, pred = d["y"][mask], d["pred"][mask]
        assert cell["metrics"]["accuracy"]["value"] == skm.accuracy_score(y, pred)
        assert cell["metrics"]["recall"]["value"] == skm.recall_score(y, pred)
        assert cell["confusion_matrix"] == skm.confusion_matrix(y, pred, labels=[0, 1]).tolist()
        if len(set(y)) == 2:
            expected = skm.roc_auc_score(y, d["p1"][mask])
            assert abs(cell["metrics"]["roc_auc"]["value"] - expected) < 1e-12


def test_small_cells_are_flagged_with_a_reason(cancer: dict[str, Any]) -> None:
    d = _data(cancer)
    r = evaluate_predictions(
        d["y"], y_pred=d["pred"], groups=d["groups"], min_group_size=40, n_resamples=50
    )
    cells = [c for cs in r.groups.values() for c in cs]
    for c in cells:
        if c["n"] < 40:
            assert c["small"] and f"n={c['n']} < min_group_size=40" in c["small_reasons"]
    assert any(not c["small"] for c in cells) and any(c["small"] for c in cells)
    assert any("too small or uncertain" in w for w in r.warnings)
    kinds = {lim["kind"] for lim in r.limitations}
    assert "small_group" in kinds


def test_wide_interval_marks_a_cell_small() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    pred = np.where(rng.random(200) < 0.3, 1 - y, y)
    groups = {"g": np.array(["big"] * 180 + ["tiny"] * 20)}
    r = evaluate_predictions(y, y_pred=pred, groups=groups, min_group_size=5, n_resamples=50)
    tiny = r.groups["g"][1]
    assert tiny["n"] == 20 and tiny["small"]
    assert "interval of accuracy" in tiny["small_reasons"][0]


def test_worst_cells_are_ordered(cancer: dict[str, Any]) -> None:
    d = _data(cancer)
    r = evaluate_predictions(
        d["y"],
        y_pred=d["pred"],
        y_score=d["p1"],
        groups=d["groups"],
        n_resamples=50,
        min_group_size=1,
    )
    assert set(r.worst) == {"accuracy", "recall", "f1", "roc_auc"}
    for metric, rows in r.worst.items():
        assert len(rows) == WORST_COUNT
        big = [row for row in rows if not row["small"]]
        values = [row["value"] for row in big]
        assert values == sorted(values), metric
        all_values = [
            c["metrics"][metric]["value"]
            for cs in r.groups.values()
            for c in cs
            if not c["small"] and c["metrics"][metric]["value"] is not None
        ]
        if big:
            assert values[0] == min(all_values)
    top = next(lim for lim in r.limitations if lim["kind"] == "worst_group")
    assert top["text"].startswith("Weakest accuracy: ")


def test_regression_worst_is_highest_error(diabetes: dict[str, Any]) -> None:
    y, pred = diabetes["y"], diabetes["pred"]
    groups = {"sex": np.where(diabetes["x"][:, 1] > 0, "m", "f"), "age": diabetes["x"][:, 0] > 0}
    r = evaluate_predictions(y, y_pred=pred, task="regression", groups=groups, n_resamples=50)
    assert set(r.worst) == {"mae", "rmse"}
    maes = [row["value"] for row in r.worst["mae"] if not row["small"]]
    assert maes == sorted(maes, reverse=True)
    assert list(r.groups) == ["sex", "age", "sex & age"]
    assert [c["values"]["age"] for c in r.groups["age"]] == ["False", "True"]


def test_missing_group_values_form_their_own_cell() -> None:
    groups = {"site": np.array(["a", None, "b", None] * 10, dtype=object)}
    r = evaluate_predictions([0, 1] * 20, y_pred=[0, 1] * 20, groups=groups, n_resamples=20)
    assert [c["group"] for c in r.groups["site"]] == ["site=(missing)", "site=a", "site=b"]
