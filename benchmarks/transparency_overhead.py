"""What the store-wide transparency log costs logging, and how its proofs grow.

A report, not a test: it asserts nothing. Run it with the project's virtualenv::

    .venv/bin/python benchmarks/transparency_overhead.py [--steps 20000] [--repeat 5]
        [--postgres postgresql://postgres@127.0.0.1:5432/bench]

It prints:

1. logging throughput (metric points per second) of the SDK (``run.log`` of two metrics
   per step, from ``init`` to ``finish``) into the embedded SQLite store, with the log
   on and off, alternating, medians of ``--repeat``; and the ratio;
2. with ``--postgres URL`` (an empty database it may write to), the same for the SQL
   store on PostgreSQL: batches of metrics events appended to one run
   (``SqlStore.append_events``, what a server does per request);
3. the largest inclusion and consistency proof (hashes) at logs of 10^3 .. 10^6 leaves
   beside ⌈log2 n⌉: proofs grow as O(log n).

"Off" is ``TRACKRECORD_TRANSPARENCY_LOG=off``, a switch that exists for this benchmark
only: a store written that way has chain heads that were never logged.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np
import trackrecord
from trackrecord.ids import new_run_id
from trackrecord.record.events import GENESIS, Event, Points
from trackrecord.store.sql.transparency_log import LOG_SWITCH
from trackrecord.transparency.merkle import leaf_hash
from trackrecord.transparency.tree import MemoryTree, consistency_proof, inclusion_proof


def sdk_seconds(steps: int) -> float:
    """Seconds to log *steps* steps of two metrics into a new embedded store."""
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        run = trackrecord.init("bench", dir=directory, capture=False, system_metrics=False)
        for step in range(steps):
            run.log({"loss": 1.0 / (step + 1), "acc": step / steps}, step=step)
        run.finish()
        return time.perf_counter() - start


def postgres_seconds(url: str, steps: int, batch: int = 100) -> float:
    """Seconds to append *steps* metrics events of *batch* points each, in batches of ten
    events, to one run of the SQL store on PostgreSQL at *url*."""
    from trackrecord.artifacts.local import LocalArtifactStore
    from trackrecord.store.sql import SqlStore

    with tempfile.TemporaryDirectory() as directory:
        store = SqlStore.connect(url, LocalArtifactStore(directory))
        run_id, at = new_run_id(), 1_700_000_000_000
        start_event = Event.build(run_id, 1, "run.start", at, GENESIS,
                                  {"project": "bench", "name": "bench"})  # fmt: skip
        store.append_events([start_event])
        prev, seq = start_event.hash, 1
        began = time.perf_counter()
        for first in range(0, steps, 10):
            events = []
            for step in range(first, min(first + 10, steps)):
                seq += 1
                index = np.arange(step * batch, (step + 1) * batch, dtype=np.int64)
                points = Points(index, np.sin(index).astype(np.float64), index + at)
                event = Event.build(run_id, seq, "metrics", at + seq, prev, {}, {"x": points})
                events.append(event)
                prev = event.hash
            store.append_events(events)
        seconds = time.perf_counter() - began
        store.close()
        return seconds


def on_and_off(measure: Callable[[], float], repeat: int) -> tuple[float, float]:
    """Median seconds of *measure* with the log on and off, alternating (on first, then
    off first) so drift touches both alike."""
    times: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(repeat):
        for mode in ("on", "off") if i % 2 == 0 else ("off", "on"):
            os.environ[LOG_SWITCH] = mode
            try:
                times[mode].append(measure())
            finally:
                os.environ.pop(LOG_SWITCH, None)
    return statistics.median(times["on"]), statistics.median(times["off"])


def report(what: str, points: int, on: float, off: float) -> None:
    print(f"{what}: log on {points / on:,.0f} points/s, off {points / off:,.0f} points/s; "
          f"throughput on/off = {off / on:.3f} ({(on / off - 1) * 100:+.1f} % time)")  # fmt: skip


def proof_sizes(largest: int) -> None:
    """The longest inclusion and consistency proofs at growing log sizes."""
    tree, n = MemoryTree(), 1000
    print("leaves       ⌈log2 n⌉  max inclusion  max consistency")
    while n <= largest:
        while tree.size < n:
            tree.append(leaf_hash(tree.size.to_bytes(8, "big")))
        picks = np.random.default_rng(n).integers(0, n, 200)
        incl = max(len(inclusion_proof(tree, int(i), n)) for i in picks)
        cons = max(len(consistency_proof(tree, int(m) + 1, n)) for m in picks)
        print(f"{n:>10,}  {math.ceil(math.log2(n)):>8}  {incl:>13}  {cons:>15}")
        n *= 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL")
    parser.add_argument("--max-leaves", type=int, default=1_000_000)
    args = parser.parse_args()
    on, off = on_and_off(lambda: sdk_seconds(args.steps), args.repeat)
    report(f"SDK into SQLite ({args.steps:,} steps x 2 metrics)", 2 * args.steps, on, off)
    if args.postgres:
        steps = args.steps // 10
        on, off = on_and_off(lambda: postgres_seconds(args.postgres, steps), args.repeat)
        report(f"SQL store on PostgreSQL ({steps:,} events x 100 points)", 100 * steps, on, off)
    proof_sizes(args.max_leaves)


if __name__ == "__main__":
    main()
