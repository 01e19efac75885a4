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
    # TrackRecord loads its SDK lazily: this shows the cost once init/Api are touched.
    Metric("ready", "import + API", scaling="free"),
    Metric("interpreter", "bare python", compare=False),
)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return NOMINAL  # already small; --quick does not shorten it


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    codes = {"interpreter": "pass", "import": f"import {spec.package}", "ready": spec.ready}
    samples: dict[str, list[float]] = {key: [] for key in codes}
    for _ in range(n):  # interleaved, so drift in machine load hits all alike
        for key, code in codes.items():
            samples[key].append(_spawn(code, workdir))
    bare = median(samples["interpreter"])
    return {
        "interpreter": bare,
        "import": max(0.0, median(samples["import"]) - bare),
        "ready": max(0.0, median(samples["ready"]) - bare),
    }


def _spawn(code: str, cwd: Path) -> float:
    with timed() as took:
        subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True)
    return took.seconds
