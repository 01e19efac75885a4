"""A LightGBM callback that records the run as it trains.

Example:
    >>> import trackrecord, lightgbm
    >>> from trackrecord.integrations.lightgbm import callback
    >>> with trackrecord.init("churn"):  # doctest: +SKIP
    ...     logger = callback()
    ...     booster = lightgbm.train(params, train_set, 200, valid_sets=[valid_set],
    ...                              callbacks=[logger, lightgbm.early_stopping(10)])
    ...     logger.finish(booster)

It works with ``lightgbm.train`` and the scikit-learn API (``fit(..., callbacks=[...])``).
It logs:

* params at the first iteration (``env.params``: what LightGBM trains with);
* after every iteration, each validation set's metrics as ``<set>/<metric>``
  (``valid_0/binary_logloss``) at step = the iteration; under ``lightgbm.cv`` the mean,
  and the spread as ``<set>/<metric>_std``;
* at the end: the table ``feature_importance`` (of ``importance_type``), the metric
  ``best_iteration`` and ``best/<set>/<metric>`` when early stopping set them, and the
  booster as the model ``model`` (flavor ``lightgbm``) when ``log_model``.

The end: a LightGBM callback does not see training end when early stopping cuts it
short, so call ``finish(booster)`` on the booster ``train`` returned (for the
scikit-learn API, ``finish(model.booster_)``). Without early stopping the last
iteration logs the end by itself and ``finish`` then does nothing more.

With ``run=None`` it logs to the active run, or starts a run named ``lightgbm`` at
the first iteration and finishes it at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackrecord.integrations._boosting import RunHolder, importance_rows
from trackrecord.integrations._safe import ItemLogger, json_value

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["LightGBMCallback", "callback"]


def callback(
    run: Run | None = None, log_model: bool = True, importance_type: str = "gain"
) -> LightGBMCallback:
    """A callback for ``lightgbm.train(callbacks=[...])`` that logs to *run*.

    Args:
        run: the run to log to (default: the active run, else a new one).
        log_model: store the trained booster as the model ``model``.
        importance_type: ``gain`` (default) or ``split``, as ``Booster.feature_importance``
            takes.
    """
    return LightGBMCallback(run, log_model, importance_type)


class LightGBMCallback:
    """Made by :func:`callback`; LightGBM calls it after every iteration."""

    # after record_evaluation (20), before early_stopping (30): the iteration that
    # triggers early stopping is still logged
    order = 25
    before_iteration = False

    def __init__(self, run: Run | None, log_model: bool, importance_type: str) -> None:
        self.log_model = log_model
        self.importance_type = importance_type
        self._items = ItemLogger("lightgbm callback")
        self._holder = RunHolder(run, self._items, "lightgbm")
        self._ended = False

    def __call__(self, env: Any) -> None:
        if env.iteration == env.begin_iteration:
            self._ended = False
            opened = self._holder.open()
            params = {k: json_value(v) for k, v in env.params.items()}
            if opened is not None:
                self._items.attempt("params", lambda: opened.log_params(params))
        run = self._holder.run
        if run is not None and env.evaluation_result_list:
            metrics = latest(env.evaluation_result_list)
            self._items.attempt("eval metrics", lambda: run.log(metrics, step=env.iteration))
        if env.iteration == env.end_iteration - 1 and hasattr(env.model, "feature_importance"):
            self.finish(env.model)

    def finish(self, booster: Any) -> None:
        """Log the end of training (importances, best iteration, the model) once."""
        run = self._holder.run
        if run is None or self._ended:
            return
        self._ended = True
        kind = self.importance_type
        self._items.attempt("feature_importance", lambda: run.log_table(
            "feature_importance", importance_rows(dict(zip(
                booster.feature_name(), booster.feature_importance(importance_type=kind),
                strict=True,
            )))
        ))  # fmt: skip
        if booster.best_iteration > 0:
            self._items.attempt("best_iteration", lambda: run.log(best_metrics(booster)))
        if self.log_model:
            self._items.attempt("the model", lambda: run.log_model(booster, "model"))
        self._holder.close()


def latest(results: list[tuple[Any, ...]]) -> dict[str, float]:
    """``evaluation_result_list`` as ``{"<set>/<metric>": value}``; the 5-tuples of
    ``lightgbm.cv`` also give ``<set>/<metric>_std``."""
    metrics: dict[str, float] = {}
    for entry in results:
        data, name, value = entry[0], entry[1], entry[2]
        metrics[f"{data}/{name}"] = float(value)
        if len(entry) == 5:
            metrics[f"{data}/{name}_std"] = float(entry[4])
    return metrics


def best_metrics(booster: Any) -> dict[str, float]:
    """``best_iteration`` and ``best/<set>/<metric>`` from an early-stopped booster."""
    metrics = {"best_iteration": float(booster.best_iteration)}
    for data, scores in booster.best_score.items():
        for name, value in scores.items():
            metrics[f"best/{data}/{name}"] = float(value)
    return metrics
