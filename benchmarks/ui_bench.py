"""The web UI in a real browser: how fast the runs table and the charts answer.

    .venv/bin/python benchmarks/ui_bench.py [--runs 10000] [--chart-runs 20]
        [--points 100000] [--repeat 3]

Seeds a store (the many-runs data set of the search workloads, project "search",
plus `--chart-runs` runs of `--points` loss points each, project "charts"), serves
it with `trackrecord ui` in a subprocess, and drives Chromium (Playwright, a fresh
browser context, so a cold cache, per repetition). Figures are wall-clock times seen
from the test driver, medians of `--repeat`, against the UI's targets:

- table: from navigating to `/?project=search` until the first rows are visible;
- sort: from clicking the `name` header until the first row is another run;
- filter: from typing a query matching one run (and Enter) until only it is listed;
- chart: from navigating to `/compare` with the chart runs until every chart canvas
  is painted.

Needs Chromium at /usr/bin/chromium (or BENCH_CHROMIUM), playwright (the dev extra)
and the built UI (`make web`). A report, not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

import numpy as np
from trackrecord.record.events import GENESIS, Event, Points
from trackrecord.server.routes.ui import UI_DIR
from trackrecord.store.sql.apply import apply_events
from trackrecord.store.sql.store import SqlStore

import mlflow_ui
from harness.runs_data import PROJECT, RunsData, _base32, generate
from harness.servers import serving
from trackers.trackrecord_adapter import load_runs

CHROMIUM: Final = os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS: Final = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync"]  # fmt: skip
TARGETS: Final = {"table": 1.5, "sort": 0.3, "filter": 0.3, "chart": 1.0}  # seconds
ROWS: Final = "table.runs tr[data-run-id]"
FIRST_ROW_ID: Final = "() => document.querySelector('table.runs tr[data-run-id]')?.dataset.runId"
# Every canvas of every chart has something drawn (a pixel unlike its corner pixel).
ALL_PAINTED: Final = """() => {
  const canvases = [...document.querySelectorAll("figure.chart canvas")];
  return canvases.length > 0 && canvases.every(canvas => {
    if (!canvas.width || !canvas.height) return false;
    const copy = document.createElement("canvas");
    copy.width = canvas.width; copy.height = canvas.height;
    const ctx = copy.getContext("2d");
    ctx.drawImage(canvas, 0, 0);
    const d = ctx.getImageData(0, 0, copy.width, copy.height).data;
    let inked = 0;
    for (let i = 4; i < d.length; i += 4)
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) inked++;
    return inked > 50;
  });
}"""


def seed_chart_runs(store: Path, runs: int, points: int) -> list[str]:
    """*runs* finished runs in project "charts", each one metric `loss` of *points* points."""
    rng = np.random.default_rng(7)
    ids, start = [], 1_767_225_600_000
    sql = SqlStore.open(store)
    try:
        with sql.database.write() as cur:
            for r in range(runs):
                run_id = _base32(start + r, 10) + _base32(r, 16)
                body = {"project": "charts", "name": f"chart-{r:02d}", "group": None,
                        "parent": None, "notes": None, "tags": {}, "config": {"r": r},
                        "user": "bench", "host": "bench"}  # fmt: skip
                began = Event.build(run_id, 1, "run.start", start, GENESIS, body)
                steps = np.arange(points, dtype=np.int64)
                noise = rng.standard_normal(points) * 0.02
                values = 1.0 / (1.0 + steps / (1000.0 * (r + 1))) + noise
                loss = Points(steps, values, start + 10 * steps)
                logged = Event.build(run_id, 2, "metrics", start + 10 * points, began.hash, {},
                                     {"loss": loss})  # fmt: skip
                ended = {"status": "finished", "error": None}
                end = Event.build(run_id, 3, "run.end", start + 10 * points + 1, logged.hash, ended)
                apply_events(cur, [began, logged, end])
                ids.append(run_id)
    finally:
        sql.close()
    return ids


def ui_server(store: Path) -> AbstractContextManager[str]:
    """`trackrecord ui` on *store*, in a subprocess; yields its URL."""
    command = [str(Path(sys.executable).with_name("trackrecord")), "ui", "--no-browser",
               "--port", "{port}", "--dir", str(store)]  # fmt: skip
    return serving(command, "/favicon.svg", store.parent / "ui-server.log")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def settle(page: Any) -> None:
    """Wait until the table has loaded every run (so one step does not slow the next)."""
    page.wait_for_function(
        "() => !document.querySelector('.runs-summary')?.textContent?.includes('updating')"
    )


def measure_table(browser: Any, url: str, data: RunsData, target: int) -> dict[str, float]:
    """One cold visit of the runs table: load, sort by name, filter to one run."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        figures = {"table": timed(lambda: (page.goto(f"{url}/?project={PROJECT}"),
                                          page.locator(ROWS).first.wait_for()))}  # fmt: skip
        settle(page)  # the rest of the runs load in the background after the first page
        first = page.evaluate(FIRST_ROW_ID)
        header = page.locator('th[data-column="name"]')
        figures["sort"] = timed(lambda: (header.click(), page.wait_for_function(
            f"first => ({FIRST_ROW_ID})() !== first", arg=first, polling="raf")))  # fmt: skip
        settle(page)
        wanted = data.trackrecord_ids[target]
        query = f"params.p14 = {int(data.ints[target, 2])}"
        box = page.locator('input[aria-label="Filter runs"]')

        def filter_to_one() -> None:
            box.fill(query)
            box.press("Enter")
            page.wait_for_function(
                f"""id => {{ const rows = document.querySelectorAll('{ROWS}');
                    return rows.length === 1 && rows[0].dataset.runId === id; }}""",
                arg=wanted, polling="raf")  # fmt: skip

        figures["filter"] = timed(filter_to_one)
        settle(page)
        return figures
    finally:
        context.close()


