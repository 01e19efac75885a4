"""Simulated predictions from a known population."""

from __future__ import annotations

import numpy as np


def synthetic_binary(n: int, seed: int, shift: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Binormal scores through a sigmoid: the true ROC AUC is Phi(shift / sqrt(2))."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.int64)
    z = rng.normal(size=n) + shift * y
    return y, 1 / (1 + np.exp(-z))
