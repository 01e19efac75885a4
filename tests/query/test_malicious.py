"""Hostile input in every place a search takes text: values, quoted keys, glob
patterns, sort keys, cursors, sheer size. Each is either a plain value that
matches literally or a clean ``InvalidValueError``; afterwards the store holds
exactly what it held before and every run still verifies.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.conftest import Chain
from trackrecord import Api, InvalidValueError, NotFoundError
from trackrecord.compliance.verify import verify_run
from trackrecord.query import QueryError
from trackrecord.store.sql import SqlStore

DROP = "'; DROP TABLE runs; --"
OR_TRUE = '" OR 1=1 --'
TABLES = ("projects", "runs", "events", "params", "tags", "metric_summaries", "metric_chunks",
          "artifacts", "schema_migrations")  # fmt: skip
RUNS = {
    "drop": {"name": DROP, "config": {"s": DROP, f"k{DROP}": 1, 'a"b': 2, "a\\b": 3, "a`b": 4,
                                      "ключ": "значение"}, "tags": {"t": OR_TRUE}},
    "percent": {"name": "100%", "config": {"s": "a_c"}, "tags": {"t": "back\\slash"}},
    "plain": {"name": "100x", "config": {"s": "abc"}, "tags": {"t": "bell\x07byte"}},
    "backslash": {"name": "a\\b", "config": {"s": "bell\x07byte"}, "tags": {"t": "%_"}},
    "upper": {"name": "Émile", "config": {"s": "😀 emoji"}, "tags": {"t": "ÉTÉ"}},
    "lower": {"name": "émile", "config": {"s": "\u202eevil"}, "tags": {"t": "été"}},
}  # fmt: skip


class Hostile:
    """The store, the id of each run by label, and the row counts to keep."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = SqlStore.open(directory)
        self.ids: dict[str, str] = {}
        for label, start in RUNS.items():
            chain = Chain(project="hostile", **start)
            chain.metrics(loss=([0, 1], [1.0, 0.5]))
            chain.add("run.end", {"status": "finished"})
            self.store.append_events(chain.events)
            self.ids[label] = chain.run_id
        self.counts = self.row_counts()

    def row_counts(self) -> dict[str, int]:
        conn = self.store.database.read()
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def labels(self, query: str | None = None, **options: object) -> set[str]:
        page = self.store.search_runs(query, limit=10_000, **options)  # type: ignore[arg-type]
        by_id = {run_id: label for label, run_id in self.ids.items()}
        return {by_id[run.id] for run in page.runs}

    def assert_intact(self) -> None:
        assert self.row_counts() == self.counts
        for run_id in self.ids.values():
            assert verify_run(self.store, run_id), run_id


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    made = Hostile(tmp_path_factory.mktemp("hostile"))
    yield made
    made.store.close()


@pytest.fixture
def store(hostile: Hostile) -> Iterator[Hostile]:
    """The hostile store, checked intact after each test."""
    yield hostile
    hostile.assert_intact()


# -- values and keys ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        (f'name = "{DROP}"', {"drop"}),
        (f'params.s = "{DROP}"', {"drop"}),
        (f"tags.t = '{OR_TRUE}'", {"drop"}),
        ('tags.t = "\\" OR 1=1 --"', {"drop"}),
        (f'name != "{DROP}"', {"percent", "plain", "backslash", "upper", "lower"}),
        ('name = "a\\\\b"', {"backslash"}),
        ("tags.t = 'back\\\\slash'", {"percent"}),
        ('params.s = "bell\x07byte"', {"backslash"}),  # a raw control character
        ('tags.t = "bell\\x07byte"', {"plain"}),  # an escaped one
        ('params.s = "nul\x00byte"', set()),  # NUL: no store holds one (refused when logged)
        ('params.ключ = "значение"', {"drop"}),
        ('params.s = "😀 emoji"', {"upper"}),
        ('params.s = "\u202eevil"', {"lower"}),
        ('params.s in ("abc", "a_c", "nope")', {"plain", "percent"}),
        (f'params."k{DROP}" = 1', {"drop"}),
        (f"params.`k{DROP}` = 1", {"drop"}),
        ('params.`a"b` = 2', {"drop"}),
        ('params."a\\"b" = 2', {"drop"}),
        ('params."a\\\\b" = 3', {"drop"}),
        ('params."a`b" = 4', {"drop"}),
        ("project = 'hostile' and status = 'finished'", set(RUNS)),
    ],
)
def test_hostile_values_and_keys_are_plain_text(
    store: Hostile, query: str, labels: set[str]
) -> None:
    assert store.labels(query) == labels


