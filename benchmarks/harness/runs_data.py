"""The many-runs data set the search workloads load into every tracker, and its ground truth.

One seeded generator gives every tracker the same logical runs: `n` finished runs
named `run-000000`…, one second apart, each with 20 params of mixed types and
10 metrics of 3 to 5 points (steps 0, 1, …). Everything is columnar numpy, built in
about a second for 100,000 runs; the trackers' loaders turn it into their own rows.

Params: `p0`…`p11` floats in [0, 1) rounded to 4 decimals, `p12`…`p16` ints,
`optimizer` and `activation` strings, `amp` a bool. Metrics: `m0`…`m9`, random
walks in (0, 1), except `m5`, which rises in every run (an accuracy curve), so its
maximum is also its last value: sorting by `metrics.m5.max` (TrackRecord) and by
the latest `m5` (the only metric sort MLflow has) give the same order.

Run ids are each tracker's own format, drawn from the same seed: TrackRecord's
26-character time-ordered ids and MLflow's 32-hex uuids. The ground truth below
answers with run indexes, which either id list maps to that tracker's ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt

SEED: Final = 20_261_126
VERSION: Final = 1  # bump when the generated data changes: kept stores are rebuilt
BASE_MS: Final = 1_767_225_600_000  # 2026-01-01T00:00:00Z: run i starts at BASE_MS + 1000 i
PROJECT: Final = "search"
FLOAT_PARAMS: Final = tuple(f"p{i}" for i in range(12))
INT_PARAMS: Final = tuple(f"p{i}" for i in range(12, 17))
OPTIMIZERS: Final = ("adam", "adamw", "sgd", "rmsprop")
ACTIVATIONS: Final = ("relu", "gelu", "tanh")
METRIC_KEYS: Final = tuple(f"m{i}" for i in range(10))
MONOTONE: Final = "m5"  # rises in every run: max == last
MAX_POINTS: Final = 5
POINT_MS: Final = 100  # a run logs its points 100 ms apart, the first 100 ms after its start
_CROCKFORD: Final = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True)
class RunsData:
    """n runs, columnar: `floats[i, j]` is param `p<j>` of run i, and so on."""

    n: int
    floats: npt.NDArray[np.float64]  # (n, 12)
    ints: npt.NDArray[np.int64]  # (n, 5)
    optimizer: npt.NDArray[np.int64]  # (n,) index into OPTIMIZERS
    activation: npt.NDArray[np.int64]  # (n,) index into ACTIVATIONS
    amp: npt.NDArray[np.bool_]  # (n,)
    counts: npt.NDArray[np.int64]  # (n, 10) points per metric, 3..5
    values: npt.NDArray[np.float64]  # (n, 10, 5) the first counts[i, k] are logged
    start_ms: npt.NDArray[np.int64]  # (n,)

    # ------------------------------------------------------------- per run, as users log it

    def name(self, i: int) -> str:
        return f"run-{i:06d}"

    def params(self) -> Iterator[dict[str, Any]]:
        """Each run's params as Python values (float, int, str, bool), in run order."""
        floats, ints = self.floats.tolist(), self.ints.tolist()
        optimizer, activation, amp = self.optimizer.tolist(), self.activation.tolist(), self.amp
        for i in range(self.n):
            row: dict[str, Any] = dict(zip(FLOAT_PARAMS, floats[i], strict=True))
            row.update(zip(INT_PARAMS, ints[i], strict=True))
            row["optimizer"] = OPTIMIZERS[optimizer[i]]
            row["activation"] = ACTIVATIONS[activation[i]]
            row["amp"] = bool(amp[i])
            yield row

    def metric_time(self, i: int, step: int) -> int:
        """Wall time (ms) of point `step` of every metric of run i."""
        return int(self.start_ms[i]) + POINT_MS * (step + 1)

    def end_ms(self, i: int) -> int:
        """Run i ends 100 ms after the last possible point."""
        return self.metric_time(i, MAX_POINTS)

    def points(self) -> int:
        return int(self.counts.sum())

    # ------------------------------------------------------------- ids

    @cached_property
    def trackrecord_ids(self) -> list[str]:
        """TrackRecord run ids: 10 base32 digits of the start time, 16 seeded random ones."""
        rng = np.random.default_rng(SEED + 1)
        randoms = rng.integers(0, 2**62, self.n, dtype=np.int64).tolist()
        starts = self.start_ms.tolist()
        return [_base32(ms, 10) + _base32(r, 16) for ms, r in zip(starts, randoms, strict=True)]

    @cached_property
    def mlflow_ids(self) -> list[str]:
        """MLflow run ids: uuid4 hex, as MLflow makes them, from a seeded generator."""
        rng = np.random.default_rng(SEED + 2)
        words = rng.integers(0, 2**63, (self.n, 2), dtype=np.int64).tolist()
        return [uuid.UUID(int=(a << 64) | b, version=4).hex for a, b in words]

    # ------------------------------------------------------------- ground truth

    def last(self, key: str) -> npt.NDArray[np.float64]:
        """The last logged value of metric `key` in every run."""
        k = METRIC_KEYS.index(key)
        return self.values[np.arange(self.n), k, self.counts[:, k] - 1]

    def maximum(self, key: str) -> npt.NDArray[np.float64]:
        """The largest logged value of metric `key` in every run."""
        k = METRIC_KEYS.index(key)
        logged = np.arange(MAX_POINTS)[None, :] < self.counts[:, k, None]
        return np.where(logged, self.values[:, k, :], -np.inf).max(axis=1)

    def param(self, key: str) -> npt.NDArray[Any]:
        if key in FLOAT_PARAMS:
            return self.floats[:, FLOAT_PARAMS.index(key)]
        if key in INT_PARAMS:
            return self.ints[:, INT_PARAMS.index(key)]
        if key == "optimizer":
            return np.asarray(OPTIMIZERS)[self.optimizer]
        if key == "activation":
            return np.asarray(ACTIVATIONS)[self.activation]
        if key == "amp":
            return self.amp
        raise KeyError(key)

    def top(self, mask: npt.NDArray[np.bool_], by: npt.NDArray[np.float64], k: int) -> list[int]:
        """Indexes of the k runs in `mask` with the largest `by`, largest first."""
        matching = np.flatnonzero(mask)
        order = np.argsort(-by[matching], kind="stable")
        return matching[order[:k]].tolist()


