"""TrackRecordCallback on a real Keras 3 fit (torch backend): config, metrics, the model."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

from pathlib import Path
from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.datasets import load_iris  # noqa: E402

import trackrecord  # noqa: E402
from trackrecord.integrations.keras import TrackRecordCallback  # noqa: E402
from trackrecord.sdk.run import Run  # noqa: E402

# Keras reads a torch-backed variable with np.array(variable), which numpy 2 flags.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _fit(epochs: int = 3, **options: Any) -> tuple[Any, Any, np.ndarray]:
    keras.utils.set_random_seed(0)
    X, y = load_iris(return_X_y=True)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype("float32")
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    history = model.fit(X, y, epochs=epochs, batch_size=32, validation_split=0.2, verbose=0,
                        shuffle=True, callbacks=[TrackRecordCallback(**options)])  # fmt: skip
    return model, history, X


def test_params_metrics_and_the_model(tmp_path: Path) -> None:
    with trackrecord.init("k", dir=tmp_path, capture=False) as run:
        model, history, X = _fit(3, log_batches=True)
    api = trackrecord.Api(dir=tmp_path)
    params = api.params(run.id)
    assert params["model.class"] == "Sequential"
    assert params["model.parameters"] == 4 * 8 + 8 + 8 * 3 + 3
    assert params["model.trainable_parameters"] == 4 * 8 + 8 + 8 * 3 + 3
    assert params["optimizer.class"] == "Adam"
    assert params["optimizer.learning_rate"] == pytest.approx(0.01)
    assert params["optimizer.beta_1"] == pytest.approx(0.9)
    for key, values in history.history.items():
        name = f"val/{key[4:]}" if key.startswith("val_") else key
        series = api.metric_history(run.id, name)
        assert series.steps.tolist() == [0, 1, 2]
        assert series.values.tolist() == pytest.approx(values)
    batches = api.metric_history(run.id, "batch/loss")
    assert batches.steps.tolist() == list(range(3 * 4))  # 120 training rows, 32 a batch
    with api.open_artifact(run.id, "model_summary.txt") as summary:
        assert "dense" in summary.read().decode()
    path = trackrecord.load_model(f"runs:/{run.id}/model", tmp_path / "loaded", dir=tmp_path)
    assert Path(path).name == "model.keras"
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_a_failing_item_warns_once_and_the_rest_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("read-only store")

    monkeypatch.setattr(Run, "log_text", broken)
    with (
        trackrecord.init("k", dir=tmp_path, capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match="model_summary.txt") as seen,
    ):
        _fit(2, log_model=False)
    assert len([w for w in seen if w.category is trackrecord.TrackRecordWarning]) == 1
    assert trackrecord.Api(dir=tmp_path).run(run.id).summaries["loss"].count == 2


def test_without_a_run_the_callback_starts_one_and_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path))
    _fit(1, log_model=False)
    with trackrecord.Api(dir=tmp_path) as api:
        (run,) = api.runs()
        assert run.status == "finished" and run.name == "keras"
