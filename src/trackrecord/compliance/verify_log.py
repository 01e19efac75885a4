"""Verifying the transparency log against the chains, and a store against a checkpoint.

:func:`log_problems` (part of ``trackrecord verify --all``) checks that:

- the log's leaves are numbered without gaps, are chain heads, and hash to the stored
  Merkle nodes (every node is recomputed: an edited, deleted or forged one is named);
- each checkpoint the store kept has the root of the log at its size and, when the
  store's checkpoint key is at hand, a valid signature by it;
- every chain's current head is logged or waiting in ``log_pending``, and every pending
  head is its chain's current head;
- every chain still holds the last head logged for it, with the same hash: a deleted
  run, a truncated chain, a deleted last registry event or audit entry, or a chain
  re-hashed while the log was left alone are reported. A run purged by retention is
  explained by its ``run.purge`` ledger event, not reported.

:func:`checkpoint_problems` (``trackrecord verify --checkpoint FILE``) proves that
nothing recorded up to a checkpoint kept outside the store was removed, rewritten or
rolled back: its signature by the key the auditor trusts, the store's log at least as
long, the root of its first ``size`` leaves equal to the checkpoint's, and each chain
still holding what was logged. This catches a store rolled back to an older copy and a
log rebuilt by someone who re-hashed a chain: they cannot sign a checkpoint.

Every difference is a :class:`~trackrecord.store.problems.Problem` of kind ``log``;
nothing here writes to the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trackrecord.errors import TrackRecordError
from trackrecord.store.problems import Problem
from trackrecord.store.sql.connection import Connection, SqlDatabase
from trackrecord.store.sql.ledger import read_ledger
from trackrecord.store.sql.transparency_log import (
    AUDIT_CHAIN,
    STORE_ID,
    SqlNodes,
    checkpoint_of_row,
)
from trackrecord.transparency.checkpoint import SignedCheckpoint, verify_checkpoint
from trackrecord.transparency.keys import checkpoint_keys_dir, load_or_create_key
from trackrecord.transparency.leaves import ChainHead
from trackrecord.transparency.tree import Frontier, MemoryTree, tree_root

__all__ = ["checkpoint_problems", "local_public_key", "log_problems"]

Head = tuple[int, str]
ChainKey = tuple[str, str]


def _problem(chain: str, table: str, key: Any, detail: str) -> Problem:
    return Problem(chain, table, tuple(key), None, None, None, "log", detail)


def _chain_name(kind: str, chain: str) -> str:
    return f"run:{chain}" if kind == "run" else chain


def local_public_key(store_id: str) -> str | None:
    """The public key of the checkpoint key this machine keeps for *store_id*, if any
    (never made here: verifying writes nothing)."""
    path = checkpoint_keys_dir() / f"{store_id}.pem"
    if not path.is_file():
        return None
    return load_or_create_key(path, create=False).public_key


@dataclass
class _Log:
    """The log as stored: its leaves in order, the problems reading them, the tree they
    make."""

    leaves: list[ChainHead]
    problems: list[Problem]
    tree: MemoryTree


def _read_leaves(conn: Connection) -> _Log:
    problems: list[Problem] = []
    leaves: list[ChainHead] = []
    tree = MemoryTree()
    rows = conn.execute(
        "SELECT idx, kind, chain, seq, hash, time FROM log_leaves ORDER BY idx"
    ).fetchall()
    for idx, kind, chain, seq, digest, at in rows:
        if idx != len(leaves):
            problems.append(
                _problem(
                    "store",
                    "log_leaves",
                    [("idx", idx)],
                    f"leaf {idx} follows leaf {len(leaves) - 1}: leaves are missing "
                    "or were forged (the log only grows, one leaf after another)",
                )
            )
            break
        try:
            head = ChainHead(kind, chain, int(seq), digest, int(at))
        except (TrackRecordError, TypeError, ValueError) as exc:
            problems.append(
                _problem(
                    "store", "log_leaves", [("idx", idx)], f"leaf {idx} is no chain head: {exc}"
                )
            )
            break
        leaves.append(head)
        tree.append(head.leaf_hash())
    return _Log(leaves, problems, tree)


def _node_problems(conn: Connection, log: _Log) -> list[Problem]:
    """Every stored node against the nodes the leaves make."""
    expected = {
        (n.level, n.number): n.hash for n in Frontier().extend(h.leaf_hash() for h in log.leaves)
    }
    stored = {
        (int(r[0]), int(r[1])): bytes(r[2])
        for r in conn.execute("SELECT level, number, hash FROM log_nodes").fetchall()
    }
    problems = []
    for position in sorted(expected.keys() | stored.keys()):
        key = [("level", position[0]), ("number", position[1])]
        if position not in stored:
            problems.append(
                _problem("store", "log_nodes", key, "the leaves make this node; it is missing")
            )
        elif position not in expected:
            problems.append(
                _problem(
                    "store",
                    "log_nodes",
                    key,
                    "no leaves make this node (forged, or its leaves were removed)",
                )
            )
        elif stored[position] != expected[position]:
            problems.append(
                _problem(
                    "store",
                    "log_nodes",
                    key,
                    "its hash is not that of the "
                    "leaves below it (the node or the leaves were changed)",
                )
            )
    return problems


def _store_id(conn: Connection) -> tuple[str | None, list[Problem]]:
    rows = conn.execute("SELECT key, value FROM store_meta ORDER BY key").fetchall()
    found = dict((str(k), str(v)) for k, v in rows)
    problems = [
        _problem("store", "store_meta", [("key", k)], f"an unknown entry {k!r}")
        for k in found
        if k != STORE_ID
    ]
    if STORE_ID not in found:
        problems.append(
            _problem(
                "store",
                "store_meta",
                [("key", STORE_ID)],
                "the store's id (its checkpoints' origin) is missing",
            )
        )
    return found.get(STORE_ID), problems


def _checkpoint_rows(conn: Connection, log: _Log, origin: str, key: str | None) -> list[Problem]:
    """The checkpoints the store kept: each the root of its size, signed by *key*."""
    problems = []
    rows = conn.execute(
        "SELECT size, key_id, root, time, signature FROM log_checkpoints ORDER BY size"
    ).fetchall()
    for row in rows:
        where = [("size", row[0]), ("key_id", row[1])]
        try:
            signed = checkpoint_of_row(row, origin)
        except (TrackRecordError, TypeError, ValueError) as exc:
            problems.append(_problem("store", "log_checkpoints", where, f"malformed: {exc}"))
            continue
        problems += [
            _problem("store", "log_checkpoints", where, line)
            for line in _against_log(signed, log, key)
        ]
    return problems


def _against_log(signed: SignedCheckpoint, log: _Log, key: str | None) -> list[str]:
    """What is wrong with a checkpoint of this store's log (its signature if *key*)."""
    lines = []
    checkpoint = signed.checkpoint
    if key is not None:
        try:
            verify_checkpoint(signed, key)
        except TrackRecordError as exc:
            lines.append(str(exc))
    size = len(log.leaves)
    if checkpoint.size > size:
        lines.append(
            f"the checkpoint of {checkpoint.size} leaves is ahead of the log, which has "
            f"{size}: the store was rolled back to an older copy, or the log was cut"
        )
    elif tree_root(log.tree, checkpoint.size).hex() != checkpoint.root:
        lines.append(
            f"the log's first {checkpoint.size} leaves do not have the checkpoint's root "
            f"{checkpoint.root[:16]}…: something logged up to the checkpoint was removed or "
            "rewritten (and the log rebuilt)"
        )
    return lines


