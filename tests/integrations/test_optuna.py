"""The Optuna callback with a real study: a child run per trial, the best on the study run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

optuna = pytest.importorskip("optuna")

import trackrecord  # noqa: E402
from trackrecord.integrations.optuna import TrackRecordCallback  # noqa: E402
from trackrecord.sdk.run import Run  # noqa: E402


def _objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    for step in range(3):
        trial.report(x * step, step)
    if x > 4.0:
        raise optuna.TrialPruned()
    return (x - 1.0) ** 2 + (0.5 if kind == "b" else 0.0)


def _study(trials: int, callback: TrackRecordCallback) -> Any:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(_objective, n_trials=trials, callbacks=[callback])
    return study


def test_each_trial_is_a_child_run_and_the_study_run_holds_the_best(tmp_path: Path) -> None:
    with trackrecord.init("tune", dir=tmp_path, capture=False) as run:
        study = _study(6, TrackRecordCallback())
    api = trackrecord.Api(dir=tmp_path)
    children = {r.name: r for r in api.runs("tune") if r.parent == run.id}
    assert len(children) == 6
    for trial in study.trials:
        child = children[f"trial-{trial.number}"]
        assert child.status == "finished" and child.tags["state"] == trial.state.name
        assert (
            child.params["x"] == trial.params["x"] and child.params["kind"] == trial.params["kind"]
        )
        assert api.metric_history(child.id, "intermediate_value").values.tolist() == [
            trial.intermediate_values[s] for s in range(3)
        ]
        if trial.value is not None:
            assert child.summaries["value"].last == pytest.approx(trial.value)
    record = api.run(run.id)
    assert record.params["best_trial"] == study.best_trial.number
    assert record.params["best.x"] == study.best_params["x"]
    assert record.summaries["best_value"].last == pytest.approx(study.best_value)
    assert record.tags["direction"] == "minimize"


def test_a_failing_item_warns_once_and_the_rest_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(Run, "log_params", broken)
    with (
        trackrecord.init("tune", dir=tmp_path, capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match=r"OSError: disk full") as seen,
    ):
        study = _study(4, TrackRecordCallback())
    failed = sorted(str(w.message).split("could not log ")[1].split(" (")[0] for w in seen)
    assert failed == ["the best trial", "the trial runs"]  # once each, not once per trial
    record = trackrecord.Api(dir=tmp_path).run(run.id)
    assert record.summaries["value"].count == sum(t.value is not None for t in study.trials)
    assert record.summaries["best_value"].last == pytest.approx(study.best_value)
