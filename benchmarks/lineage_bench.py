"""Lineage queries on a store with thousands of runs, and MLflow's nearest query beside them.

The store: ``--runs`` runs in all. A tenth are preprocessing runs, each reading one
version of a raw dataset and producing a version of ``features``; the rest are
training runs under sweep parents, each reading one ``features`` version and a
test set; every 40th training run's model is registered (10 registered models,
``champion`` on each one's latest version).

Timed (median of ``--repeat`` calls, warm):

- TrackRecord ``lineage(alias, upstream)``: champion → version → run → data →
  preprocessing run → raw data (the auditor's question);
- TrackRecord ``lineage(raw dataset version, downstream)``: everything made from it;
- "which runs used this dataset version": TrackRecord ``dataset_uses`` beside
  MLflow 3's ``search_runs(filter_string="dataset.digest = ...")`` on the same
  runs and digests (MLflow has no lineage graph; this is its nearest query).

Usage: .venv-bench/bin/python benchmarks/lineage_bench.py [--runs 3000] [--postgres URL]
(``make bench`` builds .venv-bench with MLflow.) Prints a table and the ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.ids import new_run_id
from trackrecord.record.events import GENESIS, Event
from trackrecord.store.sql import SqlStore

T0 = 1_700_000_000_000


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Plan:
    """What every run reads and produces, so both trackers get the same runs."""

    def __init__(self, runs: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.prep = max(1, runs // 10)
        self.raw_versions = max(1, self.prep // 10)
        self.runs: list[dict[str, Any]] = []
        for i in range(self.prep):
            raw = sha(f"raw{i % self.raw_versions}")
            made = sha(f"features{i}")
            self.runs.append({"kind": "prep", "reads": [("raw", raw)],
                              "writes": [("features", made)], "parent": None})  # fmt: skip
        sweeps = max(1, (runs - self.prep) // 30)
        for i in range(runs - self.prep):
            features = sha(f"features{rng.randrange(self.prep)}")
            self.runs.append({
                "kind": "train", "parent": i % sweeps,
                "reads": [("features", features), ("test", sha(f"test{i % 5}"))], "writes": [],
                "model": i % 40 == 0,
            })  # fmt: skip
        self.sweeps = sweeps


def build_trackrecord(store: SqlStore, plan: Plan) -> dict[str, str]:
    """Load the plan through the Store protocol, as the SDK's writer would."""
    sweep_ids = []
    for i in range(plan.sweeps):
        run_id = new_run_id()
        start = Event.build(run_id, 1, "run.start", T0, GENESIS,
                            {"project": "bench", "name": f"sweep-{i}"})  # fmt: skip
        store.append_events([start])
        sweep_ids.append(run_id)
    registered = 0
    for n, spec in enumerate(plan.runs):
        run_id = new_run_id()
        parent = sweep_ids[spec["parent"]] if spec["parent"] is not None else None
        bodies: list[tuple[str, dict[str, Any]]] = [
            ("run.start", {"project": "bench", "name": f"{spec['kind']}-{n}", "parent": parent})
        ]
        uses = [(n, d, "input") for n, d in spec["reads"]]
        uses += [(n, d, "output") for n, d in spec["writes"]]
        for name, digest, direction in uses:
            bodies.append(("dataset", {"name": name, "digest": digest, "role": "train",
                                       "direction": direction, "kind": "file"}))  # fmt: skip
        if spec.get("model"):
            files = [{"path": "model.skops", "sha256": sha(f"w{n}"), "size": 100}]
            bodies.append(("model", {"name": "clf", "digest": sha(f"m{n}"), "flavor": "sklearn",
                                     "format": "skops", "path": "models/clf", "files": files,
                                     "meta": {}}))  # fmt: skip
        bodies.append(("run.end", {"status": "finished", "error": None}))
        events, prev = [], GENESIS
        for seq, (type_, body) in enumerate(bodies, 1):
            event = Event.build(run_id, seq, type_, T0 + n, prev, body)
            events.append(event)
            prev = event.hash
        store.append_events(events)
        if spec.get("model"):
            model = f"model-{registered % 10}"
            version = store.catalog.create_version(model, run_id, "clf", "bench")
            store.catalog.set_alias(model, "champion", version.version, "bench")
            registered += 1
    return {"raw": sha("raw0"), "features": sha("features0")}