def measure_chart(browser: Any, url: str, run_ids: list[str]) -> float:
    """One cold visit of /compare with the chart runs, until every chart is painted."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    address = f"{url}/compare?" + "&".join(f"run={run_id}" for run_id in run_ids)
    try:
        return timed(lambda: (page.goto(address),
                              page.wait_for_function(ALL_PAINTED, polling="raf")))  # fmt: skip
    finally:
        context.close()


def report(samples: dict[str, list[float]]) -> str:
    lines = [f"{'measure':<8} {'median':>9} {'best':>9} {'target':>8}  verdict"]
    for name, values in samples.items():
        median, target = statistics.median(values), TARGETS[name]
        verdict = "ok" if median <= target else f"over ({median / target:.1f}x the target)"
        lines.append(f"{name:<8} {median * 1000:>7.0f}ms {min(values) * 1000:>7.0f}ms "
                     f"{target * 1000:>6.0f}ms  {verdict}")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--chart-runs", type=int, default=20)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--mlflow",
        action="store_true",
        help="also time MLflow's UI showing the same runs (needs .venv-bench)",
    )
    args = parser.parse_args()
    if args.mlflow and (why := mlflow_ui.available()):
        raise SystemExit(f"--mlflow: {why}")
    if not (UI_DIR / "index.html").is_file():
        raise SystemExit(f"the web UI is not built ({UI_DIR}/index.html): run `make web`")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ui-bench-") as work:
        store = Path(work) / ".trackrecord"
        started = time.perf_counter()
        data = generate(args.runs)
        load_runs(store, data)
        chart_ids = seed_chart_runs(store, args.chart_runs, args.points)
        print(f"seeded {args.runs:,} runs and {args.chart_runs} x {args.points:,} points "
              f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
        samples: dict[str, list[float]] = {name: [] for name in TARGETS}
        with ui_server(store) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for repetition in range(args.repeat):
                figures = measure_table(
                    browser, url, data, target=(repetition + 1) * 997 % args.runs
                )
                figures["chart"] = measure_chart(browser, url, chart_ids)
                for name, value in figures.items():
                    samples[name].append(value)
            mlflow: list[float] = []
            if args.mlflow:
                mlflow_store = Path(work) / "mlflow"
                mlflow_ui.load_store(mlflow_store, args.runs)
                newest = [data.name(i) for i in np.argsort(data.start_ms)[-20:]]
                with mlflow_ui.server(mlflow_store) as mlflow_url:
                    mlflow = [mlflow_ui.measure_table(browser, mlflow_url, newest)
                              for _ in range(args.repeat)]  # fmt: skip
            browser.close()
    print(f"UI benchmark: {args.runs:,} runs; chart {args.chart_runs} runs x {args.points:,} "
          f"points; median of {args.repeat} (Chromium, cold context each time)")  # fmt: skip
    print(report(samples))
    if mlflow:
        theirs, ours = statistics.median(mlflow), statistics.median(samples["table"])
        print(f"MLflow UI, the same {args.runs:,} runs until the newest show: "
              f"{theirs * 1000:.0f} ms median ({min(mlflow) * 1000:.0f} ms best): "
              f"{theirs / ours:.1f}x TrackRecord's table")  # fmt: skip


if __name__ == "__main__":
    main()
