"""The store-wide transparency log kept in the SQL database (SQLite or PostgreSQL).

Whenever a chain's head moves (a run's events, a registry chain, the ledger, the audit
log), its writer calls :func:`record_head` in the same transaction: one upsert of the
chain's row in ``log_pending``. Appending the pending heads to the Merkle log (tables
``log_leaves`` and ``log_nodes``, see :mod:`trackrecord.transparency`) is batched: it
happens at most every :data:`FLUSH_INTERVAL` seconds after a write, when the store is
closed, and before a checkpoint is issued (:meth:`SqlTransparencyLog.flush`). So
logging a metric costs one small upsert per written batch, not a Merkle append.

Checkpoints (size, root, time) are signed with a key kept outside the database and
stored in ``log_checkpoints``; the store's id (the checkpoints' ``origin``) is in
``store_meta``. ``trackrecord verify`` checks the log against the chains
(:mod:`trackrecord.compliance.verify_log`).

``TRACKRECORD_TRANSPARENCY_LOG=off`` turns the log off, for the overhead benchmark only
(``benchmarks/transparency_overhead.py``): a store written that way has chain heads
that were never logged, which ``verify --all`` reports.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> log = SqlTransparencyLog(SqlStore.open(tempfile.mkdtemp()).database)
    >>> log.flush()
    0
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Sequence
from typing import Final

from trackrecord.errors import InvalidValueError, NotFoundError, TrackRecordError
from trackrecord.ids import new_run_id
from trackrecord.store.sql.connection import Cursor, SqlDatabase, insert_rows, locked_write
from trackrecord.transparency.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from trackrecord.transparency.keys import CheckpointKey
from trackrecord.transparency.leaves import ChainHead, ChainKind
from trackrecord.transparency.merkle import NodePosition
from trackrecord.transparency.proofs import ConsistencyProof, InclusionProof
from trackrecord.transparency.tree import Node, append_leaves, tree_root

__all__ = [
    "AUDIT_CHAIN",
    "FLUSH_INTERVAL",
    "LOG_LOCK",
    "LOG_SWITCH",
    "SqlNodes",
    "SqlTransparencyLog",
    "checkpoint_of_row",
    "log_size",
    "logging_on",
    "record_head",
    "seed_log",
]

LOG_SWITCH: Final = "TRACKRECORD_TRANSPARENCY_LOG"
"""Set to ``off`` to write no log at all: for the overhead benchmark only."""
LOG_LOCK: Final = "trackrecord:log"
"""The lock appends to the Merkle log take (after any chain's lock: never before one)."""
FLUSH_INTERVAL: Final = 1.0
"""Seconds between appends of pending heads to the Merkle log while a store is written."""
AUDIT_CHAIN: Final = "audit"
"""The audit log's chain id in the log's leaves."""
STORE_ID: Final = "store_id"
"""The ``store_meta`` key of the store's id."""


def logging_on() -> bool:
    """Whether chain heads are logged (always, unless the benchmark switch says ``off``)."""
    return os.environ.get(LOG_SWITCH, "on") != "off"


def record_head(cur: Cursor, kind: ChainKind, chain: str, seq: int, digest: str) -> None:
    """Note, in the caller's transaction, that chain *chain* of *kind* now ends with event
    *seq* of hash *digest*: it is appended to the log with the next batch."""
    if not logging_on():
        return
    cur.execute(
        "INSERT INTO log_pending (kind, chain, seq, hash) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (kind, chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash "
        "WHERE excluded.seq > log_pending.seq",
        (kind, chain, seq, digest),
    )


def log_size(cur: Cursor) -> int:
    """How many leaves the log holds (the next leaf's index)."""
    row = cur.execute("SELECT max(idx) FROM log_leaves").fetchone()
    return 0 if row is None or row[0] is None else int(row[0]) + 1


class SqlNodes:
    """The ``log_nodes`` table as a :class:`~trackrecord.transparency.tree.NodeStore`, read
    and written through *cur* (a cursor or a read connection)."""

    def __init__(self, cur: Cursor) -> None:
        self.cur = cur

    def read_nodes(self, positions: Sequence[NodePosition]) -> list[bytes]:
        found: dict[tuple[int, int], bytes] = {}
        for start in range(0, len(positions), 40):
            part = positions[start : start + 40]
            where = " OR ".join(["(level = ? AND number = ?)"] * len(part))
            args = [value for position in part for value in position]
            sql = f"SELECT level, number, hash FROM log_nodes WHERE {where}"
            rows = self.cur.execute(sql, args)
            found.update({(int(r[0]), int(r[1])): bytes(r[2]) for r in rows.fetchall()})
        return [found[(p[0], p[1])] for p in positions if (p[0], p[1]) in found]

    def write_nodes(self, nodes: Sequence[Node]) -> None:
        rows = [(n.level, n.number, n.hash) for n in nodes]
        insert_rows(self.cur, "INSERT INTO log_nodes (level, number, hash)", rows)


def _valid_heads(rows: Sequence[Sequence[object]], now: int) -> list[ChainHead]:
    """The pending rows that are chain heads (a damaged row is left for verify to report)."""
    heads = []
    for kind, chain, seq, digest in rows:
        try:
            heads.append(ChainHead(kind, chain, int(str(seq)), digest, now))  # type: ignore[arg-type]
        except (InvalidValueError, TypeError, ValueError):
            continue
    return heads


def append_pending(cur: Cursor, now: int | None = None) -> int:
    """Append every pending head to the log (the caller's transaction, holding
    :data:`LOG_LOCK`); the log's size after."""
    size = log_size(cur)
    rows = cur.execute(
        "SELECT kind, chain, seq, hash FROM log_pending ORDER BY kind, chain"
    ).fetchall()
    heads = _valid_heads(rows, time.time_ns() // 1_000_000 if now is None else now)
    if not heads:
        return size
    insert_rows(
        cur,
        "INSERT INTO log_leaves (idx, kind, chain, seq, hash, time)",
        [(size + i, h.kind, h.chain, h.seq, h.hash, h.time) for i, h in enumerate(heads)],
    )
    append_leaves(SqlNodes(cur), size, [head.leaf_hash() for head in heads])
    cur.executemany(
        "DELETE FROM log_pending WHERE kind = ? AND chain = ? AND seq = ?",
        [(h.kind, h.chain, h.seq) for h in heads],
    )
    return size + len(heads)


def seed_log(cur: Cursor) -> None:
    """Migration 8's data step: give the store an id, and log the current head of every
    chain it holds (so a store older than the log has one from now on)."""
    cur.execute(
        "INSERT INTO store_meta (key, value) VALUES (?, ?)", (STORE_ID, f"store-{new_run_id()}")
    )
    heads: list[tuple[ChainKind, str, int, str]] = []
    for run_id, seq, digest in cur.execute(
        "SELECT id, head_seq, head_hash FROM runs WHERE head_seq > 0 ORDER BY id"
    ).fetchall():
        heads.append(("run", str(run_id), int(seq), str(digest)))
    for name, seq, digest in cur.execute(
        "SELECT name, head_seq, head_hash FROM registered_models WHERE head_seq > 0 ORDER BY name"
    ).fetchall():
        heads.append(("registry", f"registry:{name}", int(seq), str(digest)))
    for table, kind, chain in (("ledger_events", "ledger", "ledger"),
                               ("audit_log", "audit", AUDIT_CHAIN)):  # fmt: skip
        last = cur.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()
        if last:
            heads.append((kind, chain, int(last[0]), str(last[1])))  # type: ignore[arg-type]
    for head in heads:
        record_head(cur, *head)
    append_pending(cur)


def checkpoint_of_row(row: Sequence[object], origin: str) -> SignedCheckpoint:
    """A ``log_checkpoints`` row (size, key_id, root, time, signature) of store *origin*."""
    size, key_id, root, at, signature = (str(value) for value in row)
    return SignedCheckpoint(Checkpoint(origin, int(size), root, int(at)), key_id, signature)


class SqlTransparencyLog:
    """The transparency log of the store in *database*: batched appends, checkpoints and
    proofs. One instance per store; safe to share between threads."""

    def __init__(self, database: SqlDatabase, flush_interval: float = FLUSH_INTERVAL) -> None:
        self.database = database
        self.flush_interval = flush_interval
        self._last_flush = time.monotonic()
        self._flushing = threading.Lock()

    def store_id(self) -> str:
        """The store's id: the origin of its checkpoints and its key file's name."""
        row = (
            self.database.read()
            .execute("SELECT value FROM store_meta WHERE key = ?", (STORE_ID,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError(
                f"{self.database.location} has no store id (store_meta); run `trackrecord "
                "verify --all` to see what changed"
            )
        return str(row[0])

    def size(self) -> int:
        """How many leaves the log holds."""
        return log_size(self.database.read())  # type: ignore[arg-type]

    def flush(self) -> int:
        """Append every pending head to the log now; the log's size after."""
        self._last_flush = time.monotonic()
        if not logging_on():
            return self.size()
        with locked_write(self.database, LOG_LOCK, "append to the transparency log") as cur:
            return append_pending(cur)

    def maybe_flush(self) -> None:
        """:meth:`flush` if the last was :attr:`flush_interval` seconds ago or more (the
        writer calls this after each committed batch)."""
        if time.monotonic() - self._last_flush < self.flush_interval:
            return
        if self._flushing.acquire(blocking=False):  # another thread is at it: enough
            try:
                self.flush()
            finally:
                self._flushing.release()

    def checkpoints(self) -> list[SignedCheckpoint]:
        """The checkpoints the store issued, oldest (smallest) first."""
        origin = self.store_id()
        rows = (
            self.database.read()
            .execute(
                "SELECT size, key_id, root, time, signature FROM log_checkpoints "
                "ORDER BY size, time"
            )
            .fetchall()
        )
        return [checkpoint_of_row(row, origin) for row in rows]

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The last checkpoint issued, if any."""
        issued = self.checkpoints()
        return issued[-1] if issued else None

    def checkpoint(self, key: CheckpointKey) -> SignedCheckpoint:
        """A checkpoint of the whole log signed with *key*: the latest one when the log has
        not grown since, else a new one (pending heads are appended first)."""
        origin = self.store_id()
        with locked_write(self.database, LOG_LOCK, "issue a checkpoint") as cur:
            size = append_pending(cur) if logging_on() else log_size(cur)
            row = cur.execute(
                "SELECT size, key_id, root, time, signature FROM log_checkpoints "
                "WHERE size = ? AND key_id = ?",
                (size, key.id),
            ).fetchone()
            if row is not None:
                return checkpoint_of_row(row, origin)
            root = tree_root(SqlNodes(cur), size).hex()
            now = time.time_ns() // 1_000_000
            signed = sign_checkpoint(Checkpoint(origin, size, root, now), key)
            cur.execute(
                "INSERT INTO log_checkpoints (size, key_id, root, time, signature) "
                "VALUES (?, ?, ?, ?, ?)",
                (size, signed.key_id, root, signed.checkpoint.time, signed.signature),
            )
        self._last_flush = time.monotonic()
        return signed

    def logged_head(self, kind: ChainKind, chain: str, size: int) -> tuple[int, ChainHead]:
        """The last head of a chain logged among the first *size* leaves, and its index.

        Raises:
            NotFoundError: the chain has no head in those leaves.
        """
        row = (
            self.database.read()
            .execute(
                "SELECT idx, kind, chain, seq, hash, time FROM log_leaves WHERE kind = ? AND "
                "chain = ? AND idx < ? ORDER BY idx DESC LIMIT 1",
                (kind, chain, size),
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"the log's first {size} leaves hold no head of {kind} {chain}")
        return int(row[0]), ChainHead(row[1], row[2], int(row[3]), row[4], int(row[5]))

    def inclusion_proof(self, index: int, size: int) -> InclusionProof:
        """The proof that leaf *index* is in the log at *size* leaves."""
        self._check_sizes(index + 1, size)
        return InclusionProof.build(SqlNodes(self.database.read()), index, size)  # type: ignore[arg-type]

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        """The proof that the log at *new_size* leaves extends the log at *old_size*."""
        self._check_sizes(old_size, new_size)
        return ConsistencyProof.build(SqlNodes(self.database.read()), old_size, new_size)  # type: ignore[arg-type]

    def issue_every(self, key: CheckpointKey, interval: float) -> threading.Event:
        """Issue a checkpoint with *key* every *interval* seconds (when the log has grown),
        on a daemon thread, until the returned event is set (a team server does this)."""
        stop = threading.Event()

        def issue() -> None:
            while not stop.wait(interval):
                try:
                    self.checkpoint(key)
                except TrackRecordError as exc:  # a database away for a while: try later
                    warnings.warn(f"cannot issue a checkpoint: {exc}", stacklevel=1)

        threading.Thread(target=issue, name="trackrecord-checkpoints", daemon=True).start()
        return stop

    def _check_sizes(self, small: int, big: int) -> None:
        size = self.size()
        if not 0 <= small <= big <= size:
            raise InvalidValueError(
                f"a proof needs 0 <= {small} <= {big} <= {size} (the log's size now)"
            )
