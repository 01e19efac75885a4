"""docs/record-format.md stays true: its worked examples are recomputed with TrackRecord's
code, and its rules (as contrib/verify_record.py implements them) agree with the code on
many more values."""

from __future__ import annotations

import hashlib
import math
import re
import sqlite3
import zlib
from dataclasses import astuple
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contrib.verifier import load
from trackrecord.audit import AuditEntry
from trackrecord.data.digest import FileEntry, manifest_digest
from trackrecord.record.events import GENESIS, Event, Points, canonical_json
from trackrecord.signing import signed_message
from trackrecord.store.codec import decode_points, encode_points
from trackrecord.store.series import Groups, summarise_groups
from trackrecord.store.sql import SqlStore

DOC = Path(__file__).parents[1] / "docs" / "record-format.md"
RUN = "01hzx3k7d5q8m2r4t6v8w0y2ab"
POINTS = Points(
    np.array([0, 10, 15], dtype=np.int64),
    np.array([0.5, math.nan, -math.inf]),
    np.array([1_700_000_000_001, 1_700_000_000_002, 1_700_000_000_003], dtype=np.int64),
)


@pytest.fixture(scope="module")
def verifier() -> ModuleType:
    return load()


def checked(name: str) -> str:
    """The block (fenced or a table) right after ``<!-- checked: NAME -->`` in the doc."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- checked: {name} -->\n(```text\n(.*?)```|((?:\|[^\n]*\n)+))", text, re.S
    )
    assert match, f"no block {name} in {DOC}"
    return match.group(2) or match.group(3)


def lines_of(block: str, label: str) -> list[str]:
    return [
        line.removeprefix(label).strip() for line in block.splitlines() if line.startswith(label)
    ]


def test_the_float_table(verifier: ModuleType) -> None:
    rows = [
        [cell.strip().strip("`") for cell in row.strip("|").split("|")]
        for row in checked("floats").splitlines()[2:]
    ]
    assert len(rows) == 20
    for python, text in rows:
        value = eval(python, {"__builtins__": {}, "float": float})  # the doc's own literals
        assert canonical_json(value).decode() == text, python
        assert verifier.canonical(value).decode() == text, python
        if isinstance(value, float) and math.isfinite(value):
            assert repr(value) == text  # the rule is Python's repr


def test_the_canonical_json_example(verifier: ModuleType) -> None:
    value, expected = (line.removeprefix("→ ") for line in checked("canonical").splitlines())
    parsed = eval(value, {"__builtins__": {}, "float": float})
    assert canonical_json(parsed).decode() == expected == verifier.canonical(parsed).decode()


def _events() -> tuple[Event, Event]:
    body = {"project": "demo", "name": "example", "config": {"lr": 0.001, "eps": math.nan}}
    first = Event.build(RUN, 1, "run.start", 1_700_000_000_000, GENESIS, body)
    second = Event.build(RUN, 2, "metrics", 1_700_000_000_100, first.hash, {}, {"loss": POINTS})
    return first, second


def test_the_envelope_example(verifier: ModuleType) -> None:
    block = checked("envelope")
    hashed, hashes = lines_of(block, "hashed"), lines_of(block, "hash ")
    events = _events()
    for event, text, digest in zip(events, hashed, hashes, strict=True):
        assert event.hash == digest == hashlib.sha256(text.encode()).hexdigest()
    stored = [
        (e.seq, e.type, e.time, e.prev, e.body,
         {k: {"n": len(p), "sha256": p.digest()} for k, p in e.points.items()}, e.hash)
        for e in events
    ]  # fmt: skip
    report = verifier.Report()
    intact, chain = verifier.check_chain(RUN, stored, (2, events[1].hash), report)
    assert intact and report.problems == [] and [h for *_, h in chain] == hashes


def test_the_points_digest_example() -> None:
    block = checked("points")
    columns = [bytes.fromhex("".join(lines_of(block, label)[0].split())) for label in
               ("steps", "values", "times")]  # fmt: skip
    assert columns == [
        POINTS.steps.astype("<i8").tobytes(),
        POINTS.values.astype("<f8").tobytes(),
        POINTS.times.astype("<i8").tobytes(),
    ]
    assert lines_of(block, "digest") == [POINTS.digest()]
    assert POINTS.digest() == hashlib.sha256(b"".join(columns)).hexdigest()
    assert hashlib.sha256(b"").hexdigest() in DOC.read_text(encoding="utf-8")


def test_the_chunk_example(verifier: ModuleType) -> None:
    """The documented bytes decode to the points; each field is what the encoder writes (the
    zlib streams compared by what they decompress to, as the doc says to)."""
    fields = [re.split(r"\s{2,}", line.strip())[0] for line in checked("chunk").splitlines()]
    blob = bytes.fromhex("".join("".join(f.split()) for f in fields))
    inflated = [bytes.fromhex("".join(m.split())) for m in
                re.findall(r"zlib of ([0-9a-f ]+?)(?::|$)", checked("chunk"), re.M)]  # fmt: skip
    steps, values, times = decode_points(blob)
    assert steps.tolist() == [0, 10, 15] and times.tolist() == POINTS.times.tolist()
    assert values.tobytes() == POINTS.values.tobytes()
    encoded = encode_points(POINTS.steps, POINTS.values, POINTS.times)
    assert len(blob) == len(encoded) == 78
    for ours in (blob, encoded):
        assert ours[:8] == b"TRC1\x03\x00\x00\x00"
        assert ours[8:14] == bytes.fromhex("020112000000") and ours[14:22] == bytes(8)
        assert zlib.decompress(ours[22:32]) == inflated[0] == b"\x0a\x05"
        assert ours[32:38] == bytes.fromhex("030812000000")
        assert zlib.decompress(ours[38:56]) == inflated[1]
        assert (
            ours[56:]
            == bytes.fromhex("010810000000") + np.array([1_700_000_000_001, 1], "<i8").tobytes()
        )
    s, raw, t = verifier.decode_chunk(blob)
    assert (s, raw, t) == ([0, 10, 15], POINTS.values.tobytes(), POINTS.times.tolist())


def test_the_audit_example(verifier: ModuleType) -> None:
    block = checked("audit")
    entry = AuditEntry.build(1, 1_700_000_000_000, "alice", "runs.append_events", RUN,
                             "10.0.0.7", 200, GENESIS)  # fmt: skip
    (hashed,), (digest,) = lines_of(block, "hashed"), lines_of(block, "hash ")
    assert entry.hash == digest == hashlib.sha256(hashed.encode()).hexdigest()
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE audit_log (seq, time, actor, action, target, source, status, "
                 "prev_hash, hash)")  # fmt: skip
    conn.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", astuple(entry))
    report = verifier.Report()
    assert verifier.check_audit(conn, report)["audit"][0] and report.problems == []


def test_the_signed_message_example() -> None:
    (text,) = checked("signature").splitlines()
    _, second = _events()
    assert signed_message(f"run:{RUN}", second.hash, "approve", "ada", 1_700_000_000_500) == (
        text.encode()
    )


def test_the_manifest_digest_rule() -> None:
    entries = [FileEntry("é/b.bin", "1" * 64, 20), FileEntry("a.txt", "0" * 64, 5)]
    spelled = b"trackrecord-manifest-v1\n" + b"".join(
        e.path.encode() + b"\0" + e.sha256.encode() + b"\0" + str(e.size).encode() + b"\n"
        for e in sorted(entries, key=lambda e: e.path.encode())
    )
    assert manifest_digest(entries) == hashlib.sha256(spelled).hexdigest()


def test_the_tables_named_have_the_columns_named(tmp_path: Path) -> None:
    SqlStore.open(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "trackrecord.db")
    section = DOC.read_text(encoding="utf-8").split("## 5.")[1].split("## 6.")[0]
    rows = re.findall(r"^\| `(\w+)` +\| (.+?) +\|$", section, re.M)
    assert len(rows) == 14  # with ledger_events and the five tables of the transparency log
    for table, listed in rows:
        columns = [c for c in re.findall(r"`(\w+)`", listed)]
        actual = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        assert set(columns) <= set(actual), table
        if "…" not in listed:
            assert columns == actual, table


# -- the rules, on many more values than the examples --------------------------------------

_INT64 = st.integers(-(2**63), 2**63 - 1)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_canonical_json_is_as_documented(verifier: ModuleType, value: object) -> None:
    try:
        expected = canonical_json(value)
    except UnicodeEncodeError:  # a lone surrogate: no event can hold one
        with pytest.raises(UnicodeEncodeError):
            verifier.canonical(value)
        return
    assert verifier.canonical(value) == expected


def _column_header(blob: bytes, column: int) -> tuple[int, int]:
    offset = 8
    for _ in range(column):
        offset += 6 + int.from_bytes(blob[offset + 2 : offset + 6], "little")
    return blob[offset], blob[offset + 1]


@settings(max_examples=200, deadline=None)
@given(st.lists(_INT64, max_size=300), st.data())
def test_the_codec_is_as_documented(
    verifier: ModuleType, steps: list[int], data: st.DataObject
) -> None:
    n = len(steps)
    bits = data.draw(st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n))
    values = np.array(bits, dtype=np.uint64).view(np.float64)  # every bit pattern: NaNs, -0.0
    times = np.arange(n, dtype=np.int64) * 7 + 1_700_000_000_000
    blob = encode_points(np.array(steps, dtype=np.int64), values, times)
    assert verifier.decode_chunk(blob) == (steps, values.astype("<f8").tobytes(), times.tolist())
    deltas = np.diff(np.array(steps, dtype=np.int64))  # wrapping, as documented
    kind, width = _column_header(blob, 0)
    if n <= 2 or bool((deltas == deltas[0]).all()):
        assert (kind, width) == (1, 8)
    else:
        fits = [w for w in (1, 2, 4, 8) if all(-(2 ** (8 * w - 1)) <= int(d) < 2 ** (8 * w - 1)
                                               for d in deltas)]  # fmt: skip
        assert (kind, width) == (2, fits[0])
    assert _column_header(blob, 1) == (3, 8) and _column_header(blob, 2) == (1, 8)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=400),
    st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0, math.nan, math.inf, -math.inf]), max_size=400),
)
def test_the_level_of_detail_is_as_documented(
    verifier: ModuleType, steps: list[int], pool: list[float]
) -> None:
    values = [pool[i % len(pool)] if pool else float(i) for i in range(len(steps))]
    size = -(-len(steps) // 64)
    ours = Groups.from_bytes(
        summarise_groups(np.array(steps, np.int64), np.array(values), size).to_bytes()
    )
    theirs = verifier.level_of_detail(steps, tuple(values))
    assert len(theirs) == len(ours.count)
    for i, group in enumerate(theirs):
        stored = [getattr(ours, f)[i] for f in ("step_start", "step_end", "count", "first",
                                                   "last", "min", "max")]  # fmt: skip
        assert all(a == b or (a != a and b != b) for a, b in zip(stored, group, strict=True))


@pytest.mark.parametrize(
    ("steps", "header"),
    [
        ([], (1, 8)),
        ([5], (1, 8)),
        ([5, -9], (1, 8)),
        ([0, 1, 2, 3], (1, 8)),
        ([0, 10, 15], (2, 1)),
        ([0, 200, 150], (2, 2)),
        ([0, 70_000, 1], (2, 4)),
        ([0, 2**40, 0], (2, 8)),
        ([2**63 - 1, -(2**63), -(2**63) + 3], (2, 1)),  # differences wrap around: 1, 3
    ],
)
def test_each_integer_encoding(
    verifier: ModuleType, steps: list[int], header: tuple[int, int]
) -> None:
    column = np.array(steps, dtype=np.int64)
    blob = encode_points(column, np.zeros(len(steps)), column)
    assert _column_header(blob, 0) == header
    assert verifier.decode_chunk(blob)[0] == steps == decode_points(blob)[0].tolist()
