"""Property tests: ``SqlStore.search_runs`` agrees with a plain Python reference.

A population of runs (every JSON type of param, NaN and infinite metrics,
missing fields, deleted runs, two projects) is logged once per test module;
random query trees are rendered to text with varied spelling, run through the
store, and compared with :mod:`tests.query.reference` evaluated run by run.
Sorting and cursor pagination are checked the same way, also while runs are
being inserted between pages.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.query import grammar
from tests.query.grammar import F
from tests.query.population import PROJECTS, RunPlan, plan_run, populate
from tests.query.reference import holds, known_keys, leaves, sort_runs, stored, unknown_key
from tests.store.conftest import Chain
from trackrecord.query import QueryError
from trackrecord.store.base import RunRecord
from trackrecord.store.sql import SqlStore
from trackrecord.values import flatten_params

SEED = 20_261_101
RUNS = 60
NEWEST_FIRST = [(F("attr", "created"), True)]
SETTINGS = {
    "deadline": None,
    "database": None,  # nothing written into the repository
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class World:
    """A store holding a population, and its runs as records."""

    store: SqlStore
    plans: list[RunPlan]
    now_ms: int

    def records(self) -> list[RunRecord]:
        return [self.store.get_run(plan.run_id) for plan in self.plans]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(plan.run_id for plan in self.plans)


def _open_world(directory: Path, seed: int, runs: int) -> World:
    store = SqlStore.open(directory)
    now = now_ms()
    return World(store, populate(store, seed, runs, now), now)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The module's population, logged once: queries vary, the runs do not."""
    opened = _open_world(tmp_path_factory.mktemp("population"), SEED, RUNS)
    yield opened
    opened.store.close()


@pytest.fixture(scope="module")
def records(world: World) -> list[RunRecord]:
    return world.records()


def _explain(text: str, tree: object, runs: Sequence[RunRecord], ids: set[str]) -> str:
    """The query and, for each run the store and the reference disagree on, its values."""
    fields = {leaf.field for leaf in leaves(tree)}
    lines = [f"query: {text!r}", f"tree: {tree!r}", "runs in one answer only:"]
    now = now_ms()
    for run in runs:
        if run.id in ids:
            shown = {f"{f.kind}.{f.key}.{f.aggregate}": stored(run, f, now) for f in fields}
            lines.append(f"  {run.id} (deleted={run.deleted_at is not None}): {shown}")
    return "\n".join(lines)


def check_search(
    store: SqlStore,
    runs: Sequence[RunRecord],
    tree: object,
    text: str,
    project: str | None = None,
    deleted: bool = False,
) -> None:
    """search_runs(text) returns exactly the runs the reference selects, newest first."""
    known = known_keys(runs)
    bad = unknown_key((leaf.field for leaf in leaves(tree)), known)
    if bad is not None:
        with pytest.raises(QueryError, match=f"no run has .*{bad.key}"):
            store.search_runs(text, project=project, deleted=deleted, limit=10_000)
        return
    page = store.search_runs(text, project=project, deleted=deleted, limit=10_000)
    now = now_ms()
    candidates = [
        run
        for run in runs
        if (run.deleted_at is not None) == deleted and project in (None, run.project)
    ]
    expected = [run.id for run in candidates if holds(tree, run, now)]
    got = [run.id for run in page.runs]
    assert set(got) == set(expected), _explain(text, tree, runs, set(got) ^ set(expected))
    newest_first = [run.id for run in sort_runs(candidates, NEWEST_FIRST, now)]
    assert got == [i for i in newest_first if i in set(expected)], "not newest first"
    assert page.next_cursor is None


@settings(max_examples=400, **SETTINGS)
@given(data=st.data())
def test_search_agrees_with_the_reference(
    world: World, records: list[RunRecord], data: st.DataObject
) -> None:
    tree = data.draw(grammar.queries(world.ids, world.now_ms), label="tree")
    text = grammar.render(tree, random.Random(data.draw(st.integers(0, 2**32), label="style")))
    project = data.draw(st.sampled_from((None, None, *PROJECTS)), label="project")
    deleted = data.draw(st.sampled_from((False, False, False, True)), label="deleted")
    check_search(world.store, records, tree, text, project, deleted)


