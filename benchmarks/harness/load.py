"""The load generator of `server_load.py`: loggers and readers as asyncio tasks over aiohttp.

One generator process runs a share of a rung's loggers and readers against one or more
server URLs (replicas: logger and reader *i* use URL *i* mod the number of URLs). Set-up
is untimed: each logger starts its run and builds every request body it will send (a
TrackRecord logger its whole hash chain, framed as the SDK frames it) before the process
says it is ready. Then, released at a shared `time.monotonic()` instant (one clock for
every process on Linux):

- a logger sends one event of `keys` × `steps` points (100 by default) every
  `log_interval` seconds, one request at a time (its next event follows the previous
  one in the run's chain); when an answer comes later than the next slot, the next event
  goes at once and the missed slots are not made up, so an overloaded server sees fewer
  requests (its throughput falls below the offered rate);
- a reader asks every `read_interval` seconds for, alternately, the first page of the
  project's runs (the UI's table) and a downsampled series of one logger's metric (the
  UI's chart).

Requests sent during the warm-up are not counted. A request counts as an error when it
fails or is answered with a status of 300 or more. The result is one JSON object on
stdout (latencies in milliseconds, errors with a few samples, how late requests went
out against their slot, and the CPU time the generator itself used).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

Request = Callable[[aiohttp.ClientSession], Awaitable[str | None]]
"""Sends one request; None if it succeeded, else what went wrong."""


async def _outcome(answer: aiohttp.ClientResponse) -> str | None:
    """None for a success; for an error its status and the start of its body."""
    body = await answer.read()
    if answer.status < 300:
        return None
    return f"HTTP {answer.status}: {body[:200].decode(errors='replace')}"


@dataclass
class Plan:
    """What one generator process does (sent to it as JSON)."""

    tracker: str  # "trackrecord" or "mlflow"
    urls: list[str]
    loggers: list[int]  # global indices of this process's loggers
    readers: list[int]
    warmup: float
    duration: float
    log_interval: float = 0.25
    read_interval: float = 0.5
    keys: int = 10
    steps: int = 10
    token: str = ""  # TrackRecord: the loggers' and readers' bearer token
    project: str = "load"  # TrackRecord project; MLflow experiment id


@dataclass
class Stats:
    """Latencies and errors of one kind of request."""

    latencies_ms: list[float] = field(default_factory=list)
    late_ms: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def record(self, took: float, late: float, error: str | None) -> None:
        self.latencies_ms.append(round(took * 1000, 3))
        self.late_ms.append(round(max(0.0, late) * 1000, 3))
        if error is not None:
            self.errors += 1
            if len(self.samples) < 3:
                self.samples.append(error[:300])


class TrackRecordTarget:
    """`trackrecord server` with auth on: framed events in, runs and series out."""

    def __init__(self, plan: Plan) -> None:
        from trackrecord.record.wire import EVENTS_TYPE

        self.plan = plan
        self.auth = {"Authorization": f"Bearer {plan.token}"}
        self.post_headers = {**self.auth, "Content-Type": EVENTS_TYPE}
        self.runs: dict[int, str] = {}

    async def start(self, session: aiohttp.ClientSession, i: int, count: int) -> list[Request]:
        """Start logger *i*'s run; the requests of its next *count* events, built."""
        import numpy as np
        from trackrecord.ids import new_run_id
        from trackrecord.record.events import GENESIS, Event, Points
        from trackrecord.record.framing import encode_event

        run_id, plan = new_run_id(), self.plan
        now = time.time_ns() // 1_000_000
        start = Event.build(run_id, 1, "run.start", now, GENESIS,
                            {"project": plan.project, "name": f"logger-{i}"})  # fmt: skip
        url = f"{plan.urls[i % len(plan.urls)]}/api/v1/runs/{run_id}/events"
        async with session.post(url, data=encode_event(start), headers=self.post_headers) as r:
            if r.status >= 300:
                raise RuntimeError(f"run.start of logger {i}: {r.status} {await r.text()}")
        self.runs[i] = run_id
        rng = np.random.default_rng(i)
        prev, bodies = start.hash, []
        for n in range(count):
            steps = np.arange(n * plan.steps, (n + 1) * plan.steps, dtype=np.int64)
            times = now + steps
            points = {f"m{k}": Points(steps, rng.random(plan.steps), times)
                      for k in range(plan.keys)}  # fmt: skip
            event = Event.build(run_id, n + 2, "metrics", now + n, prev, {}, points)
            prev = event.hash
            bodies.append(encode_event(event))
        return [self._post(url, body) for body in bodies]

    def _post(self, url: str, body: bytes) -> Request:
        async def send(session: aiohttp.ClientSession) -> str | None:
            async with session.post(url, data=body, headers=self.post_headers) as answer:
                return await _outcome(answer)

        return send

    def read(self, reader: int, n: int) -> Request:
        """Reader *reader*'s *n*-th request: the runs table, or a chart of one run."""
        base = self.plan.urls[reader % len(self.plan.urls)]
        if n % 2 == 0:
            url = f"{base}/api/v1/runs"
            params = {"project": self.plan.project, "limit": "50"}
        else:
            run_id = random.choice(list(self.runs.values()))
            url, params = f"{base}/api/v1/runs/{run_id}/metrics/m0", {"buckets": "500"}

        async def send(session: aiohttp.ClientSession) -> str | None:
            async with session.get(url, params=params, headers=self.auth) as answer:
                return await _outcome(answer)

        return send


