"""Side-by-side benchmarks: TrackRecord vs MLflow (SQLite) vs Aim on the same workloads.

Usage: python benchmarks/run.py [--quick] [--repeat N] [--only WORKLOAD] [--tracker NAME]

Every (workload, tracker, mode, repetition) runs in its own fresh Python process and
fresh directory under benchmarks/.work/. The many-runs workloads (search, runs_ls,
export) read a store loaded once per tracker beforehand (untimed set-up, also in a
process of its own). Tables go to stdout, progress to stderr, and all figures to
benchmarks/results.json. Benchmarks report; they never assert.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.environment import quiet_peers
from harness.results import Row, earlier_records, run_metadata, workload_record, write_json
from harness.runner import WorkerFailed, run_worker
from harness.stores import SharedStores
from harness.table import render
from harness.timing import timed
from harness.workdir import fresh_workdir
from trackers import TRACKERS, TrackerSpec
from workloads import WORKLOADS, Workload, load_workload

RESULTS = Path(__file__).resolve().parent / "results.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; medians are shown")
    parser.add_argument("--quick", action="store_true", help="10x smaller workloads, smoke run")
    parser.add_argument("--only", action="append", choices=WORKLOADS, help="workload (repeatable)")
    parser.add_argument(
        "--tracker", action="append", choices=list(TRACKERS), help="tracker (repeatable)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    parser.add_argument(
        "--reuse-stores",
        action="store_true",
        help="reuse (and keep) many-runs stores an earlier run left in benchmarks/.work/stores",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def measure_row(
    workload: Workload,
    spec: TrackerSpec,
    mode: str,
    args: argparse.Namespace,
    stores: SharedStores,
) -> Row:
    scale = 0.1 if args.quick else 1.0
    n = workload.count(spec, mode, scale)
    label = spec.label(mode) if workload.PER_MODE else spec.name
    row = Row(tracker=spec.name, mode=mode, label=label, n=n)
    once_over: float | None = getattr(workload, "ONCE_OVER_S", None)  # slow rows: one repetition
    store = None
    if hasattr(workload, "store_runs"):  # reads a shared store, loaded once beforehand
        try:
            store, setup = stores.get(spec.name, workload.store_runs(scale))
        except WorkerFailed as exc:
            row.error = str(exc)
            return row
        row.add(setup)
    for rep in range(1, args.repeat + 1):
        with (
            fresh_workdir(f"{workload.NAME}-{spec.name}-{mode}", args.keep) as workdir,
            timed() as took,
        ):
            try:
                figures = run_worker(
                    workload.NAME, spec.name, mode, n, workdir, args.timeout, store
                )
                row.add(figures)
            except WorkerFailed as exc:
                row.error = str(exc)
        status = f"failed: {row.error}" if row.error else f"{took.seconds:.1f} s"
        print(
            f"  {workload.NAME} {label} n={n:,} rep {rep}/{args.repeat}: {status}", file=sys.stderr
        )
        if row.error:
            break
        if once_over is not None and took.seconds > once_over and rep < args.repeat:
            print(f"  over {once_over:.0f} s: measured once", file=sys.stderr)
            break
    return row


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_peers()
    specs = [TRACKERS[name] for name in args.tracker or TRACKERS]
    meta = run_metadata(args.repeat, args.quick, [s.package for s in specs])
    names = args.only or WORKLOADS
    # With --only, the other workloads' results already in the file stay (with their meta).
    kept = earlier_records(args.output, set(names)) if args.only else {}
    records: dict[str, Any] = {}
    stores = SharedStores(args.reuse_stores, args.keep, args.timeout)
    try:
        for name in names:
            workload = load_workload(name)
            able = getattr(workload, "TRACKERS", None)
            rows = [
                measure_row(workload, spec, mode, args, stores)
                for spec in specs
                if able is None or spec.name in able
                for mode in (spec.modes if workload.PER_MODE else (spec.bulk_mode,))
            ]
            print(render(workload, rows) + "\n", flush=True)
            records[name] = workload_record(workload, rows)
            write_json(args.output, meta, kept | records)  # after each: partial runs keep data
    finally:
        stores.close()
    print(f"results written to {args.output}")
    return 1 if any(r["error"] for w in records.values() for r in w["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