@settings(max_examples=200, **SETTINGS)
@given(
    field=grammar.fields(unknown=False).filter(lambda f: f.kind != "attr"),
    data=st.data(),
)
def test_not_is_the_complement_of_every_comparison(
    world: World, records: list[RunRecord], field: F, data: st.DataObject
) -> None:
    """``not (p)`` is every live run ``p`` misses, runs without the field included."""
    leaf = data.draw(grammar.predicates(field, world.ids, world.now_ms))
    style = random.Random(0)
    matched = {
        r.id for r in world.store.search_runs(grammar.render(leaf, style), limit=10_000).runs
    }
    negated = grammar.render(grammar.Neg(leaf), style, "unary")
    missed = {r.id for r in world.store.search_runs(negated, limit=10_000).runs}
    live = {run.id for run in records if run.deleted_at is None}
    assert matched | missed == live
    assert not matched & missed


def _order_keys(data: st.DataObject) -> list[tuple[F, bool]]:
    return data.draw(
        st.lists(st.tuples(grammar.sort_fields(), st.booleans()), min_size=1, max_size=3),
        label="keys",
    )


def _order_by(keys: Sequence[tuple[F, bool]], style: random.Random) -> list[str]:
    texts = []
    for field, descending in keys:
        text = grammar.order_text(field, descending, style)
        texts.append(text if descending or style.random() < 0.8 else "+" + text)
    return texts


def page_through(
    store: SqlStore,
    query: str | None,
    order_by: list[str],
    limit: int,
    project: str | None = None,
    between_pages: object = None,
    max_pages: int = 1_000,
) -> list[str]:
    """Every page of a search, by cursor; *between_pages* is called after each page."""
    served: list[str] = []
    cursor = None
    for _ in range(max_pages):  # a cursor that never ends would hang the suite
        page = store.search_runs(query, project, order_by, limit, cursor)
        assert len(page.runs) <= limit
        served += [run.id for run in page.runs]
        if page.next_cursor is None:
            return served
        assert len(page.runs) == limit, "a page before the last one is full"
        if callable(between_pages):
            between_pages(served)
        cursor = page.next_cursor
    raise AssertionError(f"pagination did not end after {max_pages} pages: {served}")


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_pages_follow_the_reference_order(
    world: World, records: list[RunRecord], data: st.DataObject
) -> None:
    keys = _order_keys(data)
    style = random.Random(data.draw(st.integers(0, 2**32), label="style"))
    order_by = _order_by(keys, style)
    tree = data.draw(st.none() | grammar.queries(world.ids, world.now_ms, False, 3), label="tree")
    query = None if tree is None else grammar.render(tree, style)
    project = data.draw(st.sampled_from((None, *PROJECTS)), label="project")
    limit = data.draw(st.integers(1, 25), label="limit")
    served = page_through(world.store, query, order_by, limit, project)
    now = now_ms()
    matching = [
        run
        for run in records
        if run.deleted_at is None
        and project in (None, run.project)
        and (tree is None or holds(tree, run, now))
    ]
    expected = [run.id for run in sort_runs(matching, keys, now)]
    assert served == expected, f"order_by={order_by} query={query!r} limit={limit}"