def _current_heads(conn: Connection) -> dict[ChainKey, Head]:
    """Each chain's last stored event: (kind, chain id) → (seq, hash)."""
    heads: dict[ChainKey, Head] = {}
    for table, owner, kind, name in (
        ("events", "run_id", "run", "{}"),
        ("registry_events", "model", "registry", "registry:{}"),
    ):
        for chain, seq, digest in conn.execute(
            f"SELECT e.{owner}, e.seq, e.hash FROM {table} e JOIN (SELECT {owner} AS c, "
            f"max(seq) AS s FROM {table} GROUP BY {owner}) m ON m.c = e.{owner} AND m.s = e.seq"
        ).fetchall():
            heads[(kind, name.format(chain))] = (int(seq), str(digest))
    for table, kind, chain in (
        ("ledger_events", "ledger", "ledger"),
        ("audit_log", "audit", AUDIT_CHAIN),
    ):
        last = conn.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()
        if last:
            heads[(kind, chain)] = (int(last[0]), str(last[1]))
    return heads


def _hash_at(conn: Connection, kind: str, chain: str, seq: int) -> str | None:
    if kind == "run":
        sql, args = "SELECT hash FROM events WHERE run_id = ? AND seq = ?", (chain, seq)
    elif kind == "registry":
        sql = "SELECT hash FROM registry_events WHERE model = ? AND seq = ?"
        args = (chain.removeprefix("registry:"), seq)
    else:
        table = "ledger_events" if kind == "ledger" else "audit_log"
        sql, args = f"SELECT hash FROM {table} WHERE seq = ?", (seq,)  # type: ignore[assignment]
    row = conn.execute(sql, args).fetchone()
    return None if row is None else str(row[0])


