"""Numbered schema migrations, recorded in the ``schema_migrations`` table.

Append new migrations to :data:`MIGRATIONS`; never edit one that has shipped.
Each runs once, inside the transaction that records it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Final, NamedTuple

from trackrecord.errors import StoreError
from trackrecord.store.sql.connection import Cursor

__all__ = ["MIGRATIONS", "Migration", "apply_migrations"]


class Migration(NamedTuple):
    """One schema step: its number, a short name, and its SQL statements.

    ``postgres`` statements run after the others on PostgreSQL only (planner
    statistics and the like, which SQLite lacks); ``data`` then runs in Python on the
    same cursor (for a step SQL cannot say, such as computing hashes).
    """

    version: int
    name: str
    statements: tuple[str, ...]
    postgres: tuple[str, ...] = ()
    data: Callable[[Cursor], None] | None = None


_INITIAL: Final = (
    """CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    )""",
    """CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        run_group TEXT,
        parent_id TEXT,
        notes TEXT,
        user_name TEXT,
        host TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT,
        deleted_at INTEGER,
        git_commit TEXT,
        git_branch TEXT,
        head_seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL
    )""",
    "CREATE INDEX runs_by_created ON runs (created_at)",
    "CREATE INDEX runs_by_name ON runs (name)",
    "CREATE INDEX runs_by_project ON runs (project_id, created_at)",
    "CREATE INDEX runs_by_parent ON runs (parent_id)",
    """CREATE TABLE events (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        time INTEGER NOT NULL,
        body TEXT NOT NULL,
        points TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    )""",
    """CREATE TABLE params (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        kind TEXT NOT NULL,
        num REAL,
        text TEXT,
        PRIMARY KEY (run_id, key)
    )""",
    "CREATE INDEX params_by_number ON params (key, num)",
    "CREATE INDEX params_by_text ON params (key, text)",
    """CREATE TABLE tags (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    )""",
    "CREATE INDEX tags_by_value ON tags (key, value)",
    """CREATE TABLE metric_summaries (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        last REAL,
        last_step INTEGER NOT NULL,
        last_time INTEGER NOT NULL,
        max_step INTEGER NOT NULL,
        min REAL,
        max REAL,
        PRIMARY KEY (run_id, key)
    )""",
    "CREATE INDEX summaries_by_last ON metric_summaries (key, last)",
    "CREATE INDEX summaries_by_min ON metric_summaries (key, min)",
    "CREATE INDEX summaries_by_max ON metric_summaries (key, max)",
    """CREATE TABLE metric_chunks (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        first_index INTEGER NOT NULL,
        count INTEGER NOT NULL,
        step_min INTEGER NOT NULL,
        step_max INTEGER NOT NULL,
        points BLOB NOT NULL,
        lod BLOB NOT NULL,
        PRIMARY KEY (run_id, key, first_index)
    )""",
    """CREATE TABLE artifacts (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, path)
    )""",
)

_ACCOUNTS: Final = (
    """CREATE TABLE users (
        name TEXT PRIMARY KEY,
        is_admin INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        disabled_at INTEGER,
        password_hash TEXT,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER
    )""",
    """CREATE TABLE project_roles (
        user_name TEXT NOT NULL REFERENCES users(name),
        project TEXT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (user_name, project)
    )""",
    """CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name),
        secret_hash TEXT NOT NULL,
        label TEXT NOT NULL,
        project TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
    )""",
    "CREATE INDEX tokens_by_user ON tokens (user_name)",
    "CREATE INDEX artifacts_by_sha256 ON artifacts (sha256)",
    """CREATE TABLE audit_log (
        seq INTEGER NOT NULL PRIMARY KEY,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        source TEXT NOT NULL,
        status INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
)

_KEY_STATISTICS: Final = (
    # a key and its values are correlated (few runs have optimizer = "adam" among all
    # params): without these, PostgreSQL guesses such filters match a few rows, not
    # thousands, and picks plans that sort every match instead of reading an index in order
    "CREATE STATISTICS params_by_key_text (mcv, dependencies) ON key, text FROM params",
    "CREATE STATISTICS params_by_key_num (dependencies) ON key, num FROM params",
    "CREATE STATISTICS tags_by_key_value (mcv, dependencies) ON key, value FROM tags",
)

