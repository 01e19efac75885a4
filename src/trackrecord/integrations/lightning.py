"""A Lightning logger that records a ``Trainer`` run: hyperparameters, metrics, checkpoints.

Example:
    >>> import lightning
    >>> from trackrecord.integrations.lightning import TrackRecordLogger
    >>> trainer = lightning.Trainer(max_epochs=10, logger=TrackRecordLogger(project="mnist"))
    >>> trainer.fit(module, datamodule)  # doctest: +SKIP

It logs:

* the hyperparameters the module saved (``self.save_hyperparameters()``), and any
  passed to ``log_hyperparams``, as params (nested dicts flattened as ``a.b``);
* every metric ``self.log`` sends to the loggers, under its own name, at step =
  ``trainer.global_step`` (Lightning adds ``epoch``);
* with ``log_model``, each checkpoint file ``ModelCheckpoint`` saves, as the artifact
  ``checkpoints/<file name>``.

``experiment`` is the :class:`~trackrecord.sdk.run.Run`, ``version`` its id and
``name`` its project. With ``run=None`` it logs to the active run, or starts a run
named ``lightning`` (in *project*) when first used, and ends it as ``finished`` (or
``failed`` when training raised) when the trainer finalizes the logger. That run
ends after the first ``fit``/``test``: to log several of them to one run, pass it.
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._safe import ItemLogger, active_run, json_value
from trackrecord.models.flavors._flavor import require

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["TrackRecordLogger"]

_loggers = require("lightning.pytorch.loggers", "lightning", "trackrecord.integrations.lightning")
_utilities = require(
    "lightning.pytorch.utilities", "lightning", "trackrecord.integrations.lightning"
)
_fabric_logger = require(
    "lightning.fabric.utilities.logger", "lightning", "trackrecord.integrations.lightning"
)
_Logger: Any = _loggers.Logger
_rank_zero_only: Any = _utilities.rank_zero_only


class TrackRecordLogger(_Logger):  # type: ignore[misc]
    """A ``lightning.pytorch.loggers.Logger`` that writes to a TrackRecord run.

    Args:
        run: the run to log to (default: the active run, else a new one).
        project: the project of the run it starts (default: ``TRACKRECORD_PROJECT``).
        log_model: store each checkpoint file ``ModelCheckpoint`` saves as an artifact.
    """

    def __init__(
        self, run: Run | None = None, project: str | None = None, log_model: bool = True
    ) -> None:
        super().__init__()
        self.project = project
        self.log_model = log_model
        self._items = ItemLogger("lightning logger")
        self._run = run
        self._owned = False

    @property
    def experiment(self) -> Run | None:
        """The run: the one given, the active one, or one started now."""
        if self._run is None:
            self._run = active_run()
            if self._run is None:
                self._run = self._items.attempt("the run (trackrecord.init)", self._start)
                self._owned = self._run is not None
        return self._run

    def _start(self) -> Run:
        import trackrecord

        return trackrecord.init(self.project, name="lightning")

    @property
    def name(self) -> str:
        run = self.experiment
        return run.project if run is not None else (self.project or "trackrecord")

    @property
    def version(self) -> str:
        run = self.experiment
        return run.id if run is not None else "none"

    @_rank_zero_only  # type: ignore[untyped-decorator]
    def log_hyperparams(
        self, params: Mapping[str, Any] | Namespace, *args: Any, **kwargs: Any
    ) -> None:
        run = self.experiment
        if run is not None:
            self._items.attempt("hyperparameters", lambda: run.log_params(hyperparams(params)))

    @_rank_zero_only  # type: ignore[untyped-decorator]
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        run = self.experiment
        if run is not None and metrics:
            values = {k: _scalar(v) for k, v in metrics.items()}
            self._items.attempt("metrics", lambda: run.log(values, step=step))

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        run = self.experiment
        if run is None or not self.log_model:
            return
        path = getattr(checkpoint_callback, "_last_checkpoint_saved", "") or getattr(
            checkpoint_callback, "best_model_path", ""
        )
        if path:
            from pathlib import Path

            name = f"checkpoints/{Path(path).name}"
            self._items.attempt("checkpoint", lambda: run.log_artifact(path, name))

    @_rank_zero_only  # type: ignore[untyped-decorator]
    def finalize(self, status: str) -> None:
        run = self._run
        if run is None or not self._owned:
            return
        if status == "failed":
            self._items.attempt("the run's end", lambda: run.finish("failed"))
        else:
            self._items.attempt("the run's end", run.finish)


def hyperparams(params: Mapping[str, Any] | Namespace) -> dict[str, Any]:
    """Hyperparameters as params: a Namespace as a dict, callables by name, values as JSON."""
    converted = _fabric_logger._convert_params(params)
    converted = _fabric_logger._sanitize_callable_params(converted)
    return {str(k): json_value(v) for k, v in converted.items()}


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
