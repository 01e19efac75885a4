"""Tiny data sets shared by the model tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest


@pytest.fixture
def rows() -> Any:
    """Twenty rows of four float32 features."""
    return np.random.default_rng(0).random((20, 4), dtype=np.float32)


@pytest.fixture
def labels(rows: Any) -> Any:
    """Binary labels with both classes present."""
    return (rows[:, 0] + rows[:, 1] > 1.0).astype(np.int64)