@pytest.fixture(scope="module")
def growing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A population that the insertion test adds runs to."""
    opened = _open_world(tmp_path_factory.mktemp("growing"), SEED + 1, 30)
    yield opened
    opened.store.close()


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_pages_neither_overlap_nor_skip_while_runs_are_inserted(
    growing: World, data: st.DataObject
) -> None:
    keys = _order_keys(data)
    order_by = _order_by(keys, random.Random(data.draw(st.integers(0, 2**32), label="style")))
    limit = data.draw(st.integers(2, 12), label="limit")
    rng = random.Random(data.draw(st.integers(0, 2**32), label="inserts"))
    before = {run.id for run in growing.records() if run.deleted_at is None}
    must_appear: set[str] = set()
    now = now_ms()

    def insert(served: list[str]) -> None:
        if len(must_appear) > 6:
            return
        last = growing.store.get_run(served[-1])
        for _ in range(rng.randint(0, 2)):
            plan = plan_run(rng, now, growing.ids)
            plan.deleted = False
            growing.store.append_events(plan.events())
            growing.plans.append(plan)
            run = growing.store.get_run(plan.run_id)
            if sort_runs([last, run], keys, now)[0] is last:
                must_appear.add(run.id)  # it sorts after the page already served

    served = page_through(growing.store, None, order_by, limit, between_pages=insert)
    assert len(served) == len(set(served)), "a run was served twice"
    assert before <= set(served), "a run that was there from the start was skipped"
    assert must_appear <= set(served), "a run inserted after the cursor was skipped"
    runs = [growing.store.get_run(i) for i in served]
    assert served == [run.id for run in sort_runs(runs, keys, now)], f"order_by={order_by}"


@settings(max_examples=8, **SETTINGS)
@given(seed=st.integers(0, 2**32), size=st.integers(1, 20), data=st.data())
def test_random_populations(seed: int, size: int, data: st.DataObject) -> None:
    """Other populations, fewer examples: a few queries and one paging each."""
    with tempfile.TemporaryDirectory() as directory:
        small = _open_world(Path(directory), seed, size)
        try:
            runs = small.records()
            for _ in range(5):
                tree = data.draw(grammar.queries(small.ids, small.now_ms), label="tree")
                style = random.Random(data.draw(st.integers(0, 2**32), label="style"))
                check_search(small.store, runs, tree, grammar.render(tree, style))
            keys = _order_keys(data)
            if unknown_key((f for f, _ in keys), known_keys(runs)) is None:
                order_by = _order_by(keys, random.Random(seed))
                served = page_through(small.store, None, order_by, data.draw(st.integers(1, 7)))
                live = [run for run in runs if run.deleted_at is None]
                assert served == [run.id for run in sort_runs(live, keys, now_ms())]
        finally:
            small.store.close()


def test_the_population_is_stored_as_logged(world: World, records: list[RunRecord]) -> None:
    """The reference reads RunRecords; check they say what the events said."""
    kinds = {"bool": 0, "number": 0, "string": 0, "null": 0, "list": 0, "dict": 0}
    for plan, run in zip(world.plans, records, strict=True):
        params = {**flatten_params(plan.config), **flatten_params(plan.later_params)}
        assert run.params == params
        assert run.tags == {**plan.tags, **plan.later_tags}
        assert (run.deleted_at is not None) == plan.deleted
        for key in {k for batch in plan.metrics for k in batch}:
            steps = [s for batch in plan.metrics if key in batch for s in batch[key][0]]
            values = np.array([v for batch in plan.metrics if key in batch for v in batch[key][1]])
            summary = run.summaries[key]
            finite = values[~np.isnan(values)]
            assert summary.count == len(values)
            assert summary.max_step == max(steps)
            assert np.array_equal([summary.last], values[-1:], equal_nan=True)
            assert summary.min == (finite.min() if len(finite) else None)
            assert summary.max == (finite.max() if len(finite) else None)
        for value in params.values():
            kind = {bool: "bool", int: "number", float: "number", str: "string"}.get(type(value))
            kinds[kind or {type(None): "null", list: "list", dict: "dict"}[type(value)]] += 1
    assert all(kinds.values()), f"the population lacks some JSON types: {kinds}"
    assert {run.status for run in records} >= {"running", "finished"}


@pytest.mark.parametrize("order", ["duration", "-duration"])
def test_pages_by_duration_do_not_repeat_running_runs(tmp_path: Path, order: str) -> None:
    """A running run's duration grows between two pages; the cursor must not see it grow."""
    store = SqlStore.open(tmp_path / "store")
    try:
        now = now_ms()
        for offset in range(3):  # running runs that started a millisecond apart
            chain = Chain()
            chain.events.clear()
            chain.time = now - 60_000 + offset - 1
            chain.add("run.start", {"project": "p", "name": f"running-{offset}"})
            store.append_events(chain.events)

        served = page_through(
            store, None, [order], 1, between_pages=lambda _: time.sleep(0.005), max_pages=10
        )
        assert len(served) == len(set(served)) == 3
    finally:
        store.close()
