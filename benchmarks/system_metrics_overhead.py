"""What system metrics and console capture cost a training process.

A report, not a test: it asserts nothing. Run it with the project's virtualenv::

    .venv/bin/python benchmarks/system_metrics_overhead.py [--seconds 3] [--repeat 3]

It prints:

1. the CPU time of one sample (all readers + the buffer append), measured with
   ``time.thread_time`` over many samples, and what that is as a share of one core at
   the default 15 s interval and at the 1 s minimum;
2. the sampler thread's own CPU time per sample in a live run (``SystemSampler.cpu_seconds``);
3. the wall time of a CPU-bound pure-Python loop in a run without, then with, the
   sampler at a 1 s interval (the worst case allowed), alternating, medians;
4. the cost of ``print()`` with and without the console tee (stdout to a file).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import trackrecord
from trackrecord.sdk.buffers import MetricBuffers
from trackrecord.sdk.system_metrics import (
    DEFAULT_INTERVAL,
    GpuReader,
    ProcessReader,
    ProcReader,
)


def cpu_per_sample(samples: int) -> tuple[float, int]:
    """Seconds of CPU per sample, and how many keys a sample logs."""
    gpus = GpuReader.open()
    readers = [ProcReader(), ProcessReader(), *([gpus] if gpus else [])]
    buffers = MetricBuffers()
    keys = 0
    started = time.thread_time()
    for step in range(samples):
        values: dict[str, float] = {}
        for reader in readers:
            values.update(reader.read(1.0))
        buffers.add(values, step=step)
        keys = len(values)
    spent = time.thread_time() - started
    if gpus is not None:
        gpus.close()
    return spent / samples, keys


def busy_loop(seconds_hint: int) -> float:
    """Wall seconds of a fixed amount of pure-Python arithmetic."""
    started = time.perf_counter()
    total = 0
    for i in range(seconds_hint * 8_000_000):
        total += i * i % 7
    return time.perf_counter() - started


def in_run(store: Path, action: Callable[[], float], **options: object) -> tuple[float, object]:
    run = trackrecord.init("bench", dir=store, capture=False, **options)  # type: ignore[arg-type]
    try:
        return action(), run
    finally:
        run.finish()


def live_sampler(store: Path, seconds: float) -> tuple[float, int, float]:
    run = trackrecord.init("bench", dir=store, capture=False, system_interval=1.0,
                           system_metrics=True)  # fmt: skip
    sampler = run._recorders[0]
    time.sleep(seconds)
    run.finish()
    return sampler.cpu_seconds, sampler.samples_taken, sampler.setup_seconds  # type: ignore[attr-defined]


def print_cost(store: Path, lines: int, console: bool) -> float:
    """Seconds per print() of a short line, stdout going to a file."""
    with tempfile.TemporaryFile("w+") as sink, contextlib.redirect_stdout(sink):
        run = trackrecord.init("bench", dir=store, capture=False, capture_console=console)
        started = time.perf_counter()
        for i in range(lines):
            print("step", i, "loss", 0.125)
        spent = time.perf_counter() - started
        run.finish()
    return spent / lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="busy loop length (about)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    store = Path(tempfile.mkdtemp(prefix="trackrecord-bench-")) / "store"

    per_sample, keys = cpu_per_sample(2000)
    print(f"1. one sample: {per_sample * 1e6:.0f} µs CPU, {keys} keys")
    for interval in (DEFAULT_INTERVAL, 1.0):
        share = per_sample / interval * 100
        print(f"   at a {interval:g} s interval: {share:.4f} % of one core")

    cpu, taken, setup = live_sampler(store, 5.2)
    print(f"2. live sampler thread: {taken} samples, {cpu / max(taken, 1) * 1e6:.0f} µs CPU "
          f"per sample; {setup * 1e3:.1f} ms once to open the readers")  # fmt: skip

    without, with_ = [], []
    for _ in range(args.repeat):
        without.append(in_run(store, lambda: busy_loop(args.seconds), system_metrics=False)[0])
        with_.append(in_run(store, lambda: busy_loop(args.seconds), system_metrics=True,
                            system_interval=1.0)[0])  # fmt: skip
    a, b = statistics.median(without), statistics.median(with_)
    print(f"3. busy loop: {a:.3f} s without, {b:.3f} s with the sampler at 1 s "
          f"({(b / a - 1) * 100:+.2f} %; medians of {args.repeat})")  # fmt: skip

    plain = print_cost(store, 100_000, console=False)
    teed = print_cost(store, 100_000, console=True)
    print(f"4. print(): {plain * 1e6:.2f} µs without, {teed * 1e6:.2f} µs with the console tee "
          f"(x{teed / plain:.2f})", file=sys.stderr if isinstance(sys.stdout, io.StringIO)
          else sys.stdout)  # fmt: skip


if __name__ == "__main__":
    main()
