"""A small, real training run logged to TrackRecord (``make demo``).

A neural network with one hidden layer, written in plain numpy, learns to
separate two interleaved half-moons (2,000 points made with a fixed seed) by
mini-batch gradient descent. Everything it does is recorded in the embedded
store: the config, per-batch and per-epoch metrics, the final weights, a
confusion matrix and a picture of the decision boundary. Then it prints where
the record is and how to read it back.

Needs only numpy (installed with TrackRecord). Run it with::

    python examples/train.py            # or: make demo
    python examples/train.py --epochs 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

import trackrecord

Array = npt.NDArray[np.float64]
Params = dict[str, Array]

CONFIG: dict[str, Any] = {
    "data": {"name": "two-moons", "samples": 2000, "noise": 0.2, "val_fraction": 0.25, "seed": 0},
    "model": {"hidden": 16, "activation": "tanh"},
    "optimizer": {"name": "sgd", "lr": 0.5, "batch_size": 64},
    "epochs": 30,
}


def make_moons(samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two interleaved half-circles with Gaussian noise; labels 0 and 1."""
    half = samples // 2
    angle = rng.uniform(0.0, np.pi, samples)
    upper = np.column_stack([np.cos(angle[:half]), np.sin(angle[:half])])
    lower = np.column_stack([1.0 - np.cos(angle[half:]), 0.5 - np.sin(angle[half:])])
    x = np.vstack([upper, lower]) + rng.normal(0.0, noise, (samples, 2))
    y = np.concatenate([np.zeros(half), np.ones(samples - half)])
    order = rng.permutation(samples)
    return x[order], y[order]


def init_params(hidden: int, rng: np.random.Generator) -> Params:
    return {
        "w1": rng.normal(0.0, 1.0, (2, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, 1)),
        "b2": np.zeros(1),
    }


def forward(params: Params, x: Array) -> tuple[Array, Array]:
    """Hidden activations and the probability of class 1."""
    hidden = np.tanh(x @ params["w1"] + params["b1"])
    logits = (hidden @ params["w2"] + params["b2"])[:, 0]
    return hidden, 1.0 / (1.0 + np.exp(-logits))


def cross_entropy(prob: Array, y: Array) -> float:
    eps = 1e-12
    return float(-np.mean(y * np.log(prob + eps) + (1 - y) * np.log(1 - prob + eps)))


def gradients(params: Params, x: Array, y: Array) -> tuple[float, Params]:
    """The batch loss and its gradient with respect to each parameter."""
    hidden, prob = forward(params, x)
    d_logits = ((prob - y) / len(y))[:, None]
    d_hidden = (d_logits @ params["w2"].T) * (1.0 - hidden**2)
    grads = {
        "w2": hidden.T @ d_logits,
        "b2": d_logits.sum(axis=0),
        "w1": x.T @ d_hidden,
        "b1": d_hidden.sum(axis=0),
    }
    return cross_entropy(prob, y), grads


def evaluate(params: Params, x: Array, y: Array) -> tuple[float, float]:
    """Loss and accuracy on a whole split."""
    _, prob = forward(params, x)
    return cross_entropy(prob, y), float(np.mean((prob > 0.5) == (y == 1)))


def confusion_rows(params: Params, x: Array, y: Array) -> list[list[Any]]:
    """Rows of a 2x2 confusion matrix: actual class, then counts per predicted class."""
    predicted = (forward(params, x)[1] > 0.5).astype(int)
    actual = y.astype(int)
    return [
        [f"actual {a}", *(int(np.sum((actual == a) & (predicted == p))) for p in (0, 1))]
        for a in (0, 1)
    ]


def boundary_image(params: Params, x: Array, y: Array, size: int = 200) -> npt.NDArray[np.uint8]:
    """An RGB picture of the predicted class over the plane, with the points on top."""
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    xs = np.linspace(low[0], high[0], size)
    ys = np.linspace(high[1], low[1], size)  # image rows go down, y goes up
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    prob = forward(params, grid)[1].reshape(size, size, 1)
    blue, red = np.array([110.0, 150.0, 230.0]), np.array([235.0, 120.0, 100.0])
    image = (1 - prob) * blue + prob * red
    image = 0.55 * image + 0.45 * 255  # pale background, so the points stand out
    cols = np.clip(((x[:, 0] - low[0]) / (high[0] - low[0]) * (size - 1)).round(), 1, size - 2)
    rows = np.clip(((high[1] - x[:, 1]) / (high[1] - low[1]) * (size - 1)).round(), 1, size - 2)
    for row, col, label in zip(rows.astype(int), cols.astype(int), y, strict=True):
        image[row - 1 : row + 2, col - 1 : col + 2] = red * 0.7 if label else blue * 0.6
    return image.clip(0, 255).astype(np.uint8)