_CATALOG: Final = (
    # dataset versions: one per (name, content digest), numbered 1, 2, ... by first use
    """CREATE TABLE dataset_versions (
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        number INTEGER NOT NULL,
        label TEXT,
        kind TEXT NOT NULL,
        uri TEXT,
        size BIGINT,
        row_count BIGINT,
        schema TEXT,
        profile TEXT,
        sources TEXT NOT NULL,
        datasheet TEXT,
        description TEXT,
        manifest_sha256 TEXT,
        first_run TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (name, digest),
        UNIQUE (name, number)
    )""",
    """CREATE TABLE run_datasets (
        run_id TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        role TEXT NOT NULL,
        direction TEXT NOT NULL,
        time BIGINT NOT NULL,
        PRIMARY KEY (run_id, name, digest, role, direction)
    )""",
    "CREATE INDEX run_datasets_by_version ON run_datasets (name, digest)",
    "CREATE INDEX run_datasets_by_digest ON run_datasets (digest)",
    """CREATE TABLE logged_models (
        run_id TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        flavor TEXT NOT NULL,
        format TEXT NOT NULL,
        path TEXT NOT NULL,
        size BIGINT NOT NULL,
        files TEXT NOT NULL,
        meta TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (run_id, name)
    )""",
    "CREATE INDEX logged_models_by_digest ON logged_models (digest)",
    # the registry: each registered model is a hash-chained log of its own events
    """CREATE TABLE registry_events (
        model TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        time BIGINT NOT NULL,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (model, seq)
    )""",
    """CREATE TABLE registered_models (
        name TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        description TEXT,
        tags TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        head_seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL
    )""",
    """CREATE TABLE model_versions (
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        run_model TEXT NOT NULL,
        digest TEXT NOT NULL,
        flavor TEXT NOT NULL,
        files TEXT NOT NULL,
        description TEXT,
        tags TEXT NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (model, version)
    )""",
    "CREATE INDEX model_versions_by_run ON model_versions (run_id)",
    # acceptance criteria, recorded before evaluations (a run's or a model version's); never
    # changed: a new set names the one it supersedes
    """CREATE TABLE criteria_sets (
        id TEXT PRIMARY KEY,
        target TEXT NOT NULL,
        chain TEXT NOT NULL,
        seq INTEGER NOT NULL,
        time BIGINT NOT NULL,
        actor TEXT,
        reason TEXT,
        criteria TEXT NOT NULL,
        supersedes TEXT
    )""",
    "CREATE INDEX criteria_by_target ON criteria_sets (target, time)",
    """CREATE TABLE evaluations (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        time BIGINT NOT NULL,
        started_at BIGINT NOT NULL,
        target TEXT,
        dataset_name TEXT,
        dataset_digest TEXT,
        criteria_id TEXT,
        task TEXT NOT NULL,
        n BIGINT NOT NULL,
        status TEXT NOT NULL,
        summary TEXT NOT NULL,
        result_sha256 TEXT NOT NULL
    )""",
    "CREATE INDEX evaluations_by_target ON evaluations (target, time)",
    "CREATE INDEX evaluations_by_run ON evaluations (run_id)",
    # sign-offs: Ed25519 public keys of users, signatures over records' hashes, and how many
    # sign-offs a registered model's alias needs before it may move
    """CREATE TABLE signing_keys (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        public_key TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
    )""",
    """CREATE TABLE signatures (
        id TEXT PRIMARY KEY,
        target TEXT NOT NULL,
        record_hash TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signer TEXT NOT NULL,
        meaning TEXT NOT NULL,
        signature TEXT NOT NULL,
        time BIGINT NOT NULL
    )""",
    "CREATE INDEX signatures_by_target ON signatures (target, time)",
    """CREATE TABLE signoff_policies (
        model TEXT NOT NULL,
        alias TEXT NOT NULL,
        required INTEGER NOT NULL,
        PRIMARY KEY (model, alias)
    )""",
    # retention (Art. 18, 19): versions placed on the market keep their whole lineage for
    # years; run logs are kept a minimum time; legal holds keep anything until released
    """CREATE TABLE market_placements (
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        placed_at BIGINT NOT NULL,
        retention_days INTEGER NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (model, version)
    )""",
    """CREATE TABLE legal_holds (
        id TEXT PRIMARY KEY,
        target TEXT NOT NULL,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        released_at BIGINT,
        released_by TEXT,
        release_reason TEXT
    )""",
    """CREATE TABLE store_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE model_aliases (
        model TEXT NOT NULL,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        set_at BIGINT NOT NULL,
        set_by TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (model, alias)
    )""",
)

_SIGN_IN: Final = (
    # failed sign-ins per subject ("user:NAME", known or not, and "address:IP"), counted by
    # one atomic upsert; they replace the per-user columns, which concurrent guesses outran
    """CREATE TABLE sign_in_failures (
        subject TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        ends_at BIGINT NOT NULL
    )""",
    "CREATE INDEX sign_in_failures_by_end ON sign_in_failures (ends_at)",
    "ALTER TABLE users DROP COLUMN failed_logins",
    "ALTER TABLE users DROP COLUMN locked_until",
)

