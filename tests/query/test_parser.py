"""The grammar of run queries: precedence, operators, literals, fields, errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.conftest import Chain
from trackrecord import InvalidValueError
from trackrecord.query import Field, Order, QueryError, parse, parse_order
from trackrecord.query.lexer import MAX_QUERY_LENGTH
from trackrecord.query.syntax import (
    And,
    Compare,
    Duration,
    Glob,
    In,
    Instant,
    IsNull,
    Not,
    Or,
    parse_field,
)
from trackrecord.store.sql import SqlStore

NOW = 1_800_000_000_000  # 2027-01-15T08:00:00Z
DAY = 86_400_000
HOUR = 3_600_000


def q(text: str):  # type: ignore[no-untyped-def]
    return parse(text, now_ms=NOW)


def p(key: str, value: object = 1.0, op: str = "=") -> Compare:
    return Compare(Field("param", key), op, value)  # type: ignore[arg-type]


def utc(*parts: int) -> int:
    return int(dt.datetime(*parts, tzinfo=dt.timezone.utc).timestamp() * 1000)  # type: ignore[misc]


# -- precedence --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("params.a = 1 or params.b = 1 and params.c = 1",
         Or((p("a"), And((p("b"), p("c")))))),
        ("params.a = 1 and params.b = 1 or params.c = 1",
         Or((And((p("a"), p("b"))), p("c")))),
        ("not params.a = 1 and params.b = 1", And((Not(p("a")), p("b")))),
        ("not params.a = 1 or params.b = 1", Or((Not(p("a")), p("b")))),
        ("not (params.a = 1 or params.b = 1)", Not(Or((p("a"), p("b"))))),
        ("(params.a = 1 or params.b = 1) and params.c = 1",
         And((Or((p("a"), p("b"))), p("c")))),
        ("params.a = 1 and params.b = 1 and params.c = 1", And((p("a"), p("b"), p("c")))),
        ("params.a = 1 or params.b = 1 or params.c = 1", Or((p("a"), p("b"), p("c")))),
        ("not not params.a = 1", Not(Not(p("a")))),
        ("((params.a = 1))", p("a")),
        ("params.a = 1 and (params.b = 1 and params.c = 1)",
         And((p("a"), And((p("b"), p("c")))))),
    ],
)  # fmt: skip
def test_not_binds_tightest_then_and_then_or(text: str, tree: object) -> None:
    assert q(text) == tree


@pytest.mark.parametrize(
    ("text", "lower"),
    [
        ("params.a = 1 AND params.b = 1 Or NOT params.c = 1", None),
        ("params.a IN (1, 2)", None),
        ("params.a Not In (1, 2)", None),
        ("params.a IS NOT NULL", None),
        ("params.a Is Null", None),
        ("params.a = TRUE", "params.a = true"),
        ("params.a = False", "params.a = false"),
    ],
)
def test_keywords_are_case_insensitive(text: str, lower: str | None) -> None:
    assert q(text) == q(lower or text.lower())


def test_field_names_are_not_keywords_however_they_are_spelled() -> None:
    assert q("params.AND = 1") == p("AND")
    assert q("tags.not = 'x'") == Compare(Field("tag", "not"), "=", "x")
    with pytest.raises(QueryError, match="unknown field 'NAME'"):
        q('NAME = "x"')  # attributes are lower case


# -- operators ---------------------------------------------------------------


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    assert q(f"metrics.loss {op} 0.5") == Compare(Field("metric", "loss"), op, 0.5)
    assert q(f"metrics.loss{op}0.5") == Compare(Field("metric", "loss"), op, 0.5)


def test_in_and_not_in() -> None:
    assert q('params.opt in ("adam", "sgd")') == In(Field("param", "opt"), ("adam", "sgd"))
    assert q("params.x not in (1, true, 'a')") == In(Field("param", "x"), (1.0, True, "a"), True)
    assert q("params.x in (1)") == In(Field("param", "x"), (1.0,))
    assert q("params.x in(1,2)") == In(Field("param", "x"), (1.0, 2.0))


def test_globs() -> None:
    assert q('name ~ "bert-*"') == Glob(Field("attr", "name"), "bert-*")
    assert q("name !~ 'v?-*'") == Glob(Field("attr", "name"), "v?-*", True)
    assert q('tags.stage ~ "pr*"') == Glob(Field("tag", "stage"), "pr*")
    assert q('params.opt ~ "ad*"') == Glob(Field("param", "opt"), "ad*")
    assert q('status ~ "fin*"') == Glob(Field("attr", "status"), "fin*")


def test_is_null_and_is_not_null() -> None:
    assert q("params.x is null") == IsNull(Field("param", "x"))
    assert q("metrics.loss.min is not null") == IsNull(Field("metric", "loss", "min"), True)
    assert q("finished is null") == IsNull(Field("attr", "finished"))


# -- literals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "value"),
    [("3", 3.0), ("-3", -3.0), ("+3", 3.0), ("0.25", 0.25), (".5", 0.5), ("5.", 5.0),
     ("1e-3", 0.001), ("2.5E2", 250.0), ("-1e+2", -100.0), ("inf", float("inf")),
     ("-inf", float("-inf"))],
)  # fmt: skip
def test_numbers(literal: str, value: float) -> None:
    assert q(f"params.x = {literal}") == p("x", value)


@pytest.mark.parametrize(
    ("literal", "value"),
    [('"adam"', "adam"), ("'adam'", "adam"), ('""', ""), ('"it\'s"', "it's"),
     ("'it\\'s'", "it's"), ('"say \\"hi\\""', 'say "hi"'), ('"a\\\\b"', "a\\b"),
     ('"tab\\there"', "tab\there"), ('"日本語 ✓"', "日本語 ✓"), ('"\\u00e9"', "é"),
     ('"3"', "3"), ('"true"', "true"), ('"and or not"', "and or not")],
)  # fmt: skip
def test_strings(literal: str, value: str) -> None:
    assert q(f"params.x = {literal}") == p("x", value)


def test_booleans_are_not_strings_or_numbers() -> None:
    assert q("params.x = true") == p("x", True)
    assert q("params.x = false") == p("x", False)
    assert q('params.x = "true"') == p("x", "true")
    for text, kind in [("true", bool), ("1", float), ("'1'", str), ("1.0", float)]:
        tree = q(f"params.x = {text}")
        assert isinstance(tree, Compare) and type(tree.value) is kind


@pytest.mark.parametrize(
    ("literal", "ms"),
    [
        ("2026-11-01", utc(2026, 11, 1)),
        ("2026-11-01T10:00", utc(2026, 11, 1, 10)),
        ("2026-11-01 10:00", utc(2026, 11, 1, 10)),
        ("2026-11-01T10:00:30", utc(2026, 11, 1, 10, 0, 30)),
        ("2026-11-01T10:00:30.250", utc(2026, 11, 1, 10, 0, 30) + 250),
        ("2026-11-01T10:00Z", utc(2026, 11, 1, 10)),
        ("2026-11-01T10:00+02:00", utc(2026, 11, 1, 8)),
        ("2026-11-01T10:00-05:30", utc(2026, 11, 1, 15, 30)),
    ],
)
def test_dates_are_utc_unless_a_zone_is_given(literal: str, ms: int) -> None:
    assert q(f"created >= {literal}") == Compare(Field("attr", "created"), ">=", Instant(ms))


@pytest.mark.parametrize(
    ("literal", "ago"),
    [("-7d", 7 * DAY), ("-1w", 7 * DAY), ("-12h", 12 * HOUR), ("-90m", 90 * 60_000),
     ("-30s", 30_000), ("-500ms", 500), ("-1.5h", 90 * 60_000), ("-0d", 0)],
)  # fmt: skip
def test_relative_times_count_back_from_now(literal: str, ago: int) -> None:
    assert q(f"created > {literal}") == Compare(Field("attr", "created"), ">", Instant(NOW - ago))
    assert q(f"finished < {literal}") == Compare(Field("attr", "finished"), "<", Instant(NOW - ago))


def test_relative_times_follow_the_clock_by_default() -> None:
    before = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    tree = parse("created > -1d")
    after = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    assert isinstance(tree, Compare) and isinstance(tree.value, Instant)
    assert before - DAY <= tree.value.ms <= after - DAY


@pytest.mark.parametrize(
    ("literal", "ms"),
    [("500ms", 500), ("90s", 90_000), ("30m", 1_800_000), ("1h", HOUR), ("2d", 2 * DAY),
     ("1w", 7 * DAY), ("1.5h", 90 * 60_000), ("90", 90_000), ("0.5", 500), ("0", 0)],
)  # fmt: skip
def test_durations_and_plain_seconds(literal: str, ms: int) -> None:
    assert q(f"duration > {literal}") == Compare(Field("attr", "duration"), ">", Duration(ms))


@pytest.mark.parametrize(("literal", "text"), [("3", "3"), ("3.50", "3.50"), ("-1", "-1"),
                                               ("1e3", "1e3"), ("+2", "+2")])  # fmt: skip
def test_tags_compare_numbers_as_written(literal: str, text: str) -> None:
    assert q(f"tags.epoch = {literal}") == Compare(Field("tag", "epoch"), "=", text)
    assert q(f"tags.epoch in ({literal}, 'x')") == In(Field("tag", "epoch"), (text, "x"))


def test_statuses() -> None:
    assert q('status in ("finished", "failed")') == In(
        Field("attr", "status"), ("finished", "failed")
    )
    for status in ("running", "finished", "failed", "killed", "crashed"):
        assert q(f"status = '{status}'") == Compare(Field("attr", "status"), "=", status)


# -- fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["id", "name", "project", "group", "status", "parent", "created", "finished", "duration",
     "user", "host", "git.commit", "git.branch"],
)  # fmt: skip
def test_every_attribute(name: str) -> None:
    assert q(f"{name} is null") == IsNull(Field("attr", name))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("params.lr", Field("param", "lr")),
        ("params.optimizer.lr", Field("param", "optimizer.lr")),
        ('params."data.path"', Field("param", "data.path")),
        ("params.`data.path`", Field("param", "data.path")),
        ("params.`odd key`", Field("param", "odd key")),
        ('params."odd key"', Field("param", "odd key")),
        ('params."say \\"hi\\""', Field("param", 'say "hi"')),
        ('params."back\\\\slash"', Field("param", "back\\slash")),
        ("params.`it's`", Field("param", "it's")),
        ('params."a`b"', Field("param", "a`b")),
        ("params.train/lr-max", Field("param", "train/lr-max")),
        ("params.ключ", Field("param", "ключ")),
        ("params.max", Field("param", "max")),
        ("metrics.loss", Field("metric", "loss")),
        ("metrics.loss.last", Field("metric", "loss")),
        ("metrics.loss.min", Field("metric", "loss", "min")),
        ("metrics.loss.max", Field("metric", "loss", "max")),
        ("metrics.loss.count", Field("metric", "loss", "count")),
        ("metrics.loss.step", Field("metric", "loss", "step")),
        ("metrics.val/acc.max", Field("metric", "val/acc", "max")),
        ("metrics.val.acc.max", Field("metric", "val.acc", "max")),
        ('metrics."acc.max"', Field("metric", "acc.max")),
        ('metrics."acc.max".min', Field("metric", "acc.max", "min")),
        ("metrics.max", Field("metric", "max")),
        ("metrics.`max`.max", Field("metric", "max", "max")),
        ("tags.stage", Field("tag", "stage")),
        ('tags."release candidate"', Field("tag", "release candidate")),
    ],
)
def test_field_names_and_quoting(text: str, field: Field) -> None:
    tree = q(f"{text} is not null")
    assert tree == IsNull(field, True)


@pytest.mark.parametrize(
    "field",
    [Field("param", "lr"), Field("param", "a.b"), Field("param", "odd key"),
     Field("param", 'say "hi"'), Field("param", "back\\slash"), Field("param", "a`b"),
     Field("metric", "acc", "max"), Field("metric", "acc.max"), Field("metric", "max"),
     Field("tag", "it's"), Field("attr", "git.commit")],
)  # fmt: skip
def test_a_field_reads_back_from_its_text(field: Field) -> None:
    """str(Field) names columns (runs_table, the CLI); the same text must select it again."""
    assert parse_field(str(field)) == field


def test_sort_keys() -> None:
    assert parse_order("-metrics.acc.max") == Order(Field("metric", "acc", "max"), True)
    assert parse_order("created") == Order(Field("attr", "created"))
    assert parse_order("+name") == Order(Field("attr", "name"))
    assert parse_order('-params."odd key"') == Order(Field("param", "odd key"), True)
    assert str(parse_order("-metrics.acc.max")) == "-metrics.acc.max"
    with pytest.raises(QueryError, match=r"did you mean 'params\.lr'") as error:
        parse_order("-paramz.lr")
    assert error.value.position == 1


# -- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "the query is empty"),
        ("params.lr", 9, "params.lr needs a comparison"),
        ("params.lr =", 11, "ends too early"),
        ("= 1", 0, "expected a field"),
        ("params.lr == 1", 11, "expected a value"),
        ("params.lr = 1 params.x = 2", 14, "join conditions with 'and' or 'or'"),
        ("(params.lr = 1", 14, "expected ')' but the query ended"),
        ("params.lr = 1)", 13, "unexpected ')'"),
        ("params.lr = 1 and", 17, "ends too early"),
        ("metrics.loss < 'a'", 15, "metrics.loss is a number"),
        ('status = "runnin"', 9, "statuses are running, finished, failed, killed, crashed"),
        ("created > 7d", 10, "a time ago like -7d"),
        ("created > 1", 10, "compares with a date"),
        ('duration > "x"', 11, "a length such as 90s"),
        ("tags.t = true", 9, 'quote the value: "true"'),
        ("name = 3", 7, 'quote the value: "3"'),
        ("params.x not = 1", 9, "'not' here must be followed by 'in'"),
        ("params.x in ()", 13, "expected a value"),
        ("params.x in (1,)", 15, "expected a value"),
        ("params.x in 1", 12, "expected '('"),
        ("params.x is nul", 12, "expected 'null'"),
        ("metrics.m ~ 'a*'", 12, "cannot be matched that way"),
        ("params.x ~ 3", 11, "quoted pattern"),
        ("created = 2026-13-01", 10, "is not a valid date"),
        ("params.x = @", 11, "unexpected character '@'"),
        ('name = "unterminated', 7, "unexpected character"),
        ("params.x = null", 11, "expected a value"),
        ("true = 1", 0, "expected a field"),
        ("params.x = 1 and created > 7d", 27, "a time ago like -7d"),
        ("params.x = 2026-11-01", 11, "does not hold times"),
        ("params.lr = 1 and (params.x = 2 or)", 34, "expected a field"),
    ],
)
def test_errors_point_at_the_bad_token(text: str, position: int, message: str) -> None:
    with pytest.raises(QueryError) as error:
        q(text)
    assert error.value.position == position
    assert message in error.value.reason
    assert str(error.value).endswith(f"\n  {text}\n  {' ' * position}^")
    assert isinstance(error.value, InvalidValueError)
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("paramz.lr = 1", "did you mean 'params.lr'?"),
        ("metric.loss < 1", "did you mean 'metrics.loss'?"),
        ("tag.stage = 'x'", "did you mean 'tags.stage'?"),
        ("nmae = 'x'", "did you mean 'name'?"),
        ("gti.commit = 'a'", "did you mean 'git.commit'?"),
        ("statsu = 'finished'", "did you mean 'status'?"),
        ("create > -1d", "did you mean 'created'?"),
    ],
)
def test_unknown_fields_suggest_the_nearest(text: str, hint: str) -> None:
    with pytest.raises(QueryError, match="unknown field") as error:
        q(text)
    assert hint in error.value.reason
    assert "params.<key>" in error.value.reason  # and lists what exists
    assert error.value.position == 0


def test_a_query_is_text() -> None:
    with pytest.raises(QueryError, match="a query is text, not int"):
        parse(42)  # type: ignore[arg-type]


def test_the_length_limit() -> None:
    longest = "name = '" + "x" * (MAX_QUERY_LENGTH - 9) + "'"
    assert len(longest) == MAX_QUERY_LENGTH
    assert q(longest) == Compare(Field("attr", "name"), "=", "x" * (MAX_QUERY_LENGTH - 9))
    with pytest.raises(QueryError, match="10001 characters long; the limit is 10000"):
        q(longest + " ")


@pytest.mark.parametrize(
    "literal",
    ['"\\u12"', '"\\x4"', '"\\N{NO SUCH NAME}"', '"\\ud800"', "'\\q'", '"\\\n"',
     '"line\\n\nbreak"', '"nul\\n\x00"'],
)  # fmt: skip
def test_bad_escapes_are_query_errors(literal: str) -> None:
    """Escapes are read by ast.literal_eval; what it refuses must not escape as SyntaxError."""
    try:
        tree = q(f"name = {literal}")
    except QueryError as error:
        assert 7 <= error.position < 7 + len(literal)  # inside the string, at the bad escape
    else:  # an escape may also be kept as written
        assert isinstance(tree, Compare) and isinstance(tree.value, str)


# -- keys the store does not know ---------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = SqlStore.open(tmp_path / "store")
    chain = Chain(config={"lr": 0.1, "optimizer": "adam"}, tags={"stage": "prod"})
    chain.metrics(val_acc=([0], [0.5]))
    opened.append_events(chain.events)
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("params.lrr > 0.01", "no run has params.lrr (did you mean params.lr?)", 0),
        ("name = 'x' and tags.stag = 'prod'", "no run has tags.stag (did you mean tags.stage?)",
         15),
        ("metrics.val_ac.max > 0.9", "no run has metrics.val_ac (did you mean metrics.val_acc?)",
         0),
        ("params.zzz = 1", "no run has params.zzz", 0),
    ],
)  # fmt: skip
def test_a_key_no_run_has_is_refused_with_a_suggestion(
    store: SqlStore, text: str, message: str, position: int
) -> None:
    with pytest.raises(QueryError) as error:
        store.search_runs(text)
    assert error.value.reason == message
    assert error.value.position == position


def test_a_sort_key_no_run_has_is_refused(store: SqlStore) -> None:
    with pytest.raises(QueryError, match=r"no run has metrics\.val_ac \(did you mean"):
        store.search_runs(order_by=["-metrics.val_ac.max"])


def test_keys_of_a_kind_nothing_has_logged_yet_match_nothing(tmp_path: Path) -> None:
    empty = SqlStore.open(tmp_path / "empty")
    try:
        empty.append_events(Chain().events)  # a run without params, tags or metrics
        assert empty.search_runs("params.lr > 0").runs == []
        assert len(empty.search_runs("params.lr is null").runs) == 1
    finally:
        empty.close()
