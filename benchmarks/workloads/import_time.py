"""e. Time to `import <tracker>` in a fresh interpreter, less a bare interpreter start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.timing import median, timed
from trackers import TrackerSpec
from workloads.base import Metric

NAME = "import_time"
TITLE = "`import <tracker>` in a fresh process, minus `python -c pass` (median of 5)"
NOMINAL = 5
ITEM = "process"
PER_MODE = False
METRICS = (
    Metric("import", "import", target=0.15, scaling="free"),
    Metric("interpreter", "bare python", compare=False),
)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return NOMINAL  # already small; --quick does not shorten it


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    bare: list[float] = []
    imported: list[float] = []
    for _ in range(n):  # interleaved, so drift in machine load hits both alike
        bare.append(_spawn("pass", workdir))
        imported.append(_spawn(f"import {spec.package}", workdir))
    return {"import": max(0.0, median(imported) - median(bare)), "interpreter": median(bare)}


def _spawn(code: str, cwd: Path) -> float:
    with timed() as took:
        subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True)
    return took.seconds
