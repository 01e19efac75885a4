"""MLflow's web UI on the same 10,000 runs, for `ui_bench.py --mlflow`.

MLflow lives in the benchmarks' own virtualenv (`.venv-bench`, made by `make bench`),
not in the project's: its store is loaded there (`trackers/mlflow_bulk.py`, as the
many-runs workloads load it) and `mlflow server` runs from there; Chromium is driven
from here. Measured: navigating to the experiment's runs page until the name of one of
its newest runs is on screen (MLflow lists runs newest first).
"""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

from harness.servers import serving

BENCH: Final = Path(__file__).resolve().parent
VENV: Final = BENCH.parent / ".venv-bench" / "bin"
ENV: Final = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
_LOAD: Final = (
    "import sys; from pathlib import Path; from harness.runs_data import generate; "
    "from trackers.mlflow_bulk import load; load(Path(sys.argv[1]), generate(int(sys.argv[2])))"
)


def available() -> str | None:
    """Why MLflow cannot be measured here, or None."""
    if not (VENV / "mlflow").exists():
        return f"no MLflow in {VENV.parent} (make bench creates it)"
    return None


def load_store(store: Path, runs: int) -> None:
    """Load *runs* runs of the many-runs data into a new MLflow store in *store*."""
    subprocess.run([str(VENV / "python"), "-c", _LOAD, str(store), str(runs)], cwd=BENCH,
                   env=ENV, check=True, capture_output=True)  # fmt: skip


def server(store: Path) -> AbstractContextManager[str]:
    """`mlflow server` on *store*, on a free port; yields its URL."""
    command = [str(VENV / "mlflow"), "server", "--host", "127.0.0.1", "--port", "{port}",
               "--backend-store-uri", f"sqlite:///{store / 'mlflow.db'}"]  # fmt: skip
    return serving(command, "/health", store / "server.log", env=ENV)


def measure_table(browser: Any, url: str, newest: list[str]) -> float:
    """One cold visit of the experiment's runs page until a newest run's name shows."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(300_000)
    try:
        started = time.perf_counter()
        page.goto(f"{url}/#/experiments/1/runs")
        page.wait_for_function(
            "names => names.some(n => document.body.innerText.includes(n))", arg=newest,
            polling=100,
        )  # fmt: skip
        return time.perf_counter() - started
    finally:
        context.close()
