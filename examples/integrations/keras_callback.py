"""A Keras 3 model trained with TrackRecord's callback: optimizer, summary, metrics, model.

Iris classification with a small dense network on the torch backend. Run it with
``python examples/integrations/keras_callback.py``; it prints the run id.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is first imported

import keras
from sklearn.datasets import load_iris

import trackrecord
from trackrecord.integrations.keras import TrackRecordCallback


def main(store: str | os.PathLike[str] | None = None, epochs: int = 10) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    keras.utils.set_random_seed(0)
    X, y = load_iris(return_X_y=True)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype("float32")
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    with trackrecord.init("iris", name="keras-mlp", dir=store) as run:
        history = model.fit(X, y, epochs=epochs, validation_split=0.2, shuffle=True,
                            verbose=0, callbacks=[TrackRecordCallback()])  # fmt: skip
    loaded = keras.saving.load_model(trackrecord.load_model(f"runs:/{run.id}/model", dir=store))
    print(f"run {run.id}: val accuracy {history.history['val_accuracy'][-1]:.3f}, "
          f"reloaded {type(loaded).__name__}")  # fmt: skip
    return run.id


if __name__ == "__main__":
    main()
