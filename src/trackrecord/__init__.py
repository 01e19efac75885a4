"""TrackRecord: an experiment tracker whose record of every run is tamper-evident.

Log from training code::

    import trackrecord

    with trackrecord.init("mnist", config={"lr": 0.01}) as run:
        for step in range(100):
            run.log({"loss": 1.0 / (step + 1)})

Read back::

    api = trackrecord.Api()
    api.metric_history(run.id, "loss").values

Heavy modules (numpy, the store) load on first use, so ``import trackrecord``
stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackrecord.errors import (
    ChainConflictError,
    ConfigurationError,
    InvalidValueError,
    MissingDependencyError,
    NotFoundError,
    RunLockedError,
    StoreError,
    TrackRecordError,
    TrackRecordWarning,
)

if TYPE_CHECKING:
    from trackrecord.api import Api, load_model
    from trackrecord.capture import Capture
    from trackrecord.compliance.verify import VerifyResult
    from trackrecord.data.datasheet import Datasheet
    from trackrecord.evaluation import Criterion
    from trackrecord.sdk.active import finish, log, log_params, set_tags
    from trackrecord.sdk.evaluate import criteria, evaluate
    from trackrecord.sdk.init import init
    from trackrecord.sdk.run import Run

__version__ = "0.1.0"

__all__ = [
    "Api",
    "Capture",
    "ChainConflictError",
    "ConfigurationError",
    "Criterion",
    "Datasheet",
    "InvalidValueError",
    "MissingDependencyError",
    "NotFoundError",
    "Run",
    "RunLockedError",
    "StoreError",
    "TrackRecordError",
    "TrackRecordWarning",
    "VerifyResult",
    "__version__",
    "criteria",
    "evaluate",
    "finish",
    "init",
    "load_model",
    "log",
    "log_params",
    "set_tags",
]

_LAZY = {
    "Api": "trackrecord.api",
    "Capture": "trackrecord.capture",
    "Criterion": "trackrecord.evaluation",
    "Datasheet": "trackrecord.data.datasheet",
    "criteria": "trackrecord.sdk.evaluate",
    "evaluate": "trackrecord.sdk.evaluate",
    "load_model": "trackrecord.api",
    "VerifyResult": "trackrecord.compliance.verify",
    "Run": "trackrecord.sdk.run",
    "init": "trackrecord.sdk.init",
    "finish": "trackrecord.sdk.active",
    "log": "trackrecord.sdk.active",
    "log_params": "trackrecord.sdk.active",
    "set_tags": "trackrecord.sdk.active",
}


_INTEGRATIONS = (
    "sklearn", "xgboost", "lightgbm", "pytorch", "optuna", "keras", "lightning", "transformers",
)  # fmt: skip
"""``trackrecord.sklearn.autolog()`` and the like: :mod:`trackrecord.integrations` modules."""


def __getattr__(name: str) -> Any:
    import importlib

    if name in _INTEGRATIONS:
        return importlib.import_module(f"trackrecord.integrations.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trackrecord' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