def train(run: trackrecord.Run, config: dict[str, Any]) -> tuple[Params, Array, Array]:
    """Train on the moons, logging as it goes; return the weights and the validation split."""
    data, model, optimizer = config["data"], config["model"], config["optimizer"]
    rng = np.random.default_rng(data["seed"])
    x, y = make_moons(data["samples"], data["noise"], rng)
    n_val = int(len(x) * data["val_fraction"])
    x_val, y_val, x_train, y_train = x[:n_val], y[:n_val], x[n_val:], y[n_val:]
    # the exact data, by the SHA-256 of its content: the same split is the same version
    run.log_dataset(
        (x_train, y_train),
        "two-moons",
        role="train",
        datasheet={
            "origin": "synthetic: make_moons() in this script",
            "preparation": [
                f"seed {data['seed']}, noise {data['noise']}",
                "first 25% of a shuffle kept for validation",
            ],
        },
    )
    run.log_dataset((x_val, y_val), "two-moons-val", role="validation")
    params = init_params(model["hidden"], rng)
    batch, step = optimizer["batch_size"], 0
    for epoch in range(1, config["epochs"] + 1):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            loss, grads = gradients(params, x_train[chosen], y_train[chosen])
            for name, grad in grads.items():
                params[name] -= optimizer["lr"] * grad
            run.log({"train/batch_loss": loss}, step=step)
            step += 1
        train_loss, train_acc = evaluate(params, x_train, y_train)
        val_loss, val_acc = evaluate(params, x_val, y_val)
        run.log(
            {
                "epoch": epoch,
                "train/loss": train_loss,
                "train/acc": train_acc,
                "val/loss": val_loss,
                "val/acc": val_acc,
            },
            step=step,
        )
    return params, x_val, y_val


def record_results(run: trackrecord.Run, params: Params, x_val: Array, y_val: Array) -> None:
    """Store the model (registered), a confusion matrix and the decision boundary with the run."""
    with tempfile.TemporaryDirectory() as scratch:
        weights = Path(scratch) / "weights.npz"
        np.savez(weights, **params)
        run.log_model(weights, "mlp", flavor="directory", register="two-moons-mlp")
    run.log_table(
        "eval/confusion_matrix",
        confusion_rows(params, x_val, y_val),
        columns=["actual", "predicted 0", "predicted 1"],
        format="csv",  # CSV needs no pyarrow
    )
    run.log_image("eval/decision_boundary", boundary_image(params, x_val, y_val))


def report(run: trackrecord.Run, seconds: float) -> None:
    """Print where the record is, what it says, and how to look at it."""
    with trackrecord.Api() as api:  # finds the store as init() did
        record = api.run(run.id)
        result = api.verify(run.id)
        files = [a.path for a in api.artifacts(run.id)]
    final = {k: s.last for k, s in sorted(record.summaries.items()) if k != "train/batch_loss"}
    print(f"Trained in {seconds:.1f} s.")
    print(f"Run:      {record.id}  ({record.name}, project {record.project!r}, {record.status})")
    print(f"Store:    {api.root}")
    print("Final:    " + "  ".join(f"{k} {v:.4g}" for k, v in final.items()))
    print(
        f"Best:     val/acc {record.summaries['val/acc'].max:.4f}, "
        f"lowest val/loss {record.summaries['val/loss'].min:.4f}"
    )
    print(f"Files:    {', '.join(files)}")
    print(f"Verify:   {result}")
    print()
    bin_dir = Path(sys.executable).parent
    print("Look at it from this directory (or anywhere, with TRACKRECORD_DIR set to the store):")
    print(f"  {bin_dir / 'trackrecord'} verify {record.id}")
    print(f"  {bin_dir / 'trackrecord'} lineage run:{record.id}")
    print(f"  {bin_dir / 'trackrecord'} models versions two-moons-mlp")
    print()
    print(f"  {bin_dir / 'python'}")
    print("  >>> import trackrecord")
    print("  >>> api = trackrecord.Api()")
    print(f'  >>> api.metric_history("{record.id}", "val/acc").values')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    parser.add_argument("--seed", type=int, default=CONFIG["data"]["seed"])
    args = parser.parse_args()
    config = {**CONFIG, "epochs": args.epochs, "data": {**CONFIG["data"], "seed": args.seed}}

    started = time.perf_counter()
    with trackrecord.init(project="demo", config=config, tags=["numpy", "mlp", "two-moons"]) as run:
        params, x_val, y_val = train(run, config)
        record_results(run, params, x_val, y_val)
    report(run, time.perf_counter() - started)


if __name__ == "__main__":
    main()
