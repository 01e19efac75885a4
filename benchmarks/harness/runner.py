"""Runs one measurement in a fresh Python process, so imports and caches never leak."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).resolve().parent.parent / "worker.py"


class WorkerFailed(Exception):
    """A worker process exited non-zero or ran past its time limit."""


def run_worker(
    workload: str,
    tracker: str,
    mode: str,
    n: int,
    workdir: Path,
    timeout: float,
    store: Path | None = None,
) -> dict[str, float]:
    """Measure `workload` for one tracker mode in `workdir` (also its current directory).

    `store`: the shared store a many-runs workload reads (see harness/stores.py).
    The result travels through a JSON file beside `workdir`, not stdout, because
    peers print to stdout; it lies outside `workdir` so it never counts as their data.
    """
    result = workdir.parent / f"{workdir.name}.json"
    arguments = [workload, tracker, mode, str(n), str(result)]
    return _run([*arguments, *([str(store)] if store else [])], workdir, result, timeout)


def load_runs(tracker: str, runs: int, store: Path, timeout: float) -> dict[str, float]:
    """Load the many-runs store of `tracker` into `store` (untimed set-up, its own process)."""
    result = store.parent / f"{store.name}.json"
    return _run(
        ["--load-runs", tracker, str(runs), str(store), str(result)], store, result, timeout
    )


def _run(arguments: list[str], cwd: Path, result: Path, timeout: float) -> dict[str, float]:
    command = [sys.executable, str(WORKER), *arguments]
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise WorkerFailed(f"timed out after {timeout:.0f} s") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise WorkerFailed(lines[-1] if lines else f"exit status {done.returncode}")
    try:
        figures: dict[str, float] = json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)
    return figures
