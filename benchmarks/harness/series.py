"""The metric data every tracker logs: a noisy, decaying loss curve."""

from __future__ import annotations

import numpy as np


def loss_curve(n: int, seed: int = 0) -> tuple[list[int], list[float]]:
    """Steps 0..n-1 and float64 values `1/(1+0.001*i) + 0.01*noise`, as Python numbers.

    Python lists, not arrays: that is what a training loop hands a logger.
    """
    steps = np.arange(n, dtype=np.int64)
    noise = np.random.default_rng(seed).standard_normal(n)
    values = 1.0 / (1.0 + 0.001 * steps) + 0.01 * noise
    return steps.tolist(), values.tolist()


def metric_dicts(steps: int, keys: int = 10, seed: int = 0) -> list[dict[str, float]]:
    """One `{"m0": v, ..., "m9": v}` dict per step, built before the timed loop."""
    names = [f"m{k}" for k in range(keys)]
    _, values = loss_curve(steps * keys, seed)
    return [dict(zip(names, values[i * keys : (i + 1) * keys], strict=True)) for i in range(steps)]
