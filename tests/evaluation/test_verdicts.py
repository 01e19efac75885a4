"""Verdicts: exact boundaries per operator, group criteria, inconclusive intervals."""

from __future__ import annotations

import numpy as np
import pytest

from trackrecord.errors import InvalidValueError
from trackrecord.evaluation import Criterion, evaluate_predictions
from trackrecord.evaluation.verdicts import combine, outcome


@pytest.mark.parametrize(
    ("op", "threshold", "expected"),
    [
        (">=", 0.8, "pass"),  # low == threshold passes
        (">", 0.8, "inconclusive"),  # ... but not for a strict bound
        (">=", 0.9, "inconclusive"),  # high == threshold: straddles
        (">", 0.9, "fail"),  # high == threshold fails a strict bound
        (">=", 0.95, "fail"),
        ("<=", 0.9, "pass"),  # high == threshold passes
        ("<", 0.9, "inconclusive"),
        ("<=", 0.8, "inconclusive"),
        ("<", 0.8, "fail"),  # low == threshold fails a strict upper bound
        ("<=", 0.7, "fail"),
        ("<", 0.95, "pass"),
    ],
)
def test_boundaries_of_each_operator(op: str, threshold: float, expected: str) -> None:
    assert outcome(op, threshold, 0.8, 0.9) == expected


def test_undefined_interval_is_inconclusive() -> None:
    assert outcome(">=", 0.5, None, None) == "inconclusive"


def test_combine() -> None:
    assert combine(["pass", "pass"]) == "pass"
    assert combine(["pass", "inconclusive"]) == "inconclusive"
    assert combine(["pass", "fail", "inconclusive"]) == "fail"
    assert combine([]) == "inconclusive"


def test_verdict_uses_the_reported_interval_at_its_confidence() -> None:
    y = np.array([1] * 80 + [0] * 20)
    pred = np.array([1] * 72 + [0] * 8 + [0] * 20)  # accuracy 0.92
    r = evaluate_predictions(y, y_pred=pred, n_resamples=50)
    low = r.metrics["accuracy"]["low"]
    at_low = evaluate_predictions(
        y,
        y_pred=pred,
        n_resamples=50,
        criteria=[Criterion("accuracy", ">=", low), Criterion("accuracy", ">", low)],
    )
    assert [v["outcome"] for v in at_low.verdicts] == ["pass", "inconclusive"]
    loose = evaluate_predictions(
        y, y_pred=pred, n_resamples=50, criteria=[Criterion("accuracy", ">=", 0.85, 0.6)]
    )
    assert loose.verdicts[0]["low"] > low  # a 60% interval is narrower
    assert loose.verdicts[0]["level"] == 0.6


def _grouped(n_per: int = 400) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    group = np.repeat(["a", "b", "c"], n_per)
    y = rng.integers(0, 2, group.size)
    flip_rate = np.select([group == "a", group == "b"], [0.02, 0.05], 0.40)
    pred = np.where(rng.random(group.size) < flip_rate, 1 - y, y)
    return {"y": y, "pred": pred, "group": group}


def test_one_failing_group_fails_the_criterion() -> None:
    d = _grouped()
    crit = Criterion("accuracy", ">=", 0.9, group="site")
    r = evaluate_predictions(
        d["y"], y_pred=d["pred"], groups={"site": d["group"]}, criteria=[crit], n_resamples=50
    )
    combined, *rows = r.verdicts
    assert combined["scope"] == "combined" and combined["outcome"] == "fail"
    assert {v["group"]: v["outcome"] for v in rows} == {
        "site=a": "pass",
        "site=b": "pass",
        "site=c": "fail",
    }
    assert [v["n"] for v in rows] == [400, 400, 400]
    texts = [lim["text"] for lim in r.limitations if lim["kind"] == "criterion"]
    assert any("site=c" in t and "fail" in t for t in texts)


def test_straddling_interval_is_inconclusive() -> None:
    d = _grouped(60)
    r = evaluate_predictions(
        d["y"][:60],
        y_pred=d["pred"][:60],
        criteria=[Criterion("accuracy", ">=", 0.97)],
        n_resamples=50,
    )
    v = r.verdicts[0]
    assert v["low"] < 0.97 < v["high"] and v["outcome"] == "inconclusive"
    assert r.verdict_summary() == {"pass": 0, "fail": 0, "inconclusive": 1}


def test_unknown_metric_for_task_lists_the_metrics() -> None:
    with pytest.raises(InvalidValueError, match=r"not computed for task 'binary'.*accuracy"):
        evaluate_predictions([0, 1], y_pred=[0, 1], criteria=[Criterion("rmse", "<", 1)])
    with pytest.raises(InvalidValueError, match="pass y_score="):
        evaluate_predictions([0, 1], y_pred=[0, 1], criteria=[Criterion("roc_auc", ">", 0.5)])
    with pytest.raises(InvalidValueError, match=r"not a group column.*'site'"):
        evaluate_predictions(
            [0, 1],
            y_pred=[0, 1],
            groups={"site": ["a", "b"]},
            criteria=[Criterion("accuracy", ">", 0.5, group="sex")],
        )


def test_criterion_validation_and_round_trip() -> None:
    c = Criterion("recall", ">=", 0.8, confidence=0.9, group="sex")
    assert Criterion.from_dict(c.to_dict()) == c
    assert c.describe() == "recall >= 0.8 in every sex group (90%)"
    with pytest.raises(InvalidValueError, match="use one of >=, >, <=, <"):
        Criterion("recall", "=>", 0.8)
    with pytest.raises(InvalidValueError, match=r"unknown metric 'auc'.*roc_auc"):
        Criterion("auc", ">=", 0.8)
    with pytest.raises(InvalidValueError, match=r"between 0\.5 and 1"):
        Criterion("recall", ">=", 0.8, confidence=95)
    with pytest.raises(InvalidValueError, match="finite"):
        Criterion("recall", ">=", float("nan"))
    with pytest.raises(InvalidValueError, match="missing keys \\['threshold'\\]"):
        Criterion.from_dict({"metric": "recall", "op": ">="})
    with pytest.raises(InvalidValueError, match="unknown keys \\['level'\\]"):
        Criterion.from_dict({"metric": "recall", "op": ">=", "threshold": 1, "level": 2})


def test_criteria_may_be_dicts() -> None:
    r = evaluate_predictions(
        [0, 1] * 30,
        y_pred=[0, 1] * 30,
        criteria=[{"metric": "accuracy", "op": ">=", "threshold": 0.5}],  # type: ignore[list-item]
        n_resamples=20,
    )
    assert r.verdicts[0]["outcome"] == "pass"


def test_criterion_on_an_intersection() -> None:
    d = _grouped()
    half = np.where(np.arange(d["y"].size) % 2 == 0, "even", "odd")
    r = evaluate_predictions(
        d["y"],
        y_pred=d["pred"],
        groups={"site": d["group"], "half": half},
        criteria=[Criterion("accuracy", ">=", 0.85, group="site & half")],
        n_resamples=50,
    )
    combined, *rows = r.verdicts
    assert len(rows) == 6 and combined["outcome"] == "fail"
    assert {v["group"] for v in rows if v["outcome"] == "fail"} == {
        "site=c & half=even",
        "site=c & half=odd",
    }
