"""Overhead of TrackRecord's framework integrations, beside MLflow's autolog when installed.

For each framework the same training runs without logging and with it; the variants
take turns (round robin, after one untimed warm-up round) so that drift in machine
load hits all of them alike, and the best wall time of each is kept. Printed: the
seconds and the overhead in per cent over the baseline. TrackRecord's store and
MLflow's sqlite tracking store live in a temporary directory.

* sklearn: ``HistGradientBoostingClassifier(max_iter=100)`` on 50,000 x 20 rows;
  ``autolog()`` (params, training score, model, dataset digest), and without the
  training score (``log_training_score=False``), vs none;
  MLflow: ``mlflow.sklearn.autolog()``.
* xgboost: 200 rounds on 40,000 rows with train and valid eval sets;
  ``TrackRecordCallback()`` (per-iteration metrics, importance, model) and with
  ``log_model=False``; MLflow: ``mlflow.xgboost.autolog()``.
The run is started (and its start stored) before the clock starts: the figures are
the cost of the integration's logging during training, not of ``trackrecord.init``.

* pytorch: 200 steps of an MLP (20-256-256-1, batch 512); ``watch().step()`` logging
  loss and lr, with and without the gradient norm.

End-to-end timings on a busy machine vary by more than the overhead itself, so for
the per-step integrations (xgboost, pytorch) the logging call is also timed alone,
10,000 times, and printed as microseconds per step and as a share of a training step.

Run: ``python benchmarks/autolog_overhead.py [--repeats 5] [--only sklearn xgboost]``.
A framework (or MLflow) missing from the interpreter is skipped with a note.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

ROWS, FEATURES = 50_000, 20
Variant = Callable[[], float]  # runs one training and returns its timed seconds


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def compare(repeats: int, variants: dict[str, Variant]) -> dict[str, float]:
    """Best time of each variant, running them in turn; the first round is a warm-up."""
    best = {name: float("inf") for name in variants}
    for round_ in range(repeats + 1):
        for name, variant in variants.items():
            seconds = variant()
            if round_:
                best[name] = min(best[name], seconds)
    return best


def report(framework: str, best: dict[str, float]) -> None:
    base = best.pop("baseline")
    cells = [f"{name} {s:6.3f} s ({100 * (s / base - 1):+5.1f} %)" for name, s in best.items()]
    print(f"{framework:8s} baseline {base:6.3f} s | " + " | ".join(cells), flush=True)


def per_step(framework: str, base: float, steps: int, call: Callable[[int], Any]) -> None:
    """The logging call alone, 10,000 times: its cost per step, and as a share of a step."""
    started = time.perf_counter()
    for step in range(10_000):
        call(step)
    micro = (time.perf_counter() - started) / 10_000
    share = 100 * micro * steps / base
    print(f"{framework:8s} per step: {1e6 * micro:.1f} us logging = {share:.2f} % of a "
          f"{1e3 * base / steps:.2f} ms step", flush=True)  # fmt: skip


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] + rng.normal(0, 0.5, ROWS) > 0).astype(int)
    return X, y


@contextlib.contextmanager
def mlflow_run() -> Iterator[Any]:
    import mlflow

    with mlflow.start_run() as run:
        yield run


def bench_sklearn(repeats: int, store: str) -> None:
    import trackrecord
    from sklearn.ensemble import HistGradientBoostingClassifier
    from trackrecord.integrations import sklearn as tr_sklearn

    X, y = data()

    def fit() -> Any:
        return HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y)

    def ours(score: bool) -> float:
        tr_sklearn.autolog(log_training_score=score)
        with trackrecord.init("bench", dir=store, capture=False) as run:
            run.flush()  # the run's start is stored before the clock starts
            seconds = timed(fit)
        tr_sklearn.autolog(disable=True)
        return seconds

    variants: dict[str, Variant] = {
        "baseline": lambda: timed(fit),
        "trackrecord": lambda: ours(True),
        "trackrecord no training_score": lambda: ours(False),
    }
    if has("mlflow"):
        import mlflow

        def theirs() -> float:
            mlflow.sklearn.autolog(silent=True)
            with mlflow_run():
                seconds = timed(fit)
            mlflow.sklearn.autolog(disable=True)
            return seconds

        variants["mlflow"] = theirs
    report("sklearn", compare(repeats, variants))


def bench_xgboost(repeats: int, store: str) -> None:
    import trackrecord
    import xgboost
    from trackrecord.integrations.xgboost import TrackRecordCallback

    X, y = data()
    train = xgboost.DMatrix(X[:40_000], label=y[:40_000])
    valid = xgboost.DMatrix(X[40_000:], label=y[40_000:])
    params = {"objective": "binary:logistic", "max_depth": 6, "eval_metric": "logloss"}

    def fit(callbacks: list[Any] | None = None) -> Any:
        return xgboost.train(params, train, 200, evals=[(train, "train"), (valid, "valid")],
                             verbose_eval=False, callbacks=callbacks)  # fmt: skip

    def ours(log_model: bool) -> float:
        with trackrecord.init("bench", dir=store, capture=False) as run:
            run.flush()  # the run's start is stored before the clock starts
            return timed(lambda: fit([TrackRecordCallback(log_model=log_model)]))

    variants: dict[str, Variant] = {
        "baseline": lambda: timed(fit),
        "trackrecord": lambda: ours(True),
        "trackrecord metrics only": lambda: ours(False),
    }
    if has("mlflow"):
        import mlflow

        def theirs() -> float:
            mlflow.xgboost.autolog(silent=True)
            with mlflow_run():
                seconds = timed(fit)
            mlflow.xgboost.autolog(disable=True)
            return seconds

        variants["mlflow"] = theirs
    best = compare(repeats, variants)
    base = best["baseline"]
    report("xgboost", best)
    history = {"train": {"logloss": [0.5] * 200}, "valid": {"logloss": [0.6] * 200}}
    with trackrecord.init("bench", dir=store, capture=False) as run:
        callback = TrackRecordCallback(run=run)
        callback._holder.open()
        per_step("xgboost", base, 200, lambda i: callback.after_iteration(None, i, history))


def bench_pytorch(repeats: int, store: str) -> None:
    import torch
    import trackrecord
    from trackrecord.integrations.pytorch import watch

    X, y = data()
    inputs, target = torch.from_numpy(X), torch.from_numpy(y.astype(np.float32)).unsqueeze(1)

    def loop(watched: bool, grad_norm: bool = False) -> float:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 256), torch.nn.ReLU(),
                                    torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                    torch.nn.Linear(256, 1))  # fmt: skip
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        run = trackrecord.init("bench", dir=store, capture=False) if watched else None
        if run is not None:
            run.flush()  # the run's start is stored before the clock starts
        started = time.perf_counter()
        watcher = watch(model, optimizer, run=run, log_grad_norm=grad_norm) if run else None
        for step in range(200):
            start = (step * 512) % (ROWS - 512)
            logits = model(inputs[start : start + 512])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, target[start : start + 512]
            )
            loss.backward()
            if watcher is not None:
                watcher.step(loss=loss, step=step)
            optimizer.step()
            optimizer.zero_grad()
        seconds = time.perf_counter() - started
        if run is not None:
            run.finish()
        return seconds

    best = compare(repeats, {
        "baseline": lambda: loop(False),
        "trackrecord": lambda: loop(True),
        "trackrecord + grad_norm": lambda: loop(True, grad_norm=True),
    })  # fmt: skip
    base = best["baseline"]
    report("pytorch", best)
    model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 1))  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(inputs[:512]).sum().backward()
    loss = torch.tensor(0.5)
    with trackrecord.init("bench", dir=store, capture=False) as run:
        plain = watch(model, optimizer, run=run)
        per_step("pytorch", base, 200, lambda i: plain.step(loss=loss, step=i))
        normed = watch(model, optimizer, run=run, log_grad_norm=True)
        per_step("+ norm", base, 200, lambda i: normed.step(loss=loss, step=10_000 + i))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=["sklearn", "xgboost", "pytorch"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # MLflow's and the frameworks' notices are not measured
    benches = {"sklearn": bench_sklearn, "xgboost": bench_xgboost, "pytorch": bench_pytorch}
    modules = {"sklearn": "sklearn", "xgboost": "xgboost", "pytorch": "torch"}
    if not has("mlflow"):
        print("mlflow is not installed here: TrackRecord's overhead only")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{tmp}/mlflow.db")
        os.chdir(tmp)  # MLflow puts artifacts in ./mlruns: keep them out of the checkout
        for name in args.only:
            if not has(modules[name]):
                print(f"{name:8s} skipped: {modules[name]} is not installed in this interpreter")
                continue
            benches[name](args.repeats, os.path.join(tmp, f"store-{name}"))


if __name__ == "__main__":
    main()