def _purged(conn: Connection) -> dict[str, int]:
    """Runs purged by retention (``run.purge`` ledger events): run id → its last seq."""
    return {
        str(e.body.get("run")): int(e.body.get("head_seq") or 0)
        for e in read_ledger(conn, {"run.purge"})
    }


def _logged_heads_problems(conn: Connection, leaves: Sequence[ChainHead]) -> list[Problem]:
    """Each chain still holds the last head logged for it (purged runs explained), and no
    chain's logged seq ever goes down."""
    problems: list[Problem] = []
    latest: dict[tuple[str, str], tuple[int, ChainHead]] = {}
    for index, leaf in enumerate(leaves):
        before = latest.get(leaf.key)
        if before is not None and leaf.seq < before[1].seq:
            problems.append(
                _problem(
                    _chain_name(leaf.kind, leaf.chain),
                    "log_leaves",
                    [("idx", index)],
                    f"head {leaf.seq} logged after head {before[1].seq} (a chain only grows)",
                )
            )
        latest[leaf.key] = (index, leaf)
    purged = _purged(conn)
    for (kind, chain), (index, leaf) in sorted(latest.items()):
        stored = _hash_at(conn, kind, chain, leaf.seq)
        if stored == leaf.hash:
            continue
        if stored is None and kind == "run" and purged.get(chain, 0) >= leaf.seq:
            continue  # purged by retention: the ledger says so, and the ledger is logged
        what = (
            "is no longer stored: the chain was deleted or truncated"
            if stored is None
            else f"now has hash {stored[:16]}…: the chain was rewritten"
        )
        problems.append(
            _problem(
                _chain_name(kind, chain),
                "log_leaves",
                [("idx", index)],
                f"{kind} chain {chain}: event {leaf.seq} was logged with hash "
                f"{leaf.hash[:16]}… and {what}",
            )
        )
    return problems


