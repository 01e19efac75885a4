"""Autologging for scikit-learn: every outermost ``fit`` is recorded.

Example:
    >>> import trackrecord
    >>> from trackrecord.integrations import sklearn as tr_sklearn
    >>> tr_sklearn.autolog()  # doctest: +SKIP
    >>> with trackrecord.init("iris"):  # doctest: +SKIP
    ...     LogisticRegression(max_iter=200).fit(X, y)

``autolog()`` replaces ``fit`` on every estimator class scikit-learn exports (found
with ``sklearn.utils.all_estimators``); subclasses that inherit or ``super()``-call
such a ``fit`` are covered too. Only the outermost call logs: the fits a
``Pipeline``, ``GridSearchCV`` or ensemble makes inside its own ``fit`` do not.

Inside an active run the fit logs there. With no active run, autolog starts a run
named after the estimator before ``fit`` and finishes it afterwards (``failed``
with the traceback when ``fit`` raises), as MLflow does.

What one fit logs:

* params: ``get_params()`` flattened: ``class``, ``C``, ...; a pipeline's steps as
  ``steps.<name>.class`` and ``steps.<name>.<param>``; a meta-estimator's inner one
  as ``estimator.<param>``;
* search CVs (``GridSearchCV``, ``RandomizedSearchCV``, ...): ``best.<param>``,
  the metrics ``best_score`` and ``best_index``, and ``cv_results_`` as the table
  ``cv_results`` (Parquet, or CSV without pyarrow);
* the metric ``training_score``: ``estimator.score`` on the training data, where the
  estimator has a ``score`` method (and ``log_training_score``);
* the model as ``model`` (flavor ``sklearn``; ``model-2``, ``model-3`` ... for later
  fits in the same run), when ``log_models``;
* the training data as the dataset ``training_data`` (role ``train``), ``(X, y)``
  or ``X`` alone, when ``log_datasets``.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._safe import ItemLogger, active_run, json_value, start_run

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["autolog"]


class _Settings:
    log_models = True
    log_datasets = True
    log_training_score = True


_settings = _Settings()
_items = ItemLogger("sklearn autolog")
_patched: dict[type, Callable[..., Any]] = {}
_depth = threading.local()
_models_per_run: dict[str, int] = {}


def autolog(
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    log_training_score: bool = True,
) -> None:
    """Record every outermost scikit-learn ``fit`` (see the module docstring for what).

    Args:
        log_models: store each fitted estimator with ``run.log_model``.
        log_datasets: record the training data (its SHA-256 digest and shape) with
            ``run.log_dataset``; hashing reads all of it once.
        disable: put the original ``fit`` methods back.
        log_training_score: log ``training_score``; it predicts on all the training
            data once, often the largest part of autolog's cost.

    Calling it again changes the settings; it never patches a class twice.
    """
    _settings.log_models, _settings.log_datasets = log_models, log_datasets
    _settings.log_training_score = log_training_score
    _items.failed.clear()
    if disable:
        for cls, original in _patched.items():
            cls.fit = original  # type: ignore[attr-defined]
        _patched.clear()
        return
    for cls in _estimator_classes():
        if cls not in _patched:
            _patched[cls] = vars(cls)["fit"]
            cls.fit = _wrap(vars(cls)["fit"])  # type: ignore[attr-defined]


def _estimator_classes() -> list[type]:
    """Every class that defines ``fit`` among scikit-learn's estimators and their bases
    (``BaseSearchCV`` is not exported, yet ``GridSearchCV.fit`` is its ``fit``)."""
    utils = importlib.import_module("sklearn.utils")  # untyped: kept as Any
    classes = {base for _, cls in utils.all_estimators() for base in cls.__mro__}
    return sorted((c for c in classes if "fit" in vars(c)), key=lambda c: c.__qualname__)


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_depth, "value", 0) or not _patched:
            return original(self, *args, **kwargs)
        _depth.value = 1
        try:
            return _logged_fit(original, self, args, kwargs)
        finally:
            _depth.value = 0

    return fit


def _logged_fit(
    original: Callable[..., Any], estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    run = active_run()
    owned = run is None
    if run is None:
        run = _items.attempt(
            "the run (trackrecord.init)", lambda: start_run(type(estimator).__name__)
        )
    if run is None:
        return original(estimator, *args, **kwargs)
    try:
        result = original(estimator, *args, **kwargs)
    except BaseException as exc:
        if owned:
            _finish(run, exc)
        raise
    X = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    log_fit(run, estimator, X, y)
    if owned:
        _finish(run, None)
    return result


def _finish(run: Run, error: BaseException | None) -> None:
    from trackrecord.sdk.ending import end_status

    _items.attempt("the run's end", lambda: run.finish(end_status(error), error))


def log_fit(run: Run, estimator: Any, X: Any, y: Any) -> None:
    """Log what one fit of *estimator* on ``(X, y)`` produced to *run*, item by item."""
    _items.attempt("params", lambda: run.log_params(estimator_params(estimator)))
    if hasattr(estimator, "cv_results_"):
        _log_search(run, estimator)
    if _settings.log_training_score and X is not None and hasattr(estimator, "score"):
        _items.attempt("training_score", lambda: _log_score(run, estimator, X, y))
    if _settings.log_models:
        _items.attempt("the model", lambda: run.log_model(estimator, _model_name(run.id)))
    if _settings.log_datasets and X is not None:
        data = X if y is None else (X, y)
        _items.attempt("the dataset", lambda: run.log_dataset(data, "training_data", role="train"))


def _log_score(run: Run, estimator: Any, X: Any, y: Any) -> None:
    score = estimator.score(X) if y is None else estimator.score(X, y)
    run.log({"training_score": float(score)})


def _model_name(run_id: str) -> str:
    count = _models_per_run.get(run_id, 0) + 1
    _models_per_run[run_id] = count
    return "model" if count == 1 else f"model-{count}"


def _log_search(run: Run, search: Any) -> None:
    if hasattr(search, "best_params_"):
        best = {
            f"best.{k.replace('__', '.')}": json_value(v) for k, v in search.best_params_.items()
        }
        _items.attempt("best params", lambda: run.log_params(best))
    if hasattr(search, "best_score_"):
        metrics = {"best_score": float(search.best_score_), "best_index": int(search.best_index_)}
        _items.attempt("best_score", lambda: run.log(metrics))
    _items.attempt("cv_results", lambda: run.log_table("cv_results", cv_rows(search.cv_results_)))


def estimator_params(estimator: Any, prefix: str = "") -> dict[str, Any]:
    """``get_params()`` as flat keys: ``class``, ``C``, ``steps.<name>.<param>``, ..."""
    params: dict[str, Any] = {f"{prefix}class": type(estimator).__name__}
    for key, value in estimator.get_params(deep=False).items():
        if _is_named_list(value):
            for name, inner, *_ in value:
                params.update(_inner_params(inner, f"{prefix}{key}.{name}"))
        elif _is_estimator(value):
            params.update(_inner_params(value, f"{prefix}{key}"))
        else:
            params[f"{prefix}{key}"] = json_value(value)
    return params


def _inner_params(inner: Any, path: str) -> dict[str, Any]:
    if _is_estimator(inner):
        return estimator_params(inner, f"{path}.")
    return {path: json_value(inner)}  # "passthrough", "drop" or None


def _is_estimator(value: Any) -> bool:
    return hasattr(value, "get_params") and not isinstance(value, type)


def _is_named_list(value: Any) -> bool:
    """A pipeline's ``steps`` or a column transformer's ``transformers``: (name, est, ...)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, tuple) and len(v) >= 2 and isinstance(v[0], str) for v in value)
    )


def cv_rows(cv_results: dict[str, Any]) -> list[dict[str, Any]]:
    """``cv_results_`` as rows; the ``params`` column is left out (``param_*`` hold it)."""
    columns = {k: _column(v) for k, v in cv_results.items() if k != "params"}
    count = len(next(iter(columns.values()), []))
    return [{k: values[i] for k, values in columns.items()} for i in range(count)]


def _column(values: Any) -> list[Any]:
    mask = getattr(values, "mask", None)
    cells = [None if mask is not None and mask is not False and mask[i] else json_value(v)
             for i, v in enumerate(getattr(values, "data", values))]  # fmt: skip
    kinds = {type(c) for c in cells if c is not None}
    if len(kinds) > 1:  # one Parquet type per column
        cast: Any = float if kinds <= {int, float} else str
        cells = [None if c is None else cast(c) for c in cells]
    return cells
