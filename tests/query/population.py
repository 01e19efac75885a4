"""Random populations of runs for the query tests, logged straight into a store.

Each run is built as chained events (``Event.build``), the way a writer sends
them: start (config, tags, name, group, parent, user, host), an environment
with git, metric batches, later params and tags, an end and sometimes a
soft delete. Values are drawn to hit the corners of the query semantics:
params of every JSON type (strings that look like numbers or booleans, null,
lists), metrics with NaN and infinities, runs lacking some fields.

Times are chosen so that relative dates (``-7d``) and the duration of running
runs never sit within half an hour of a threshold the query tests use: every
run starts at a whole number of hours plus 30 minutes before "now", and ends
a whole number of hours (plus under a second) later.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.store.conftest import pts
from trackrecord.ids import new_run_id
from trackrecord.record.events import GENESIS, Event
from trackrecord.store.base import Store

HOUR = 3_600_000
PARAM_KEYS = ("lr", "optimizer", "layers", "flag", "seed", "data.path", "odd key", "it's", "mixed")
PARAM_VALUES: tuple[Any, ...] = (
    0, 1, 3, -1, 10, 0.5, 0.001, 1e-05, -2.5, 3.0, 100,
    True, False, None,
    "3", "0.5", "true", "", "adam", "Adam", "sgd-v2", "a_b", "100%", "x*y", "it's",
    'say "hi"', "back\\slash", "日本",
    [1, "a"], [], {},
)  # fmt: skip
TAG_KEYS = ("stage", "team", "num", "note")
TAG_VALUES = ("prod", "dev", "Dev", "3", "10", "3.0", "-1", "", "a b", "x_y", "50%", "ünï")
METRIC_KEYS = ("loss", "acc", "val/acc", "nan.only")
METRIC_VALUES = (0.0, 0.1, 0.5, 0.9, 1.0, 2.0, 3.0, -1.0, 10.0, 100.0, float("inf"), float("-inf"))
NAMES = ("bert-base", "BERT-large", "resnet_50", "res%net", "gpt?", "a*b", "run 1", "日本-run")
GROUPS = (None, "sweep-1", "sweep-2", "Sweep-1")
USERS = (None, "ana", "Bob")
HOSTS = (None, "gpu-1", "gpu-2")
BRANCHES = ("main", "feat/x", "fix_y")
PROJECTS = ("vision", "nlp")
END_STATUSES = ("finished", "failed", "killed", "crashed")


@dataclass
class RunPlan:
    """What one run logs; ``events()`` turns it into its chain."""

    run_id: str
    project: str
    name: str
    created: int
    start: dict[str, Any]
    config: dict[str, Any]
    tags: dict[str, str]
    later_params: dict[str, Any]
    later_tags: dict[str, str]
    git: dict[str, str] | None
    metrics: list[dict[str, tuple[list[int], list[float]]]]
    end: tuple[str, int] | None  # (status, finished time)
    deleted: bool

    def events(self) -> list[Event]:
        """The run's chained events, from run.start on."""
        chain: list[Event] = []
        clock = [self.created]

        def add(
            type_: str, body: dict[str, Any], points: Any = None, at: int | None = None
        ) -> None:
            at = clock[0] if at is None else at
            prev = chain[-1].hash if chain else GENESIS
            chain.append(Event.build(self.run_id, len(chain) + 1, type_, at, prev, body, points))
            clock[0] = at + 1

        body = {"project": self.project, "name": self.name, **self.start}
        add("run.start", {**body, "config": self.config, "tags": self.tags})
        if self.git is not None:
            add("environment", {"git": self.git})
        for batch in self.metrics:
            add("metrics", {}, {k: pts(s, v, clock[0]) for k, (s, v) in batch.items()})
        if self.later_params:
            add("params", {"params": self.later_params})
        if self.later_tags:
            add("tags", {"tags": self.later_tags})
        if self.end is not None:
            add("run.end", {"status": self.end[0]}, at=max(self.end[1], clock[0]))
        if self.deleted:
            add("run.delete", {})
        return chain


def _metric_batches(rng: random.Random) -> list[dict[str, tuple[list[int], list[float]]]]:
    batches: list[dict[str, tuple[list[int], list[float]]]] = []
    step = rng.randint(0, 5)
    for _ in range(rng.randint(0, 3)):
        batch = {}
        for key in rng.sample(METRIC_KEYS, rng.randint(1, len(METRIC_KEYS))):
            n = rng.randint(1, 4)
            steps = [step + rng.randint(-3, 6) for _ in range(n)]  # not always increasing
            if key == "nan.only":
                values = [float("nan")] * n
            else:
                values = [
                    float("nan") if rng.random() < 0.2 else rng.choice(METRIC_VALUES)
                    for _ in range(n)
                ]
            batch[key] = (steps, values)
        step += 7
        batches.append(batch)
    return batches


def plan_run(rng: random.Random, now_ms: int, parents: Sequence[str]) -> RunPlan:
    """One random run that started between 2 hours and 40 days before *now_ms*."""
    age_hours = rng.randint(2, 40 * 24)
    created = now_ms - age_hours * HOUR - HOUR // 2
    end = None
    if rng.random() < 0.75:
        finished = created + rng.randint(0, min(age_hours, 30)) * HOUR + rng.choice((0, 250, 800))
        end = (rng.choice(END_STATUSES), finished)
    start = {
        key: value
        for key, value in (
            ("group", rng.choice(GROUPS)),
            ("user", rng.choice(USERS)),
            ("host", rng.choice(HOSTS)),
            ("parent", rng.choice(parents) if parents and rng.random() < 0.3 else None),
        )
        if value is not None
    }

    def params(keys: int) -> dict[str, Any]:
        return {k: rng.choice(PARAM_VALUES) for k in rng.sample(PARAM_KEYS, keys)}

    def tags(keys: int) -> dict[str, str]:
        return {k: rng.choice(TAG_VALUES) for k in rng.sample(TAG_KEYS, keys)}

    git = None
    if rng.random() < 0.6:
        git = {"commit": f"{rng.getrandbits(40):010x}", "branch": rng.choice(BRANCHES)}
    return RunPlan(
        run_id=new_run_id(),
        project=rng.choice(PROJECTS),
        name=rng.choice(NAMES),
        created=created,
        start=start,
        config=params(rng.randint(0, len(PARAM_KEYS))),
        tags=tags(rng.randint(0, len(TAG_KEYS))),
        later_params=params(rng.randint(0, 2)) if rng.random() < 0.3 else {},
        later_tags=tags(rng.randint(0, 2)) if rng.random() < 0.3 else {},
        git=git,
        metrics=_metric_batches(rng),
        end=end,
        deleted=rng.random() < 0.1,
    )


def populate(store: Store, seed: int, runs: int, now_ms: int | None = None) -> list[RunPlan]:
    """Log *runs* random runs (fixed by *seed*) into *store*; return their plans."""
    rng = random.Random(seed)
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    plans: list[RunPlan] = []
    for _ in range(runs):
        plan = plan_run(rng, now, [p.run_id for p in plans])
        store.append_events(plan.events())
        plans.append(plan)
    return plans