def generate(n: int, seed: int = SEED) -> RunsData:
    """n runs of params and short metric histories, the same for every seed and tracker."""
    rng = np.random.default_rng(seed)
    keys = len(METRIC_KEYS)
    counts = rng.integers(3, MAX_POINTS + 1, (n, keys), dtype=np.int64)
    # Random walks squashed into (0, 1) by the logistic function: no two values tie.
    walk = rng.standard_normal((n, keys, MAX_POINTS)) * 0.3
    walk[:, :, 0] = rng.standard_normal((n, keys))
    values = 1.0 / (1.0 + np.exp(-np.cumsum(walk, axis=2)))
    # m5 rises: 1 - (1 - a) * decay^step with per-run rates, so max == last.
    m5 = METRIC_KEYS.index(MONOTONE)
    rate = rng.uniform(0.3, 0.9, n)
    floor = rng.random(n)
    steps = np.arange(MAX_POINTS)
    values[:, m5, :] = 1.0 - (1.0 - 0.5 * floor[:, None]) * rate[:, None] ** (steps[None, :] + 1)
    return RunsData(
        n=n,
        floats=np.round(rng.random((n, len(FLOAT_PARAMS))), 4),
        ints=np.stack(
            [
                2 ** rng.integers(4, 11, n),  # p12: batch size 16..1024
                rng.integers(1, 49, n),  # p13: layers
                rng.integers(0, 2**31, n),  # p14: seed
                rng.integers(1, 1001, n) * 100,  # p15: steps
                rng.integers(0, 8, n),  # p16: gpu index
            ],
            axis=1,
        ).astype(np.int64),
        optimizer=rng.integers(0, len(OPTIMIZERS), n, dtype=np.int64),
        activation=rng.integers(0, len(ACTIVATIONS), n, dtype=np.int64),
        amp=rng.random(n) < 0.5,
        counts=counts,
        values=values,
        start_ms=BASE_MS + 1000 * np.arange(n, dtype=np.int64),
    )


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))
