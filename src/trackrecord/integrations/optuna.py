"""An Optuna study callback: each trial becomes a child run of the study's run.

Example:
    >>> import optuna, trackrecord
    >>> from trackrecord.integrations.optuna import TrackRecordCallback
    >>> with trackrecord.init("tuning", name="study") as study_run:  # doctest: +SKIP
    ...     study = optuna.create_study(direction="maximize")
    ...     study.optimize(objective, n_trials=20, callbacks=[TrackRecordCallback()])

After each finished trial (Optuna calls the callback then) it records:

* a child run ``trial-<number>`` of the study run (same project and store), holding
  the trial's params, its ``value`` (``values/<i>`` for several objectives), its
  reported intermediate values as ``intermediate_value`` at their steps, its
  ``duration_s``, its user attributes as params ``user_attrs.<key>``, and the tags
  ``state`` (``COMPLETE``, ``PRUNED``, ``FAIL``) and ``trial`` (its number). It ends
  ``finished``, or ``failed`` for a failed trial;
* on the study run, at step = the trial number: ``value`` (or ``values/<i>``) and,
  for a single objective, ``best_value``; the params ``best.<param>`` and
  ``best_trial`` follow the best trial so far, and the tags ``study`` and
  ``direction`` name the study.

With ``study_run=None`` the study run is the active run, or a run named after the
study that the callback starts at the first trial; ``finish()`` ends that one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackrecord.integrations._safe import ItemLogger, active_run, json_value

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["TrackRecordCallback"]


class TrackRecordCallback:
    """Pass to ``study.optimize(..., callbacks=[TrackRecordCallback()])``.

    Args:
        study_run: the run that summarises the study (default: the active run, else
            a new one named after the study).
    """

    def __init__(self, study_run: Run | None = None) -> None:
        self.study_run = study_run
        self._items = ItemLogger("optuna callback")
        self._owned = False

    def __call__(self, study: Any, trial: Any) -> None:
        run = self._open(study)
        if run is None:
            return
        self._items.attempt("the trial runs", lambda: log_trial(run, trial))
        values = objective_values(trial)
        if values:
            self._items.attempt("the study's values", lambda: run.log(values, step=trial.number))
        if len(study.directions) == 1 and trial.state.name == "COMPLETE":
            self._items.attempt("the best trial", lambda: log_best(run, study.best_trial, trial))

    def finish(self) -> None:
        """End the study run when this callback started it."""
        run, self.study_run = self.study_run, None
        if run is not None and self._owned:
            self._items.attempt("the run's end", run.finish)
        self._owned = False

    def _open(self, study: Any) -> Run | None:
        if self.study_run is not None:
            return self.study_run
        run = active_run()
        if run is None:
            import trackrecord

            run = self._items.attempt("the study run (trackrecord.init)",
                                      lambda: trackrecord.init(name=study.study_name))  # fmt: skip
            self._owned = run is not None
        if run is not None:
            directions = ",".join(d.name.lower() for d in study.directions)
            tags = {"study": study.study_name, "direction": directions}
            self._items.attempt("the study tags", lambda: run.set_tags(tags))
        self.study_run = run
        return run


def log_trial(study_run: Run, trial: Any) -> None:
    """Record *trial* as a finished child run of *study_run*."""
    import trackrecord

    state = trial.state.name
    child = trackrecord.init(
        project=study_run.project, name=f"trial-{trial.number}", parent=study_run,
        dir=study_run.workspace.root, capture=False,
        tags={"state": state, "trial": str(trial.number)},
    )  # fmt: skip
    try:
        child.log_params({k: json_value(v) for k, v in trial.params.items()})
        if trial.user_attrs:
            child.log_params(
                {"user_attrs": {k: json_value(v) for k, v in trial.user_attrs.items()}}
            )
        for step, value in sorted(trial.intermediate_values.items()):
            child.log({"intermediate_value": value}, step=step)
        summary = objective_values(trial)
        if trial.duration is not None:
            summary["duration_s"] = trial.duration.total_seconds()
        if summary:
            child.log(summary)
    finally:
        child.finish("failed" if state == "FAIL" else "finished")


def log_best(study_run: Run, best: Any, trial: Any) -> None:
    """Log ``best_value`` at *trial*'s step, and ``best.<param>``, ``best_trial``."""
    study_run.log({"best_value": best.value}, step=trial.number)
    best_params = {f"best.{k}": json_value(v) for k, v in best.params.items()}
    study_run.log_params({**best_params, "best_trial": best.number})


def objective_values(trial: Any) -> dict[str, float]:
    """``{"value": v}``, or ``{"values/0": v0, ...}`` for several objectives."""
    if not trial.values:
        return {}
    if len(trial.values) == 1:
        return {"value": float(trial.values[0])}
    return {f"values/{i}": float(v) for i, v in enumerate(trial.values)}
