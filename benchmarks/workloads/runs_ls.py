"""g. List the first 100 matching runs of 100,000 from the command line: the whole process."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.timing import timed
from trackers import TrackerSpec, load_adapter
from workloads import many_runs
from workloads.base import Metric

NAME = "runs_ls"
TITLE = "`trackrecord runs ls` on 100,000 runs: the search above as a table, process start to exit"
NOMINAL = many_runs.STORE_RUNS
ITEM = "run"
PER_MODE = False
TRACKERS = many_runs.TRACKERS
ONCE_OVER_S = 30.0  # MLflow takes about a minute a query at 100,000 runs
TIMEOUT = 900
METRICS = (Metric("process", "whole process", target=1.0),)
NOTES = (
    "TrackRecord: `trackrecord runs ls --dir STORE --where 'metrics.m3 > 0.5 and"
    ' params.optimizer = "adam"\' --sort -metrics.m5.max --limit 100`. MLflow: `mlflow runs'
    " list` has no filter, sort or limit, so `python trackers/mlflow_runs_list.py` calls"
    " `search_runs` with the same query and prints with `mlflow runs list`'s table printer.",
    "Interpreter start and imports included; the output must show the first expected run.",
    f"A row whose first repetition takes over {ONCE_OVER_S:.0f} s is measured once.",
)


def store_runs(scale: float) -> int:
    """The runs in the shared store this workload reads (see workloads/many_runs.py)."""
    return many_runs.store_runs(scale)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return many_runs.store_runs(scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int, root: Path) -> dict[str, float]:
    store, data = many_runs.open_store(root)
    adapter = load_adapter(spec)
    command = adapter.list_runs_command(store, many_runs.QUERY)
    first = many_runs.expected_page(data, many_runs.QUERY)[0]
    with timed() as took:
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        said = lines[-1] if lines else "no message"
        raise RuntimeError(f"{_shown(command)} exited with status {done.returncode}: {said}")
    if not _shows(done.stdout, adapter.run_ids(data)[first], data.name(first)):
        head = " | ".join(done.stdout.splitlines()[:3])
        raise AssertionError(f"{_shown(command)} did not show the first expected run: {head}")
    return {"process": took.seconds, "lines": float(len(done.stdout.splitlines()))}


def _shown(command: list[str]) -> str:
    """The start of a command line, for messages: `trackrecord runs ls`."""
    return " ".join([Path(command[0]).name, *command[1:3]])


def _shows(output: str, run_id: str, name: str) -> bool:
    """Whether the output shows the run: its name, its id, or an id prefix of 8+ characters."""
    if name in output or run_id in output:
        return True
    return any(len(word) >= 8 and run_id.startswith(word) for word in output.split())