_VERSION_FIELDS: Final = (
    "label, kind, uri, size, row_count, schema, profile, sources, datasheet, description, "
    "manifest_sha256"
)

_PROJECT_OBJECTS: Final = (
    # which projects hold which artifact bytes, besides those their runs recorded: a server
    # writes a grant when bytes are uploaded for a project, and lets its runs name only those
    """CREATE TABLE artifact_grants (
        sha256 TEXT NOT NULL,
        project TEXT NOT NULL,
        granted_at BIGINT NOT NULL,
        PRIMARY KEY (sha256, project)
    )""",
    # dataset names are namespaced per project: one version per (project, name, digest),
    # numbered 1, 2, ... per (project, name) in the order the project first used them (so a
    # store with one project keeps its numbers); a version two projects used becomes two
    """CREATE TABLE project_datasets (
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        first_time BIGINT NOT NULL
    )""",
    """INSERT INTO project_datasets (project, name, digest, first_time)
        SELECT p.name, d.name, d.digest, MIN(d.time) FROM run_datasets d
        JOIN runs r ON r.id = d.run_id JOIN projects p ON p.id = r.project_id
        GROUP BY p.name, d.name, d.digest""",
    """INSERT INTO project_datasets (project, name, digest, first_time)
        SELECT p.name, v.name, v.digest, v.created_at FROM dataset_versions v
        JOIN runs r ON r.id = v.first_run JOIN projects p ON p.id = r.project_id
        WHERE NOT EXISTS (SELECT 1 FROM run_datasets d WHERE d.name = v.name
                          AND d.digest = v.digest)""",
    """CREATE TABLE dataset_versions_by_project (
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        number INTEGER NOT NULL,
        label TEXT,
        kind TEXT NOT NULL,
        uri TEXT,
        size BIGINT,
        row_count BIGINT,
        schema TEXT,
        profile TEXT,
        sources TEXT NOT NULL,
        datasheet TEXT,
        description TEXT,
        manifest_sha256 TEXT,
        first_run TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (project, name, digest),
        UNIQUE (project, name, number)
    )""",
    f"""INSERT INTO dataset_versions_by_project (project, name, digest, number,
            {_VERSION_FIELDS}, first_run, created_at)
        SELECT f.project, v.name, v.digest,
            ROW_NUMBER() OVER (PARTITION BY f.project, v.name ORDER BY f.first_time, v.number),
            {", ".join(f"v.{c}" for c in _VERSION_FIELDS.split(", "))},
            COALESCE((SELECT d.run_id FROM run_datasets d JOIN runs r ON r.id = d.run_id
                      JOIN projects p ON p.id = r.project_id WHERE p.name = f.project
                      AND d.name = v.name AND d.digest = v.digest
                      ORDER BY d.time, d.run_id LIMIT 1), v.first_run),
            f.first_time
        FROM project_datasets f JOIN dataset_versions v ON v.name = f.name
            AND v.digest = f.digest""",
    "DROP TABLE project_datasets",
    "DROP TABLE dataset_versions",
    "ALTER TABLE dataset_versions_by_project RENAME TO dataset_versions",
    "CREATE INDEX dataset_versions_by_name ON dataset_versions (name)",
    """CREATE TABLE run_datasets_by_project (
        run_id TEXT NOT NULL,
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        role TEXT NOT NULL,
        direction TEXT NOT NULL,
        time BIGINT NOT NULL,
        PRIMARY KEY (run_id, name, digest, role, direction)
    )""",
    """INSERT INTO run_datasets_by_project
        SELECT d.run_id, p.name, d.name, d.digest, d.role, d.direction, d.time
        FROM run_datasets d JOIN runs r ON r.id = d.run_id
        JOIN projects p ON p.id = r.project_id""",
    "DROP TABLE run_datasets",
    "ALTER TABLE run_datasets_by_project RENAME TO run_datasets",
    "CREATE INDEX run_datasets_by_version ON run_datasets (project, name, digest)",
    "CREATE INDEX run_datasets_by_digest ON run_datasets (digest)",
)

_RUN_KEYED: Final = ("events", "params", "tags", "metric_summaries", "metric_chunks", "artifacts",
                     "run_datasets", "logged_models", "evaluations")  # fmt: skip
