"""The many-runs TrackRecord store copied into PostgreSQL, for the server_search workload.

Loading 100,000 runs through the PostgreSQL write path would take many minutes of
one-statement round trips, so the SQLite store the other many-runs workloads read
(loaded with the SDK's own `apply_events`, see trackers/trackrecord_adapter.py) is
copied instead, table by table with `COPY`: TrackRecord creates the schema (its own
migrations, through `PostgresDatabase`), every row goes in as SQLite holds it (the
two schemas are the same migrations, with PostgreSQL's types), the identity of
`projects` is moved past the copied ids, and `ANALYZE` gives the planner statistics
(as autovacuum would soon after a real load).

The copy is made once per store and PostgreSQL server and recorded beside the store
(`postgres-<server digest>.json`), so every repetition (and `--reuse-stores`) finds it;
`drop_copy` removes every copy of a store with the store.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Final

from harness.servers import PG_SERVER, create_database, drop_database
from harness.timing import timed

TABLES: Final = (
    "projects", "runs", "events", "params", "tags", "metric_summaries", "metric_chunks",
    "artifacts",
)  # fmt: skip


def database_name(root: Path) -> str:
    """The copy's database, one per store directory (`bench_search_<runs>_v<version>`)."""
    return "bench_" + root.name.replace("-", "_").lower()


def postgres_copy(root: Path, sqlite_file: Path) -> tuple[str, dict[str, float]]:
    """The URL of the store's copy in PostgreSQL (made now if missing) and its set-up times."""
    marker = root / f"postgres-{hashlib.sha1(PG_SERVER.encode()).hexdigest()[:8]}.json"
    if marker.exists():
        made = json.loads(marker.read_text())
        return str(made["url"]), dict(made["figures"])
    name = database_name(root)
    drop_database(name)  # a copy cut short by an earlier run
    url = create_database(name)
    with timed() as took:
        rows = _copy(sqlite_file, url)
    figures = {"pg_copy": took.seconds, "pg_rows": float(rows)}
    made = {"url": url, "server": PG_SERVER, "database": name, "figures": figures}
    marker.write_text(json.dumps(made))
    return url, figures


def drop_copy(root: Path) -> None:
    """Drop the PostgreSQL copies of the store in `root`, if any were made."""
    for marker in root.glob("postgres-*.json"):
        made = json.loads(marker.read_text())
        drop_database(made["database"], made["server"])
        marker.unlink()


def _copy(sqlite_file: Path, url: str) -> int:
    import psycopg
    from trackrecord.store.sql.postgres import PostgresDatabase

    PostgresDatabase(url).close()  # TrackRecord's migrations make the schema
    source = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    copied = 0
    try:
        with psycopg.connect(url) as target:
            for table in TABLES:
                columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
                names = ", ".join(columns)
                sql = f"COPY {table} ({names}) FROM STDIN"
                with target.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[arg-type]
                    for row in source.execute(f"SELECT {names} FROM {table}"):
                        copy.write_row(row)
                        copied += 1
            target.execute(
                "SELECT setval(pg_get_serial_sequence('projects', 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM projects), false)"
            )
            target.commit()
            target.autocommit = True
            target.execute("ANALYZE")
    finally:
        source.close()
    return copied
