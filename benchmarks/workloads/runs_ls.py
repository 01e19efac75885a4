"""g. `trackrecord runs ls` on the 100,000-run store: a whole process, start to exit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.timing import timed
from trackers import TrackerSpec, load_adapter
from workloads import many_runs
from workloads.base import Metric
from workloads.many_runs import QUERY, STORE_RUNS, expected_page, open_store

NAME = "runs_ls"
TITLE = "list the first 100 matching runs of 100,000 from the command line, as a table"
NOMINAL = STORE_RUNS
ITEM = "run"
PER_MODE = False
TRACKERS = many_runs.TRACKERS  # those with adapters for run search, list and export
TIMEOUT = 600
METRICS = (Metric("process", "whole process", target=1.0),)
NOTES = (
    "TrackRecord: `trackrecord runs ls --dir STORE --where 'metrics.m3 > 0.5 and"
    ' params.optimizer = "adam"\' --sort -metrics.m5.max --limit 100`. MLflow: `mlflow runs'
    " list` has no filter, sort or limit, so `python trackers/mlflow_runs_list.py` calls"
    " `search_runs` with the same query and prints with `mlflow runs list`'s table printer.",
    "Interpreter start and imports included; the output must name the first expected run.",
)


def store_runs(scale: float) -> int:
    """This workload reads the shared store of this many runs (see workloads/many_runs.py)."""
    return many_runs.store_runs(scale)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return many_runs.store_runs(scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int, root: Path) -> dict[str, float]:
    store, data = open_store(root)
    adapter = load_adapter(spec)
    command = adapter.list_runs_command(store, QUERY)
    first = expected_page(data, QUERY)[0]
    with timed() as took:
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        said = lines[-1] if lines else "no message"
        raise RuntimeError(f"{_shown(command)} exited with status {done.returncode}: {said}")
    if not _names(done.stdout, adapter.run_ids(data)[first], data.name(first)):
        head = " | ".join(done.stdout.splitlines()[:3])
        raise AssertionError(f"{_shown(command)} did not list the first expected run: {head}")
    return {"process": took.seconds, "lines": float(len(done.stdout.splitlines()))}


def _shown(command: list[str]) -> str:
    return " ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command[:3]))


def _names(output: str, run_id: str, name: str) -> bool:
    """Whether the output shows the run: its name, its id, or an id prefix of 8+ characters."""
    if name in output or run_id in output:
        return True
    return any(len(word) >= 8 and run_id.startswith(word) for word in output.split())
