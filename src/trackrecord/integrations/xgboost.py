"""An XGBoost training callback that records the run as it trains.

Example:
    >>> import trackrecord, xgboost
    >>> from trackrecord.integrations.xgboost import TrackRecordCallback
    >>> with trackrecord.init("churn"):  # doctest: +SKIP
    ...     xgboost.train(params, dtrain, 200, evals=[(dvalid, "valid")],
    ...                   callbacks=[TrackRecordCallback()])

It works with ``xgboost.train`` and the scikit-learn API
(``XGBClassifier(callbacks=[TrackRecordCallback()])``). It logs:

* params at the start, from the booster's configuration (``eta``, ``max_depth``,
  ``objective``, ...; numbers as numbers);
* after every iteration, each eval set's metrics as ``<set>/<metric>`` (``valid/logloss``)
  at step = the iteration; under ``xgboost.cv`` the mean, and the spread as
  ``<set>/<metric>_std``;
* at the end: the table ``feature_importance`` (of ``importance_type``), the metrics
  ``best_iteration`` and ``best_score`` when early stopping set them, and the booster
  as the model ``model`` (flavor ``xgboost``) when ``log_model``.

With ``run=None`` it logs to the active run, or starts a run named ``xgboost`` at
the start of training and finishes it at the end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._boosting import RunHolder, importance_rows
from trackrecord.integrations._safe import ItemLogger
from trackrecord.models.flavors._flavor import require

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["TrackRecordCallback", "booster_params"]

_xgboost = require("xgboost", "xgboost", "trackrecord.integrations.xgboost")
_TrainingCallback: Any = _xgboost.callback.TrainingCallback


class TrackRecordCallback(_TrainingCallback):  # type: ignore[misc]
    """Log params, per-iteration eval metrics, importances and the model of a training.

    Args:
        run: the run to log to (default: the active run, else a new one).
        log_model: store the trained booster as the model ``model``.
        importance_type: ``gain`` (default), ``weight``, ``cover``, ``total_gain`` or
            ``total_cover``, as ``Booster.get_score`` takes.
    """

    def __init__(
        self, run: Run | None = None, log_model: bool = True, importance_type: str = "gain"
    ) -> None:
        super().__init__()
        self.log_model = log_model
        self.importance_type = importance_type
        self._items = ItemLogger("xgboost callback")
        self._holder = RunHolder(run, self._items, "xgboost")

    def before_training(self, model: Any) -> Any:
        run = self._holder.open()
        if run is not None and not isinstance(model, Mapping):  # xgboost.cv passes a dict
            self._items.attempt("params", lambda: run.log_params(booster_params(model)))
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: Mapping[str, Any]) -> bool:
        run = self._holder.run
        if run is not None and evals_log:
            self._items.attempt("eval metrics", lambda: run.log(latest(evals_log), step=epoch))
        return False  # never stop training

    def after_training(self, model: Any) -> Any:
        run = self._holder.run
        if run is not None and not isinstance(model, Mapping):
            self._log_end(run, model)
        self._holder.close()
        return model

    def _log_end(self, run: Run, booster: Any) -> None:
        kind = self.importance_type
        self._items.attempt("feature_importance", lambda: run.log_table(
            "feature_importance", importance_rows(booster.get_score(importance_type=kind))
        ))  # fmt: skip
        if booster.attr("best_iteration") is not None:
            best = {"best_iteration": int(booster.best_iteration),
                    "best_score": float(booster.best_score)}  # fmt: skip
            self._items.attempt("best_iteration", lambda: run.log(best))
        if self.log_model:
            self._items.attempt("the model", lambda: run.log_model(booster, "model"))


def latest(evals_log: Mapping[str, Mapping[str, list[Any]]]) -> dict[str, float]:
    """The last value of each ``<set>/<metric>``; a ``(mean, std)`` pair (``xgboost.cv``)
    gives ``<set>/<metric>`` and ``<set>/<metric>_std``."""
    metrics: dict[str, float] = {}
    for data, results in evals_log.items():
        for name, history in results.items():
            value = history[-1]
            if isinstance(value, tuple):
                metrics[f"{data}/{name}_std"] = float(value[1])
                value = value[0]
            metrics[f"{data}/{name}"] = float(value)
    return metrics


def booster_params(booster: Any) -> dict[str, Any]:
    """The training parameters in a booster's configuration, numbers as numbers.

    Every ``*_param`` section of ``Booster.save_config()`` is merged (the first
    section to name a parameter wins), as well as the objective's name.
    """
    config = json.loads(booster.save_config())
    params: dict[str, Any] = {}
    _collect(config, params)
    objective = config.get("learner", {}).get("objective", {}).get("name")
    if objective:
        params["objective"] = objective
    return params


def _collect(section: Mapping[str, Any], params: dict[str, Any]) -> None:
    for key, value in section.items():
        if isinstance(value, Mapping):
            if key.endswith("_param"):
                for name, raw in value.items():
                    if not isinstance(raw, Mapping):
                        params.setdefault(name, _number(raw))
            else:
                _collect(value, params)


def _number(text: Any) -> Any:
    """``"6"`` → 6, ``"0.300000012"`` → 0.3 (XGBoost stores float32); other text kept."""
    if not isinstance(text, str):
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(f"{float(text):.7g}")
    except ValueError:
        return text
