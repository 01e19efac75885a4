"""Load on the team servers: a step ladder of loggers and readers, TrackRecord beside MLflow.

Each rung runs L loggers, each sending one event of 100 points (10 keys × 10 steps)
every 250 ms, and R readers, each asking every 0.5 s for the project's first page of
runs or a downsampled metric of one run (see `harness/load.py`). Per rung it prints
the latency of the loggers' requests (p50 / p99 / max) and of the readers', the
throughput achieved against the rate offered, and the errors.

Set-ups, each on a fresh database of the same PostgreSQL (`harness/servers.py`):

- `trackrecord:N`: N `trackrecord server` processes (replicas sharing the database;
  N=1 is one server process) with auth on: a user with a token, every request carries
  it, and every write is appended to the audit log;
- `mlflow:N`: `mlflow server --workers N` on its PostgreSQL backend store (no auth:
  MLflow's server has none unless its basic-auth app is set up).

Load generators are separate processes (`--clients`, asyncio + aiohttp each), started
and set up untimed (runs started, every request body built) before a rung begins.
Everything, generators included, shares the machine. A set-up stops climbing after a
rung whose log p99 exceeds 10 s or whose error rate exceeds 5 % (`--no-stop` climbs on).

Usage (from the repository root, with the code under test first on the path):

    PYTHONPATH=src .venv-bench/bin/python benchmarks/server_load.py            # full ladder
    PYTHONPATH=src .venv-bench/bin/python benchmarks/server_load.py --quick    # ~3 minutes
    ... --setup trackrecord:1 --rungs 100+40 --duration 60

Benchmarks report; they never assert. The figures go to stdout (and `--output` JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.cpu import CpuSample
from harness.environment import quiet_peers
from harness.servers import fresh_database
from harness.workdir import fresh_workdir

HERE = Path(__file__).resolve().parent
DEFAULT_SETUPS = ("trackrecord:1", "trackrecord:2", "mlflow:1", "mlflow:2")
DEFAULT_RUNGS = "25+10,50+20,100+40,200+80"
OVERLOADED_P99_MS = 10_000
OVERLOADED_ERRORS = 0.05


@dataclass
class Target:
    """The servers of a set-up: their URLs, the token and project (or experiment id) the
    load uses, and the name of their database."""

    urls: list[str]
    token: str
    project: str
    database: str


@dataclass
class Rung:
    loggers: int
    readers: int

    @property
    def name(self) -> str:
        return f"{self.loggers}+{self.readers}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="append", help="trackrecord:N or mlflow:N (repeatable; "
                        f"default {' '.join(DEFAULT_SETUPS)})")  # fmt: skip
    parser.add_argument("--rungs", default=None, help=f"loggers+readers, comma-separated "
                        f"(default {DEFAULT_RUNGS})")  # fmt: skip
    parser.add_argument("--duration", type=float, default=None, help="seconds counted per rung "
                        "(default 30; 10 with --quick)")  # fmt: skip
    parser.add_argument("--warmup", type=float, default=None, help="seconds sent but not "
                        "counted at the start of a rung (default 5; 2 with --quick)")  # fmt: skip
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short rungs, and only trackrecord:1 and mlflow:1 unless --setup",
    )
    parser.add_argument("--clients", type=int, default=1, help="load generator processes")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="TrackRecord: connections per replica (?pool_size=N; default its own)",
    )
    parser.add_argument("--keys", type=int, default=10, help="metric keys per logged event")
    parser.add_argument("--steps", type=int, default=10, help="steps per key per logged event")
    parser.add_argument("--no-stop", action="store_true", help="climb past overloaded rungs")
    parser.add_argument("--output", type=Path, default=None, help="write every figure as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the server logs (.work/)")
    args = parser.parse_args(argv)
    quick_setups = ("trackrecord:1", "mlflow:1")
    args.setup = args.setup or list(quick_setups if args.quick else DEFAULT_SETUPS)
    args.rungs = [Rung(*map(int, r.split("+"))) for r in (args.rungs or DEFAULT_RUNGS).split(",")]
    args.duration = args.duration or (10.0 if args.quick else 30.0)
    args.warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 5.0)
    for setup in args.setup:
        tracker, _, count = setup.partition(":")
        if tracker not in ("trackrecord", "mlflow") or not count.isdigit() or int(count) < 1:
            parser.error(f"--setup {setup!r}: use trackrecord:N or mlflow:N (N ≥ 1)")
    return args


@contextmanager
def trackrecord_servers(
    count: int, workdir: Path, pool_size: int | None = None
) -> Iterator[Target]:
    """*count* `trackrecord server` replicas with auth on, on a fresh database, and a token
    of an editor of project `load`."""
    from trackrecord.artifacts.local import LocalArtifactStore
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.accounts import SqlAccounts

    from trackers.trackrecord_server import serve

    with fresh_database("bench_load") as url, ExitStack() as stack:
        store = SqlStore.connect(url, LocalArtifactStore(workdir / "artifacts"))
        accounts = SqlAccounts(store.database)
        accounts.create_user("admin", admin=True)
        accounts.create_user("logger")
        accounts.grant("logger", "load", "editor")
        token = accounts.create_token("logger", label="server_load")[1]
        store.close()
        urls = []
        for n in range(count):
            (workdir / f"replica{n}").mkdir()
            store_url = url if pool_size is None else f"{url}?pool_size={pool_size}"
            urls.append(stack.enter_context(serve(workdir / f"replica{n}", store_url)))
        yield Target(urls, token, "load", url.rsplit("/", 1)[1])


@contextmanager
def mlflow_servers(workers: int, workdir: Path) -> Iterator[Target]:
    """`mlflow server --workers N` on a fresh database, and an experiment of its own."""
    import httpx

    from trackers.mlflow_server import serve

    with fresh_database("bench_load") as url, serve(workdir, url, workers) as base:
        answer = httpx.post(f"{base}/api/2.0/mlflow/experiments/create", json={"name": "load"})
        answer.raise_for_status()
        experiment = str(answer.json()["experiment_id"])
        yield Target([base], "", experiment, url.rsplit("/", 1)[1])


def run_rung(
    tracker: str, target: Target, rung: Rung, args: argparse.Namespace, log: Path
) -> dict[str, Any]:
    """One rung: generator processes set up, released together, their figures merged."""
    clients = max(1, min(args.clients, rung.loggers or 1))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(HERE), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        ),
    }
    procs = []
    with log.open("ab") as err:
        for c in range(clients):
            plan = {"tracker": tracker, "urls": target.urls, "token": target.token,
                    "project": target.project,
                    "loggers": list(range(c, rung.loggers, clients)),
                    "readers": list(range(c, rung.readers, clients)),
                    "warmup": args.warmup, "duration": args.duration, "keys": args.keys,
                    "steps": args.steps}  # fmt: skip
            proc = subprocess.Popen(
                [sys.executable, "-c", "from harness.load import main; main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env, text=True,
            )  # fmt: skip
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(plan) + "\n")
            proc.stdin.flush()
            procs.append(proc)
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a load generator failed to set up; see {log}")
        t0 = time.monotonic() + 0.5
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"go {t0}\n")
            proc.stdin.flush()
        time.sleep(max(0.0, t0 + args.warmup - time.monotonic()))
        generators = {proc.pid for proc in procs}
        before = CpuSample.now(target.database, generators)
        time.sleep(max(0.0, t0 + args.warmup + args.duration - time.monotonic()))
        cpu = CpuSample.now(target.database, generators).since(before, args.duration)
        results = [json.loads(proc.communicate()[0]) for proc in procs]
    return summarise(rung, results, args, cpu)


def percentile(values: list[float], q: float) -> float:
    """The *q*-quantile (nearest rank) of *values* (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summarise(
    rung: Rung, results: list[dict[str, Any]], args: argparse.Namespace, cpu: dict[str, float]
) -> dict[str, Any]:
    """The rung's figures from every generator's result."""
    merged: dict[str, Any] = {}
    for kind in ("logs", "reads"):
        lat = [v for r in results for v in r[kind]["latencies_ms"]]
        late = [v for r in results for v in r[kind]["late_ms"]]
        merged[kind] = {
            "count": len(lat), "p50_ms": percentile(lat, 0.5), "p99_ms": percentile(lat, 0.99),
            "max_ms": max(lat, default=float("nan")), "per_s": len(lat) / args.duration,
            "errors": sum(r[kind]["errors"] for r in results),
            "error_samples": [s for r in results for s in r[kind]["samples"]][:3],
            "late_p99_ms": percentile(late, 0.99),
        }  # fmt: skip
    offered = rung.loggers / 0.25
    points = args.keys * args.steps
    return {
        "rung": rung.name, **asdict(rung), "offered_logs_per_s": offered,
        "points_per_s": merged["logs"]["per_s"] * points, **merged,
        "generator_cpu": sum(r["cpu_s"] for r in results) / (args.duration + args.warmup),
        **cpu, "load_average": os.getloadavg()[0],
    }  # fmt: skip


def overloaded(row: dict[str, Any]) -> bool:
    """Whether a rung shows the set-up past what it holds (stop climbing)."""
    logs = row["logs"]
    requests = logs["count"] + row["reads"]["count"]
    errors = logs["errors"] + row["reads"]["errors"]
    return logs["p99_ms"] > OVERLOADED_P99_MS or errors > OVERLOADED_ERRORS * max(1, requests)


def measure(setup: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every rung of the ladder on one set-up (fresh database and servers)."""
    tracker, _, count = setup.partition(":")
    servers = trackrecord_servers if tracker == "trackrecord" else mlflow_servers
    rows: list[dict[str, Any]] = []
    with (
        fresh_workdir(f"load-{tracker}{count}", args.keep) as workdir,
        servers(
            int(count), workdir, *([args.pool_size] if tracker == "trackrecord" else [])
        ) as target,
    ):
        for rung in args.rungs:
            row = run_rung(tracker, target, rung, args, workdir / "load.log")
            rows.append(row)
            print(f"  {setup} {rung.name}: {line(row)}", file=sys.stderr, flush=True)
            if overloaded(row) and not args.no_stop:
                print(f"  {setup}: overloaded, not climbing further", file=sys.stderr)
                break
    return rows


def line(row: dict[str, Any]) -> str:
    logs, reads = row["logs"], row["reads"]
    return (f"log p50/p99 {logs['p50_ms']:.0f}/{logs['p99_ms']:.0f} ms, "
            f"{logs['per_s']:.0f}/{row['offered_logs_per_s']:.0f} per s; read p50/p99 "
            f"{reads['p50_ms']:.0f}/{reads['p99_ms']:.0f} ms; errors "
            f"{logs['errors'] + reads['errors']}")  # fmt: skip


def table(setup: str, rows: list[dict[str, Any]]) -> str:
    """One set-up's ladder as a Markdown table."""
    head = ("| loggers + readers | log p50 / p99 / max (ms) | read p50 / p99 (ms) | logs/s "
            "(offered) | reads/s | errors | server CPU (ms/request) | PostgreSQL CPU | "
            "generators' CPU | machine busy |\n" + "|---" * 10 + "|")  # fmt: skip
    body = []
    for r in rows:
        logs, reads = r["logs"], r["reads"]
        errors = logs["errors"] + reads["errors"]
        per_request = r["server_cores"] * 1000 / max(1e-9, logs["per_s"] + reads["per_s"])
        body.append(
            f"| {r['rung']} | {logs['p50_ms']:,.0f} / {logs['p99_ms']:,.0f} / "
            f"{logs['max_ms']:,.0f} | {reads['p50_ms']:,.0f} / {reads['p99_ms']:,.0f} | "
            f"{logs['per_s']:,.0f} ({r['offered_logs_per_s']:,.0f}) | {reads['per_s']:,.1f} | "
            f"{errors} | {r['server_cores']:.2f} cores ({per_request:.1f}) | "
            f"{r['postgres_cores']:.2f} cores | {r['generator_cpu']:.2f} cores | "
            f"{r['machine_busy']:.0%} |"
        )
    samples = {s for r in rows for k in ("logs", "reads") for s in r[k]["error_samples"]}
    notes = "".join(f"\n  error sample: {s}" for s in sorted(samples)[:3])
    return f"{setup}\n{head}\n" + "\n".join(body) + notes


def side_by_side(results: dict[str, list[dict[str, Any]]], rungs: list[Rung]) -> str:
    """Log p50 / p99 and errors per rung, one column per set-up."""
    setups = list(results)
    out = ["| loggers + readers | " + " | ".join(setups) + " |",
           "|---|" + "---|" * len(setups)]  # fmt: skip
    for rung in rungs:
        cells = []
        for setup in setups:
            row = next((r for r in results[setup] if r["rung"] == rung.name), None)
            if row is None:
                cells.append("—")
                continue
            errors = row["logs"]["errors"] + row["reads"]["errors"]
            cells.append(f"{row['logs']['p50_ms']:,.0f} / {row['logs']['p99_ms']:,.0f} ms, "
                         f"{row['logs']['per_s']:,.0f}/s, {errors} err")  # fmt: skip
        out.append(f"| {rung.name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_peers()
    results: dict[str, list[dict[str, Any]]] = {}
    for setup in args.setup:
        try:
            results[setup] = measure(setup, args)
        except Exception as exc:  # one set-up failing (MLflow missing) does not stop the rest
            print(f"  {setup} failed: {exc}", file=sys.stderr)
            results[setup] = []
    print(f"Log requests: p50 / p99 latency, logs stored per second, errors "
          f"({args.duration:g} s per rung after {args.warmup:g} s of warm-up)\n")  # fmt: skip
    print(side_by_side(results, args.rungs) + "\n")
    for setup, rows in results.items():
        print(table(setup, rows) + "\n")
    if args.output:
        args.output.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                           "results": results}, indent=1))  # fmt: skip
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