@pytest.mark.parametrize(
    ("pattern", "labels"),
    [
        ("100%", {"percent"}),
        ("100_", set()),
        ("100?", {"percent", "plain"}),
        ("%", set()),
        ("*%*", {"percent"}),
        ("_", set()),
        ("a\\\\b", {"backslash"}),
        ("a\\\\*", {"backslash"}),
        ("*\\\\*", {"backslash"}),
        ("'; drop*", {"drop"}),
        ("*--", {"drop"}),
    ],
)
def test_like_metacharacters_in_globs_match_literally(
    store: Hostile, pattern: str, labels: set[str]
) -> None:
    assert store.labels(f'name ~ "{pattern}"') == labels
    assert store.labels(f'name !~ "{pattern}"') == set(RUNS) - labels


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        ('params.s ~ "a_c"', {"percent"}),
        ('params.s ~ "a?c"', {"percent", "plain"}),
        ('tags.t ~ "%?"', {"backslash"}),
        ('tags.t ~ "?_"', {"backslash"}),
        ('tags.t ~ "*\\\\*"', {"percent"}),
    ],
)
def test_globs_on_params_and_tags_escape_like(store: Hostile, query: str, labels: set[str]) -> None:
    assert store.labels(query) == labels


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        ('name ~ "émile"', {"upper", "lower"}),
        ('name ~ "ÉMILE"', {"upper", "lower"}),
        ('tags.t ~ "été"', {"upper", "lower"}),
    ],
)
def test_globs_ignore_case_beyond_ascii(store: Hostile, query: str, labels: set[str]) -> None:
    assert store.labels(query) == labels


@pytest.mark.parametrize(
    ("query", "labels"),
    [('params.s ~ "*byte"', {"backslash"}), ('tags.t ~ "bell*byte"', {"plain"}),
     ('tags.t ~ "bell?byte"', {"plain"})],
)  # fmt: skip
def test_globs_see_past_a_control_character(store: Hostile, query: str, labels: set[str]) -> None:
    assert store.labels(query) == labels


def test_a_nul_in_a_logged_value_is_refused_and_changes_nothing(store: Hostile) -> None:
    chain = Chain(project="hostile", name="nul", tags={"t": "nul\x00byte"})
    with pytest.raises(InvalidValueError, match="NUL"):
        store.store.append_events(chain.events)
    assert store.row_counts() == store.counts


@pytest.mark.parametrize(
    "query",
    [
        f"name = {DROP}",
        'name = "x" or 1=1 --',
        "name = 'x'; DROP TABLE runs; --",
        "name = 'x' -- comment",
        "name = 'x' /* */",
        "params.s = 1 UNION SELECT * FROM runs",
        "1 = 1",
        "params.s = `x`",
        'name = "a" || "b"',
        "params.s = 1\x00",
        "name = 'x' \\",
    ],
)
def test_sql_in_the_query_text_is_a_query_error(store: Hostile, query: str) -> None:
    with pytest.raises(QueryError):
        store.labels(query)


@pytest.mark.parametrize(
    "query",
    [f'params."x{DROP}" = 1', 'tags."t\\" OR 1=1 --" = "x"', "metrics.`loss; --` > 0"],
)
def test_hostile_keys_no_run_has_are_refused(store: Hostile, query: str) -> None:
    with pytest.raises(QueryError, match="no run has"):
        store.labels(query)


def test_a_hostile_project_is_a_plain_name(store: Hostile) -> None:
    assert store.labels(project=DROP) == set()
    assert store.labels(project="hostile") == set(RUNS)


# -- sort keys ---------------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [
        "name; DROP TABLE runs",
        "name DESC",
        "(SELECT 1)",
        f'params."s" DESC{DROP}',
        "metrics.loss) --",
        "metrics.loss.max, r.id",
        "",
        "-",
        "params." + "x" * 20_000,
    ],
)
def test_hostile_sort_keys_are_query_errors(store: Hostile, order: str) -> None:
    with pytest.raises(QueryError):
        store.labels(order_by=[order])


def test_hostile_but_real_keys_sort(store: Hostile) -> None:
    page = store.store.search_runs(order_by=[f"-params.`k{DROP}`", "name"], limit=10)
    assert page.runs[0].id == store.ids["drop"]  # the only one with the key
    names = [run.name for run in store.store.search_runs(order_by=["name"], limit=10).runs]
    assert names == sorted(names)


# -- cursors -----------------------------------------------------------------


def _first_cursor(hostile: Hostile, query: str | None = None, order: str = "name") -> str:
    cursor = hostile.store.search_runs(query, order_by=[order], limit=2).next_cursor
    assert cursor is not None
    return cursor


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _payload(cursor: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "cursor",
    [DROP, OR_TRUE, "=", "!!!!", "%00", "\x00", "é", "a" * 10_001, _cursor("not json"),
     _cursor([1, 2]), _cursor({"s": "x"}), _cursor({"v": [], "id": "x"}), _cursor(None)],
)  # fmt: skip
def test_damaged_cursors_are_refused(store: Hostile, cursor: str) -> None:
    with pytest.raises(InvalidValueError, match="cursor"):
        store.store.search_runs(order_by=["name"], limit=2, cursor=cursor)


