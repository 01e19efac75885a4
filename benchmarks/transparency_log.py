"""The transparency log's costs at 10^3 .. 10^6 leaves: appends, roots, proofs.

For each size, a log of chain-head leaves is built and timed:

- ``leaf``: making a chain head, encoding it (canonical JSON) and hashing it, per leaf;
- ``append``: appending leaf hashes one at a time to an in-memory tree (per leaf);
- ``batch``: :func:`append_leaves` in batches of ``--batch`` leaves (frontier read,
  nodes written), per leaf; with ``--sqlite`` into a SQLite node table in memory;
- ``root``: the root of the whole log from stored nodes;
- ``incl``/``cons``: making an inclusion / consistency proof and checking it with
  hashes only (median of ``--proofs`` random ones), and the largest proof (hashes)
  beside ⌈log2 n⌉.

This is a report, not a test: nothing asserts a time.

Usage: python benchmarks/transparency_log.py [--max 1000000] [--proofs 500] [--sqlite]
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from trackrecord.transparency.leaves import ChainHead
from trackrecord.transparency.merkle import NodePosition, verify_consistency, verify_inclusion
from trackrecord.transparency.tree import (
    MemoryTree,
    Node,
    NodeStore,
    append_leaves,
    consistency_proof,
    inclusion_proof,
    tree_root,
)

T0 = 1_800_000_000_000


class SqliteNodes:
    """A node table as the embedded store would keep it (one row per perfect subtree)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE TABLE log_nodes (level INTEGER, number INTEGER, hash BLOB, "
            "PRIMARY KEY (level, number)) WITHOUT ROWID"
        )

    def read_nodes(self, positions: Sequence[NodePosition]) -> list[bytes]:
        query = "SELECT hash FROM log_nodes WHERE level = ? AND number = ?"
        return [self.db.execute(query, p).fetchone()[0] for p in positions]

    def write_nodes(self, nodes: Sequence[Node]) -> None:
        self.db.executemany("INSERT INTO log_nodes VALUES (?, ?, ?)", nodes)


def per_item(seconds: float, count: int) -> str:
    return f"{seconds / count * 1e6:.2f} µs"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def leaf_hashes(n: int) -> list[bytes]:
    """The leaf hashes of *n* chain heads (50 heads per run), built, encoded and hashed."""
    return [
        ChainHead("run", f"01j{i // 50:023d}", i % 50 + 1, f"{i:064x}", T0 + i).leaf_hash()
        for i in range(n)
    ]


def proof_times(store: NodeStore, n: int, count: int, rng: random.Random) -> dict[str, Any]:
    root = tree_root(store, n)
    made, checked, incl_max = [], [], 0
    for _ in range(count):
        i = rng.randrange(n)
        leaf = store.read_nodes([NodePosition(0, i)])[0]
        seconds, audit = timed(lambda i=i: inclusion_proof(store, i, n))
        made.append(seconds)
        seconds, ok = timed(lambda i=i, a=audit, f=leaf: verify_inclusion(f, i, n, a, root))
        checked.append(seconds)
        assert ok
        incl_max = max(incl_max, len(audit))
    cons_made, cons_checked, cons_max = [], [], 0
    for _ in range(count):
        m = rng.randrange(1, n + 1)
        old = tree_root(store, m)
        seconds, shown = timed(lambda m=m: consistency_proof(store, m, n))
        cons_made.append(seconds)
        seconds, ok = timed(lambda m=m, o=old, s=shown: verify_consistency(m, n, o, root, s))
        cons_checked.append(seconds)
        assert ok
        cons_max = max(cons_max, len(shown))
    med = statistics.median
    return {
        "incl": f"{med(made) * 1e6:.0f} / {med(checked) * 1e6:.0f} µs",
        "incl size": f"{incl_max} (⌈log2 n⌉ {math.ceil(math.log2(n))})",
        "cons": f"{med(cons_made) * 1e6:.0f} / {med(cons_checked) * 1e6:.0f} µs",
        "cons size": cons_max,
    }


def measure(n: int, batch: int, proofs: int, sqlite: bool) -> dict[str, Any]:
    rng = random.Random(n)
    leaf_s, leaves = timed(lambda: leaf_hashes(n))
    tree = MemoryTree()
    append_s, _ = timed(lambda: [tree.append(leaf) for leaf in leaves])
    store: NodeStore = SqliteNodes() if sqlite else MemoryTree()

    def batches() -> None:
        for start in range(0, n, batch):
            append_leaves(store, start, leaves[start : start + batch])

    batch_s, _ = timed(batches)
    root_s, root = timed(lambda: tree_root(store, n))
    assert root == tree.root()
    row = {"leaves": f"{n:,}", "leaf": per_item(leaf_s, n), "append": per_item(append_s, n),
           "batch": per_item(batch_s, n), "appends/s": f"{n / (leaf_s + batch_s):,.0f}",
           "root": f"{root_s * 1e6:.0f} µs"}  # fmt: skip
    return row | proof_times(store, n, proofs, rng)


def table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]

    def line(cells: Any) -> str:
        return "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True))

    body = [line(r.values()) for r in rows]
    return "\n".join([line(columns), line("-" * w for w in widths), *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max", type=int, default=1_000_000, help="largest log (leaves)")
    parser.add_argument("--proofs", type=int, default=500, help="random proofs per size")
    parser.add_argument("--batch", type=int, default=1000, help="leaves per batched append")
    parser.add_argument("--sqlite", action="store_true", help="batched appends into SQLite")
    args = parser.parse_args()
    sizes = [10**k for k in range(3, 10) if 10**k <= args.max]
    rows = []
    for n in sizes:
        rows.append(measure(n, args.batch, args.proofs, args.sqlite))
        print(f"measured {n:,} leaves", flush=True)
    where = "SQLite node table in memory" if args.sqlite else "in-memory node table"
    print(f"\nTransparency log ({where}; batches of {args.batch}; proofs: make / check, "
          f"median of {args.proofs})\n")  # fmt: skip
    print(table(rows))


if __name__ == "__main__":
    main()