def build_mlflow(directory: Path, plan: Plan) -> Any:
    import mlflow
    from mlflow.data.http_dataset_source import HTTPDatasetSource
    from mlflow.data.meta_dataset import MetaDataset

    mlflow.set_tracking_uri(f"sqlite:///{directory / 'mlflow.db'}")
    mlflow.set_experiment("bench")
    for n, spec in enumerate(plan.runs):
        with mlflow.start_run(run_name=f"{spec['kind']}-{n}"):
            for name, digest in spec["reads"] + spec["writes"]:
                source = HTTPDatasetSource(f"https://data.example/{name}/{digest[:8]}")
                dataset = MetaDataset(source, name=name, digest=digest[:32])
                mlflow.log_input(dataset, context="training")
    return mlflow


def median_ms(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = call()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", help="also measure on this (empty) PostgreSQL database URL")
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    plan = Plan(args.runs)
    work = Path(tempfile.mkdtemp(prefix="lineage-bench-"))
    stores = {"TrackRecord (SQLite)": SqlStore.open(work / "tr")}
    if args.postgres:
        stores["TrackRecord (PostgreSQL)"] = SqlStore.connect(
            args.postgres, LocalArtifactStore(work / "pg-artifacts")
        )
    rows: list[tuple[str, str, float, int]] = []
    for label, store in stores.items():
        start = time.perf_counter()
        digests = build_trackrecord(store, plan)
        print(f"{label}: loaded {len(plan.runs) + plan.sweeps} runs in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        catalog = store.catalog
        ms, graph = median_ms(lambda c=catalog: c.lineage("alias:model-0@champion", "upstream"),
                              args.repeat)  # fmt: skip
        rows.append((label, "lineage(champion, upstream)", ms, len(graph.nodes)))
        ms, graph = median_ms(lambda c=catalog: c.lineage("dataset:raw@1", "downstream"),
                              args.repeat)  # fmt: skip
        rows.append((label, "lineage(raw v1, downstream)", ms, len(graph.nodes)))
        ms, uses = median_ms(lambda c=catalog, d=digests: c.dataset_uses("features",
                             d["features"]), args.repeat)  # fmt: skip
        rows.append((label, "runs that used a dataset version", ms, len(uses)))
        store.close()
    if not args.no_mlflow:
        start = time.perf_counter()
        mlflow = build_mlflow(work / "mlflow", plan)
        print(f"MLflow (SQLite): loaded {len(plan.runs)} runs in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        digest = sha("features0")[:32]
        ms, found = median_ms(
            lambda: mlflow.search_runs(filter_string=f"dataset.digest = '{digest}'",
                                       output_format="list", search_all_experiments=True),
            args.repeat,
        )  # fmt: skip
        rows.append(("MLflow (SQLite)", "runs that used a dataset version", ms, len(found)))
    print(f"\n{'tracker':<26} {'query':<34} {'median ms':>10} {'found':>6}")
    for label, query, ms, found in rows:
        print(f"{label:<26} {query:<34} {ms:>10.2f} {found:>6}")
    ours = next(ms for label, q, ms, _ in rows if q.startswith("runs that") and "SQLite" in label
                and label.startswith("TrackRecord"))  # fmt: skip
    peer = [ms for label, q, ms, _ in rows if label.startswith("MLflow")]
    if peer:
        print(f"\nruns that used a dataset version: MLflow / TrackRecord = {peer[0] / ours:.1f}x")


if __name__ == "__main__":
    main()