class MlflowTarget:
    """`mlflow server`: `runs/log-batch` in; `runs/search` and the sampled history out."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.runs: dict[int, str] = {}

    async def start(self, session: aiohttp.ClientSession, i: int, count: int) -> list[Request]:
        """Create logger *i*'s run; the requests of its next *count* batches, built."""
        plan = self.plan
        base = plan.urls[i % len(plan.urls)]
        now = time.time_ns() // 1_000_000
        body = {"experiment_id": plan.project, "run_name": f"logger-{i}", "start_time": now}
        async with session.post(f"{base}/api/2.0/mlflow/runs/create", json=body) as r:
            if r.status >= 300:
                raise RuntimeError(f"runs/create of logger {i}: {r.status} {await r.text()}")
            run_id = (await r.json())["run"]["info"]["run_id"]
        self.runs[i] = run_id
        rng = random.Random(i)
        url, requests = f"{base}/api/2.0/mlflow/runs/log-batch", []
        for n in range(count):
            metrics = [{"key": f"m{k}", "value": rng.random(), "timestamp": now + step,
                        "step": step}
                       for step in range(n * plan.steps, (n + 1) * plan.steps)
                       for k in range(plan.keys)]  # fmt: skip
            data = json.dumps({"run_id": run_id, "metrics": metrics}).encode()
            requests.append(self._post(url, data))
        return requests

    @staticmethod
    def _post(url: str, data: bytes) -> Request:
        async def send(session: aiohttp.ClientSession) -> str | None:
            headers = {"Content-Type": "application/json"}
            async with session.post(url, data=data, headers=headers) as answer:
                return await _outcome(answer)

        return send

    def read(self, reader: int, n: int) -> Request:
        """Reader *reader*'s *n*-th request: the runs table, or a chart of one run."""
        base = self.plan.urls[reader % len(self.plan.urls)]
        if n % 2 == 0:
            body = {"experiment_ids": [self.plan.project], "max_results": 50}

            async def send(session: aiohttp.ClientSession) -> str | None:
                async with session.post(f"{base}/api/2.0/mlflow/runs/search", json=body) as a:
                    return await _outcome(a)

            return send
        run_id = random.choice(list(self.runs.values()))
        url = f"{base}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
        params = {"run_ids": run_id, "metric_key": "m0", "max_results": "500"}

        async def fetch(session: aiohttp.ClientSession) -> str | None:
            async with session.get(url, params=params) as answer:
                return await _outcome(answer)

        return fetch


async def _timed(session: aiohttp.ClientSession, request: Request) -> tuple[float, str | None]:
    began = time.monotonic()
    try:
        error = await request(session)
    except Exception as exc:  # a failed request is an error of the rung, not of the tool
        error = f"{type(exc).__name__}: {exc}"
    return time.monotonic() - began, error


async def _loop(
    session: aiohttp.ClientSession, requests: Callable[[int], Request | None], interval: float,
    first: float, counted: float, end: float, stats: Stats,
) -> None:  # fmt: skip
    """Send request n at slot *first* + n × *interval* (or as soon as the previous answers)."""
    slot, n = first, 0
    while slot < end:
        request = requests(n)
        if request is None:
            return
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = time.monotonic()
        took, error = await _timed(session, request)
        if sent >= counted:
            stats.record(took, sent - slot, error)
        n += 1
        slot = max(slot + interval, time.monotonic())


async def generate(plan: Plan) -> dict[str, Any]:
    """Set up, say ``ready``, wait for ``go T0`` on stdin, run the rung; the result."""
    target = TrackRecordTarget(plan) if plan.tracker == "trackrecord" else MlflowTarget(plan)
    slots = int((plan.warmup + plan.duration) / plan.log_interval) + 2
    # idle connections are dropped before uvicorn's 5 s keep-alive closes them, so that no
    # request goes out on a connection the server is closing (a reset, not the server's fault)
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=3)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        built = await asyncio.gather(*(target.start(session, i, slots) for i in plan.loggers))
        print("ready", flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        t0 = float(line.split()[1])
        counted, end = t0 + plan.warmup, t0 + plan.warmup + plan.duration
        logs, reads = Stats(), Stats()
        cpu = time.process_time()
        tasks = [
            _loop(session, lambda n, r=requests: r[n] if n < len(r) else None, plan.log_interval,
                  t0 + plan.log_interval * k / max(1, len(plan.loggers)), counted, end, logs)
            for k, requests in enumerate(built)
        ] + [
            _loop(session, lambda n, i=i: target.read(i, n), plan.read_interval,
                  t0 + plan.read_interval * k / max(1, len(plan.readers)), counted, end, reads)
            for k, i in enumerate(plan.readers)
        ]  # fmt: skip
        await asyncio.gather(*tasks)
        cpu = time.process_time() - cpu
    return {"logs": asdict(logs), "reads": asdict(reads), "cpu_s": cpu,
            "wall_s": time.monotonic() - t0}  # fmt: skip


def main() -> None:
    """Entry point of a generator process: the plan as one JSON line on stdin."""
    plan = Plan(**json.loads(sys.stdin.readline()))
    result = asyncio.run(generate(plan))
    print(json.dumps(result), flush=True)