def test_a_cursor_from_another_query_or_order_is_refused(store: Hostile) -> None:
    cursor = _first_cursor(store)
    with pytest.raises(InvalidValueError, match="another query"):
        store.store.search_runs("status = 'finished'", order_by=["name"], limit=2, cursor=cursor)
    with pytest.raises(InvalidValueError, match="another query"):
        store.store.search_runs(order_by=["-name"], limit=2, cursor=cursor)
    with pytest.raises(InvalidValueError, match="another query"):
        store.store.search_runs(limit=2, cursor=cursor)


@pytest.mark.parametrize(
    "values",
    [[[1]], [{"a": 1}], [2**70], [DROP, DROP], []],
)
def test_cursors_with_forged_sort_values_are_refused(store: Hostile, values: list[object]) -> None:
    """A cursor that says it belongs to this query but holds values no page produced."""
    forged = {**_payload(_first_cursor(store)), "v": values}
    with pytest.raises(InvalidValueError, match="cursor"):
        store.store.search_runs(order_by=["name"], limit=2, cursor=_cursor(forged))


def test_edited_cursors_are_refused(store: Hostile) -> None:
    """Every one-character edit that changes what the cursor says is refused."""
    cursor = _first_cursor(store)
    accepted = []
    for index in range(len(cursor)):
        for char in "Aa0_":
            edited = cursor[:index] + char + cursor[index + 1 :]
            try:
                same = _payload(edited) == _payload(cursor)
            except ValueError:
                same = False
            if edited == cursor or same:
                continue
            try:
                store.store.search_runs(order_by=["name"], limit=2, cursor=edited)
            except InvalidValueError:
                continue
            accepted.append(edited)
    assert not accepted, f"{len(accepted)} edited cursors were accepted, e.g. {accepted[:3]}"


# -- size --------------------------------------------------------------------


def test_a_query_over_10000_characters_is_refused_clearly(store: Hostile) -> None:
    query = "name = '" + "x" * 9_992 + "'"
    assert len(query) == 10_001
    with pytest.raises(QueryError, match="10001 characters long; the limit is 10000"):
        store.labels(query)


def _works_or_query_error(hostile: Hostile, query: str) -> set[str] | None:
    try:
        return hostile.labels(query)
    except QueryError:
        return None


@pytest.mark.parametrize(
    "query",
    [
        "or ".join(['id="a"'] * 1_000),
        "and ".join(['id>"a"'] * 1_000),
        "or ".join(['id~"*"'] * 1_000),
        "id in (" + ",".join(['"a"'] * 2_400) + ")",
        "not " * 2_400 + "name = 'x'",
        "(" * 1_000 + "name = 'x'" + ")" * 1_000,
    ],
    ids=["1000-or", "1000-and", "1000-globs", "2400-values", "2400-nots", "1000-parens"],
)
def test_long_queries_work_or_fail_cleanly(store: Hostile, query: str) -> None:
    assert len(query) <= 10_000
    found = _works_or_query_error(store, query)
    assert found in (None, set(), set(RUNS))


@pytest.mark.parametrize("depth", [10, 25, 40, 50, 99, 100])
@pytest.mark.parametrize("shape", ["or-and", "params", "not", "parens"])
def test_deep_nesting_works_or_fails_cleanly(store: Hostile, depth: int, shape: str) -> None:
    leaf = "params.s = 'x'" if shape == "params" else "name = 'x'"
    if shape in ("or-and", "params"):
        joins = ("or", "and")
        query = "".join(f"({leaf} {joins[i % 2]} " for i in range(depth)) + leaf + ")" * depth
    elif shape == "not":
        query = "not (" * depth + leaf + ")" * depth
    else:
        query = "(" * depth + leaf + ")" * depth
    found = _works_or_query_error(store, query)
    assert found is None or found <= set(RUNS)


# -- other entry points --------------------------------------------------------


@pytest.mark.parametrize("prefix", ['a"', 'zz" or name ~ "100x', "\\", 'x" or id ~ "', f"{DROP}"])
def test_run_lookup_by_id_prefix_is_not_query_text(store: Hostile, prefix: str) -> None:
    """``Api.run`` builds ``id ~ "<prefix>*"``; a prefix must not become query syntax."""
    with Api(dir=store.directory) as api, pytest.raises(NotFoundError):
        api.run(prefix)


def test_the_store_is_intact_after_everything(hostile: Hostile) -> None:
    hostile.assert_intact()
    assert hostile.labels() == set(RUNS)
