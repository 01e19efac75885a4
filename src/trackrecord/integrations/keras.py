"""A Keras 3 callback that records ``model.fit``: optimizer, summary, metrics, the model.

Example:
    >>> import trackrecord
    >>> from trackrecord.integrations.keras import TrackRecordCallback
    >>> with trackrecord.init("iris"):  # doctest: +SKIP
    ...     model.fit(x, y, epochs=10, validation_split=0.2,
    ...               callbacks=[TrackRecordCallback()])

It logs:

* at the start of training, the text artifact ``model_summary.txt`` (``model.summary()``)
  and the params ``model.class``, ``model.parameters``, ``model.trainable_parameters``,
  ``optimizer.class`` and ``optimizer.<key>`` of the optimizer's ``get_config()``
  (``learning_rate``, ``beta_1``, ``weight_decay`` ...; unset ones left out);
* after every epoch, each metric of ``logs`` at step = the epoch (0-based): training
  metrics under their own name (``loss``, ``accuracy``), validation metrics
  ``val_<name>`` as ``val/<name>``;
* with ``log_batches``, after every training batch the same metrics as
  ``batch/<name>`` at step = the batch count since training began;
* at the end, when ``log_model``, the model saved with ``model.save`` to
  ``model.keras`` and stored as the model ``model`` (flavor ``directory``); load it
  back with ``keras.saving.load_model(trackrecord.load_model("runs:/RUN_ID/model"))``
  (the directory flavor loads as the path of the stored ``model.keras``).

With ``run=None`` it logs to the active run, or starts a run named ``keras`` at the
start of training and finishes it at the end.

Keras picks its backend when first imported: set ``KERAS_BACKEND`` (``torch``,
``jax`` or ``tensorflow``) before importing this module.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._boosting import RunHolder
from trackrecord.integrations._safe import ItemLogger, json_value
from trackrecord.models.flavors._flavor import require

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["TrackRecordCallback", "epoch_metrics", "model_params", "optimizer_params"]

_keras = require("keras", "keras", "trackrecord.integrations.keras")
_Callback: Any = _keras.callbacks.Callback


class TrackRecordCallback(_Callback):  # type: ignore[misc]
    """Log the optimizer config, the model summary, per-epoch metrics and the model.

    Args:
        run: the run to log to (default: the active run, else a new one).
        log_batches: also log the metrics after every training batch (``batch/<name>``).
        log_model: store the trained model (a ``.keras`` file) as the model ``model``.
    """

    def __init__(
        self, run: Run | None = None, log_batches: bool = False, log_model: bool = True
    ) -> None:
        super().__init__()
        self.log_batches = log_batches
        self.log_model = log_model
        self._items = ItemLogger("keras callback")
        self._holder = RunHolder(run, self._items, "keras")
        self._batches = 0

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        run = self._holder.open()
        self._batches = 0
        if run is None:
            return
        model = self.model
        self._items.attempt(
            "model_summary.txt", lambda: run.log_text("model_summary.txt", summary_text(model))
        )
        self._items.attempt("model params", lambda: run.log_params(model_params(model)))
        if getattr(model, "optimizer", None) is not None:
            self._items.attempt(
                "optimizer params", lambda: run.log_params(optimizer_params(model.optimizer))
            )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        run = self._holder.run
        if run is not None and logs:
            self._items.attempt("epoch metrics", lambda: run.log(epoch_metrics(logs), step=epoch))

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        run = self._holder.run
        if run is None or not self.log_batches:
            return
        step, self._batches = self._batches, self._batches + 1
        if logs:
            values = {f"batch/{k}": v for k, v in epoch_metrics(logs).items()}
            self._items.attempt("batch metrics", lambda: run.log(values, step=step))

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        run = self._holder.run
        if run is not None and self.log_model:
            self._items.attempt("the model", lambda: save_model(run, self.model))
        self._holder.close()


def summary_text(model: Any) -> str:
    """``model.summary()`` as plain text."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(str(line)))
    return "\n".join(lines)


def model_params(model: Any) -> dict[str, Any]:
    """The model's class and its parameter counts (all, and trainable)."""
    trainable = sum(int(_size(w.shape)) for w in model.trainable_weights)
    return {"model": {
        "class": type(model).__name__,
        "parameters": int(model.count_params()),
        "trainable_parameters": trainable,
    }}  # fmt: skip


def optimizer_params(optimizer: Any) -> dict[str, Any]:
    """The optimizer's class and its ``get_config()`` (``learning_rate``, ``beta_1`` ...)."""
    with _quiet_numpy_copy():
        config = optimizer.get_config()
    settings = {k: json_value(v) for k, v in config.items() if v is not None}
    settings["class"] = type(optimizer).__name__
    return {"optimizer": settings}


def epoch_metrics(logs: Mapping[str, Any]) -> dict[str, float]:
    """``logs`` as metrics: ``val_<name>`` becomes ``val/<name>``, numbers as floats."""
    metrics: dict[str, float] = {}
    for key, value in logs.items():
        name = f"val/{key[4:]}" if key.startswith("val_") else key
        metrics[name] = float(value)
    return metrics


def save_model(run: Run, model: Any) -> None:
    """Save *model* to ``model.keras`` and store it as the model ``model``."""
    with tempfile.TemporaryDirectory(prefix="trackrecord-keras-") as folder:
        path = Path(folder) / "model.keras"
        with _quiet_numpy_copy():
            model.save(path)
        run.log_model(path, "model", flavor="directory")


def _size(shape: Any) -> int:
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


@contextmanager
def _quiet_numpy_copy() -> Iterator[None]:
    """Keras reads a variable with ``np.array(variable)``, which numpy 2 flags with a
    DeprecationWarning on the torch backend; the tracker should not surface it."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "__array__ implementation doesn't accept a copy keyword", DeprecationWarning
        )
        yield