def _pending_problems(conn: Connection, leaves: Sequence[ChainHead]) -> list[Problem]:
    """Every chain's current head is logged or pending; every pending head is current."""
    problems = []
    heads = _current_heads(conn)
    logged: dict[ChainKey, Head] = {leaf.key: (leaf.seq, leaf.hash) for leaf in leaves}
    pending: dict[ChainKey, Head] = {}
    for kind, chain, seq, digest in conn.execute(
        "SELECT kind, chain, seq, hash FROM log_pending ORDER BY kind, chain"
    ).fetchall():
        pending[(str(kind), str(chain))] = (seq, digest)
        if heads.get((kind, chain)) != (seq, digest):
            problems.append(
                _problem(
                    _chain_name(kind, chain),
                    "log_pending",
                    [("kind", kind), ("chain", chain)],
                    f"head {seq} ({str(digest)[:16]}…) "
                    "waits to be logged, but it is not the chain's last event",
                )
            )
    for (kind, chain), head in sorted(heads.items()):
        if head not in (pending.get((kind, chain)), logged.get((kind, chain))):
            problems.append(
                _problem(
                    _chain_name(kind, chain),
                    "log_pending",
                    [("kind", kind), ("chain", chain)],
                    f"the chain's last event "
                    f"{head[0]} ({head[1][:16]}…) was never logged: it is neither in "
                    "the log nor waiting for it",
                )
            )
    return problems


def log_problems(database: SqlDatabase, public_key: str | None = None) -> list[Problem]:
    """The transparency log checked against itself and the chains (see the module
    docstring). *public_key* (base64 raw Ed25519) checks the stored checkpoints'
    signatures; by default the key this machine keeps for the store, if any."""
    with database.snapshot() as conn:  # writers may go on: the tables are read as of one time
        origin, problems = _store_id(conn)
        log = _read_leaves(conn)
        problems += log.problems + _node_problems(conn, log)
        if origin is not None:
            key = public_key or _quiet_local_key(origin)
            problems += _checkpoint_rows(conn, log, origin, key)
        problems += _pending_problems(conn, log.leaves)
        problems += _logged_heads_problems(conn, log.leaves)
    return problems


def _quiet_local_key(origin: str) -> str | None:
    try:
        return local_public_key(origin)
    except TrackRecordError:
        return None  # an unreadable key file: signatures are not checked (no key at hand)


def checkpoint_problems(
    database: SqlDatabase, signed: SignedCheckpoint, public_key: str
) -> list[Problem]:
    """Whether the store still holds everything logged up to *signed*, a checkpoint kept
    outside it, whose signature must verify with *public_key* (see the module docstring)."""
    checkpoint = signed.checkpoint
    key = [("size", checkpoint.size), ("origin", checkpoint.origin)]
    try:
        verify_checkpoint(signed, public_key)
    except TrackRecordError as exc:
        return [_problem("store", "checkpoint", key, str(exc))]
    try:
        return _against_store(database, signed)
    except Exception as exc:  # a damaged store gets a report, never a crash
        return [_problem("store", "log_leaves", key, f"cannot read the log: {exc!r}")]


def _against_store(database: SqlDatabase, signed: SignedCheckpoint) -> list[Problem]:
    with database.snapshot() as conn:  # the tables as of one time, while writers go on
        return _against_tables(conn, signed)


def _against_tables(conn: Connection, signed: SignedCheckpoint) -> list[Problem]:
    checkpoint = signed.checkpoint
    key = [("size", checkpoint.size), ("origin", checkpoint.origin)]
    origin, problems = _store_id(conn)
    if origin is not None and origin != checkpoint.origin:
        problems.append(
            _problem(
                "store",
                "store_meta",
                [("key", STORE_ID)],
                f"the checkpoint is of store {checkpoint.origin}, this store is {origin}",
            )
        )
    log = _read_leaves(conn)
    problems += log.problems
    problems += [
        _problem("store", "log_leaves", key, line) for line in _against_log(signed, log, None)
    ]
    if len(log.leaves) >= checkpoint.size and checkpoint.size:
        try:
            if tree_root(SqlNodes(conn), checkpoint.size).hex() != checkpoint.root:  # type: ignore[arg-type]
                problems.append(
                    _problem(
                        "store",
                        "log_nodes",
                        key,
                        "the stored nodes do not give the checkpoint's root",
                    )
                )
        except TrackRecordError as exc:
            problems.append(_problem("store", "log_nodes", key, str(exc)))
    problems += _logged_heads_problems(conn, log.leaves[: checkpoint.size])
    return problems