_PROJECT_KEYED: Final = ("dataset_versions", "artifact_grants")
_SCOPE: Final = "current_setting('trackrecord.projects', true)"
_EVERY_PROJECT: Final = f"coalesce({_SCOPE}, '') = ''"
_VISIBLE_NAMES: Final = f"SELECT json_array_elements_text({_SCOPE}::json)"
_ROW_SECURITY: Final = (
    # PostgreSQL only. A read carries the projects it may see as the setting
    # trackrecord.projects (a JSON array of names; empty or unset: every project, see
    # trackrecord.store.scope). A run is visible when its project is in the set; every
    # row keyed by a run when that run is (the probe of runs applies the runs policy); a
    # dataset version or artifact grant when its project is. FORCE: the tables belong to the
    # role the server connects as, which would otherwise bypass them.
    *(f"ALTER TABLE {table} {mode} ROW LEVEL SECURITY"
      for table in ("runs", *_RUN_KEYED, *_PROJECT_KEYED) for mode in ("ENABLE", "FORCE")),
    f"""CREATE POLICY runs_of_visible_projects ON runs USING ({_EVERY_PROJECT}
        OR project_id IN (SELECT id FROM projects WHERE name IN ({_VISIBLE_NAMES})))""",
    *(f"""CREATE POLICY {table}_of_visible_runs ON {table} USING ({_EVERY_PROJECT}
        OR EXISTS (SELECT 1 FROM runs WHERE runs.id = {table}.run_id))""" for table in _RUN_KEYED),
    *(f"""CREATE POLICY {table}_of_visible_projects ON {table} USING ({_EVERY_PROJECT}
        OR project IN ({_VISIBLE_NAMES}))""" for table in _PROJECT_KEYED),
)  # fmt: skip

_LEDGER: Final = (
    # the store's own chain: accounts, keys, sign-offs, holds, settings, artifact grants,
    # dataset versions and purges (see trackrecord.store.sql.ledger); the data step chains
    # the rows that were there before
    """CREATE TABLE ledger_events (
        seq INTEGER NOT NULL PRIMARY KEY,
        type TEXT NOT NULL,
        time BIGINT NOT NULL,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
)


_TRANSPARENCY_LOG: Final = (
    # the store-wide transparency log (see trackrecord.store.sql.transparency_log): the
    # store's id (the checkpoints' origin), chain heads waiting to be logged, the log's
    # leaves and Merkle nodes, and the checkpoints the store signed (keys are never here)
    "CREATE TABLE store_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE log_pending (
        kind TEXT NOT NULL,
        chain TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (kind, chain)
    )""",
    """CREATE TABLE log_leaves (
        idx INTEGER NOT NULL PRIMARY KEY,
        kind TEXT NOT NULL,
        chain TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        time BIGINT NOT NULL
    )""",
    """CREATE TABLE log_nodes (
        level INTEGER NOT NULL,
        number INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, number)
    )""",
    """CREATE TABLE log_checkpoints (
        size INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        root TEXT NOT NULL,
        time BIGINT NOT NULL,
        signature TEXT NOT NULL,
        PRIMARY KEY (size, key_id)
    )""",
)


def _seed_log(cur: Cursor) -> None:
    from trackrecord.store.sql.transparency_log import seed_log

    seed_log(cur)


def _record_ledger(cur: Cursor) -> None:
    from trackrecord.store.sql.ledger_migration import record_ledger

    record_ledger(cur)


MIGRATIONS: Final = (
    Migration(1, "initial schema", _INITIAL),
    Migration(2, "users, roles, tokens and the audit log", _ACCOUNTS, _KEY_STATISTICS),
    Migration(3, "datasets, models, registry, evaluations, sign-offs, retention", _CATALOG),
    Migration(4, "sign-in failures per user name and per address", _SIGN_IN),
    Migration(5, "artifact grants per project; dataset names per project", _PROJECT_OBJECTS),
    Migration(6, "row-level security: a request reads only its projects", (), _ROW_SECURITY),
    Migration(7, "the ledger: a chain for what belongs to no run and no model", _LEDGER,
              data=_record_ledger),
    Migration(8, "the transparency log: chain heads in a Merkle log, signed checkpoints",
              _TRANSPARENCY_LOG, data=_seed_log),
)  # fmt: skip


def apply_migrations(
    cur: Cursor, location: str, statements: Callable[[Migration], Iterable[str]]
) -> None:
    """Run, inside the caller's transaction, the migrations *cur*'s database lacks.

    *statements* gives a migration's SQL as this database runs it. A database
    written by a newer TrackRecord (a schema version unknown here) is refused.
    """
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
    )
    done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations")}
    newest = max(m.version for m in MIGRATIONS)
    if done and max(done) > newest:
        raise StoreError(
            f"{location} was written by a newer TrackRecord (schema {max(done)}, this one "
            f"knows up to {newest}); upgrade with: pip install -U trackrecord"
        )
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in statements(migration):
            cur.execute(statement)
        if migration.data is not None:
            migration.data(cur)
        cur.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, int(time.time() * 1000)),
        )
