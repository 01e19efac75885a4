"""Metric chunks in SQL: many keys appended at once are chunked and merged as the policy says.

The write path handles every key of an event in a few statements; the chunks it leaves
must be those of :mod:`trackrecord.store.chunking` applied one batch at a time, and every
point must read back in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.pg import fresh_database
from tests.store.conftest import Chain, pts
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.store.chunking import chunks_to_merge, split
from trackrecord.store.sql import SqlStore


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        opened = SqlStore.open(tmp_path / "store")
        yield opened
        opened.close()
        return
    with fresh_database() as url:
        opened = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        yield opened
        opened.close()


def expected_chunks(batches: list[int]) -> list[tuple[int, int]]:
    """(first_index, count) of each chunk after appending *batches* one at a time."""
    chunks: list[tuple[int, int]] = []
    total = 0
    for size in batches:
        chunks += [(total + a, b - a) for a, b in split(size)]
        total += size
        while merge := chunks_to_merge([c for _, c in chunks[-48:]]):
            first, merged = chunks[-merge][0], sum(c for _, c in chunks[-merge:])
            del chunks[-merge:]
            chunks += [(first + a, b - a) for a, b in split(merged)]
    return chunks


def test_keys_appended_together_are_chunked_as_if_one_at_a_time(sql_store: SqlStore) -> None:
    rng = np.random.default_rng(3)
    sizes = {  # per key, the points of each event (0: the key is not in that event)
        "every": [10] * 150,
        "one": [1] * 150,
        "mixed": [int(n) for n in rng.integers(0, 40, 150)],
        "big": [0] * 149 + [70_000],
    }
    sizes["big"][3] = 40_000  # a sealed chunk early on, then small ones after it
    chain, logged = Chain(), {key: 0 for key in sizes}
    for i in range(150):
        points = {}
        for key, batches in sizes.items():
            n = batches[i]
            if n:
                steps = np.arange(logged[key], logged[key] + n)
                points[key] = pts(steps, np.sin(steps * 0.01))
                logged[key] += n
        chain.add("metrics", {}, points)
        if i % 7 == 6 or i == 149:  # several events per append, as a writer ships them
            sql_store.append_events(chain.events)
    for key, batches in sizes.items():
        rows = (
            sql_store.database.read()
            .execute(
                "SELECT first_index, count, step_min, step_max FROM metric_chunks "
                "WHERE run_id = ? AND key = ? ORDER BY first_index",
                (chain.run_id, key),
            )
            .fetchall()
        )
        assert [(r[0], r[1]) for r in rows] == expected_chunks([n for n in batches if n]), key
        assert all(r[2] == r[0] and r[3] == r[0] + r[1] - 1 for r in rows)  # steps = indexes
        series = sql_store.metric_series(chain.run_id, key)
        np.testing.assert_array_equal(series.steps, np.arange(logged[key]))
        np.testing.assert_array_equal(series.values, np.sin(np.arange(logged[key]) * 0.01))
        buckets = sql_store.metric_buckets(chain.run_id, key, 100)
        assert int(buckets.count.sum()) == logged[key]
        assert sql_store.get_run(chain.run_id).summaries[key].count == logged[key]


def test_a_merge_keeps_the_points_of_a_chunk_logged_before_it_in_the_same_append(
    sql_store: SqlStore,
) -> None:
    chain = Chain()
    for step in range(20):  # 20 one-point events, stored at once: merges within one append
        chain.metrics(m=([step], [float(step)]))
    sql_store.append_events(chain.events)
    series = sql_store.metric_series(chain.run_id, "m")
    assert series.steps.tolist() == list(range(20))
    assert series.values.tolist() == [float(s) for s in range(20)]


class _MergeAfterListing:
    """A connection that lets a writer merge the series' chunks right after they are listed."""

    def __init__(self, store: SqlStore, chain: Chain) -> None:
        self.store, self.chain, self.listings = store, chain, 0

    def execute(self, sql: str, args: object = ()) -> object:
        rows = self.store.database.read().execute(sql, args).fetchall()  # type: ignore[arg-type]
        if "length(lod)" in sql:
            self.listings += 1
            if self.listings == 1:
                self.chain.metrics(m=(list(range(700, 800)), [0.0] * 100))  # merges all 8
                self.store.append_events(self.chain.events)
        return _Rows(rows)


class _Rows:
    def __init__(self, rows: list[object]) -> None:
        self.rows = rows

    def fetchall(self) -> list[object]:
        return self.rows

    def fetchone(self) -> object:
        return self.rows[0] if self.rows else None


def test_a_downsampled_read_starts_over_when_a_merge_replaced_its_chunks(tmp_path: Path) -> None:
    from trackrecord.store.sql.metric_chunks import read_buckets

    store = SqlStore.open(tmp_path / "store")
    chain = Chain()
    for start in range(0, 700, 100):  # seven chunks of 100 points, each with a level of detail
        chain.metrics(m=(list(range(start, start + 100)), [1.0] * 100))
    store.append_events(chain.events)
    racing = _MergeAfterListing(store, chain)
    view = read_buckets(racing, chain.run_id, "m", 10_000)  # type: ignore[arg-type]
    assert racing.listings == 2  # the first listing went stale
    assert int(view.count.sum()) == 800
    store.close()
