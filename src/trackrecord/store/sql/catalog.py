"""SqlCatalog: datasets, logged models, the registry and lineage on a SQL database.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> SqlStore.open(tempfile.mkdtemp()).catalog.dataset_names()
    []
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any, Final

from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.events import decode_json
from trackrecord.store.catalog import DatasetName, DatasetUse, DatasetVersion
from trackrecord.store.lineage import Edge, LineageGraph, Node, parse_node, traverse
from trackrecord.store.sql.registry import SqlRegistry

__all__ = ["SqlCatalog"]

_VERSION_COLUMNS: Final = (
    "v.name, v.digest, v.number, v.kind, v.label, v.uri, v.size, v.row_count, v.schema, "
    "v.profile, v.sources, v.datasheet, v.description, v.manifest_sha256, v.first_run, "
    "v.created_at"
)
_PREFIX: Final = re.compile(r"(ref:)?[0-9a-f]{8,64}")
_BATCH: Final = 500


def _batches(items: list[str]) -> Iterator[tuple[list[str], str]]:
    for start in range(0, len(items), _BATCH):
        batch = items[start : start + _BATCH]
        yield batch, ",".join("?" * len(batch))


def _json_or_none(text: str | None) -> Any:
    return None if text is None else decode_json(text)


class SqlCatalog(SqlRegistry):
    """The :class:`~trackrecord.store.catalog.Catalog` of a SQL store."""

    # -- datasets ------------------------------------------------------------------------

    def dataset_names(self, projects: Collection[str] | None = None) -> list[DatasetName]:
        """See :meth:`Catalog.dataset_names`; *projects* keeps the names those projects used."""
        conn = self.database.read()
        rows = conn.execute(
            "SELECT name, COUNT(*), MIN(created_at), MAX(created_at) FROM dataset_versions "
            "GROUP BY name ORDER BY name"
        ).fetchall()
        runs: dict[str, int] = {}
        used_in: dict[str, set[str]] = {}
        for name, project, count in conn.execute(
            "SELECT d.name, p.name, COUNT(DISTINCT d.run_id) FROM run_datasets d "
            "JOIN runs r ON r.id = d.run_id JOIN projects p ON p.id = r.project_id "
            "GROUP BY d.name, p.name"
        ):
            runs[name] = runs.get(name, 0) + int(count)
            used_in.setdefault(name, set()).add(project)
        return [
            DatasetName(row[0], int(row[1]), runs.get(row[0], 0), row[2], row[3])
            for row in rows
            if projects is None or used_in.get(row[0], set()) & set(projects)
        ]

    def _dataset_rows(self, where: str, args: tuple[Any, ...]) -> list[DatasetVersion]:
        conn = self.database.read()
        rows = conn.execute(
            f"SELECT {_VERSION_COLUMNS}, (SELECT COUNT(DISTINCT u.run_id) FROM run_datasets u "
            f"WHERE u.name = v.name AND u.digest = v.digest) FROM dataset_versions v {where}",
            args,
        ).fetchall()
        return [
            DatasetVersion(
                name=r[0],
                digest=r[1],
                number=int(r[2]),
                kind=r[3],
                label=r[4],
                uri=r[5],
                size=r[6],
                rows=r[7],
                schema=_json_or_none(r[8]),
                profile=_json_or_none(r[9]),
                sources=decode_json(r[10]),
                datasheet=_json_or_none(r[11]),
                description=r[12],
                manifest_sha256=r[13],
                first_run=r[14],
                created_at=r[15],
                runs=int(r[16]),
            )
            for r in rows
        ]

    def dataset_versions(self, name: str) -> list[DatasetVersion]:
        """See :meth:`Catalog.dataset_versions`."""
        found = self._dataset_rows("WHERE v.name = ? ORDER BY v.number DESC", (name,))
        if not found:
            raise NotFoundError(
                f"no dataset named {name!r}; log one with run.log_dataset(data, {name!r})"
            )
        return found

    def dataset_version(self, name: str, version: str) -> DatasetVersion:
        """See :meth:`Catalog.dataset_version`."""
        version = str(version)
        if version.isdigit() and len(version) < 8:
            found = self._dataset_rows("WHERE v.name = ? AND v.number = ?", (name, int(version)))
        elif _PREFIX.fullmatch(version):
            found = self._dataset_rows(
                "WHERE v.name = ? AND v.digest >= ? AND v.digest < ?",
                (name, version, version + "g"),
            )
        else:
            raise InvalidValueError(
                f"dataset version {version!r} must be a version number (3), a SHA-256 digest, "
                f"or its first 8 or more hex digits"
            )
        if len(found) > 1:
            raise InvalidValueError(
                f"{version!r} names {len(found)} versions of {name!r}; give more digits"
            )
        if not found:
            raise NotFoundError(f"dataset {name!r} has no version {version!r}")
        return found[0]

    def dataset_uses(
        self, name: str | None = None, digest: str | None = None, run_id: str | None = None
    ) -> list[DatasetUse]:
        """See :meth:`Catalog.dataset_uses`."""
        terms, args = [], []
        for column, value in (("d.name", name), ("d.digest", digest), ("d.run_id", run_id)):
            if value is not None:
                terms.append(f"{column} = ?")
                args.append(value)
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        rows = (
            self.database.read()
            .execute(
                "SELECT d.run_id, p.name, r.name, d.name, d.digest, v.number, d.role, d.direction, "
                "d.time FROM run_datasets d JOIN runs r ON r.id = d.run_id "
                "JOIN projects p ON p.id = r.project_id "
                "JOIN dataset_versions v ON v.name = d.name AND v.digest = d.digest "
                f"{where} ORDER BY d.time, d.run_id, d.name",
                tuple(args),
            )
            .fetchall()
        )
        return [
            DatasetUse(row[0], row[1], row[2], row[3], row[4], int(row[5]), row[6], row[7], row[8])
            for row in rows
        ]

    # -- lineage -------------------------------------------------------------------------

    def lineage(self, node: str, direction: str = "both", depth: int = 10) -> LineageGraph:
        """See :meth:`Catalog.lineage`."""
        return traverse(self._resolve(node), direction, depth, self._edges, self._describe)

    def _resolve(self, node: str) -> str:
        """The canonical id of *node* (dataset versions by number or prefix; aliases kept)."""
        kind, rest = parse_node(node)
        if kind == "dataset":
            name, sep, version = rest.rpartition("@")
            if not sep or not name:
                raise InvalidValueError(
                    f"dataset node {node!r} must be dataset:NAME@VERSION (a number or a digest)"
                )
            return self.dataset_version(name, version).node
        return node

    def _edges(self, nodes: list[str], way: str) -> list[Edge]:
        by_kind: dict[str, list[str]] = {}
        for node in nodes:
            kind, rest = parse_node(node)
            by_kind.setdefault(kind, []).append(rest)
        up = way == "upstream"
        conn = self.database.read()
        edges: list[Edge] = []
        for ids, marks in _batches(by_kind.get("run", [])):
            flow = "input" if up else "output"
            for run_id, name, digest, direction in conn.execute(
                f"SELECT run_id, name, digest, direction FROM run_datasets "
                f"WHERE run_id IN ({marks}) AND direction = ?",
                (*ids, flow),
            ):
                data, run = f"dataset:{name}@{digest}", f"run:{run_id}"
                edges.append(Edge(data, run, direction) if up else Edge(run, data, direction))
            column, other = ("id", "parent_id") if up else ("parent_id", "id")
            for this, that in conn.execute(
                f"SELECT {column}, {other} FROM runs WHERE {column} IN ({marks}) "
                f"AND {other} IS NOT NULL",
                tuple(ids),
            ):
                parent, child = (that, this) if up else (this, that)
                edges.append(Edge(f"run:{parent}", f"run:{child}", "child"))
            if not up:
                for run_id, model, version in conn.execute(
                    f"SELECT run_id, model, version FROM model_versions WHERE run_id IN ({marks})",
                    tuple(ids),
                ):
                    edges.append(Edge(f"run:{run_id}", f"model:{model}/{version}", "registered"))
        datasets = by_kind.get("dataset", [])
        wanted = set(datasets)
        digests = sorted({d.rpartition("@")[2] for d in datasets})
        for ids, marks in _batches(digests):
            flow = "output" if up else "input"
            for run_id, name, digest in conn.execute(
                f"SELECT run_id, name, digest FROM run_datasets WHERE digest IN ({marks}) "
                f"AND direction = ?",
                (*ids, flow),
            ):
                if f"{name}@{digest}" in wanted:
                    data, run = f"dataset:{name}@{digest}", f"run:{run_id}"
                    edges.append(Edge(run, data, flow) if up else Edge(data, run, flow))
        for rest in by_kind.get("model", []):
            model, _, version = rest.rpartition("/")
            if up:
                row = conn.execute(
                    "SELECT run_id FROM model_versions WHERE model = ? AND version = ?",
                    (model, int(version) if version.isdigit() else -1),
                ).fetchone()
                if row:
                    edges.append(Edge(f"run:{row[0]}", f"model:{rest}", "registered"))
            else:
                for (alias,) in conn.execute(
                    "SELECT alias FROM model_aliases WHERE model = ? AND version = ?",
                    (model, int(version) if version.isdigit() else -1),
                ):
                    edges.append(Edge(f"model:{rest}", f"alias:{model}@{alias}", "alias"))
        for rest in by_kind.get("alias", []) if up else []:
            model, _, alias = rest.rpartition("@")
            row = conn.execute(
                "SELECT version FROM model_aliases WHERE model = ? AND alias = ?", (model, alias)
            ).fetchone()
            if row:
                edges.append(Edge(f"model:{model}/{row[0]}", f"alias:{rest}", "alias"))
        return edges

    def _describe(self, nodes: list[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        by_kind: dict[str, list[str]] = {}
        for node in nodes:
            kind, rest = parse_node(node)
            by_kind.setdefault(kind, []).append(rest)
        conn = self.database.read()
        for ids, marks in _batches(by_kind.get("run", [])):
            for run_id, name, project, status, created, deleted in conn.execute(
                "SELECT r.id, r.name, p.name, r.status, r.created_at, r.deleted_at FROM runs r "
                f"JOIN projects p ON p.id = r.project_id WHERE r.id IN ({marks})",
                tuple(ids),
            ):
                found[f"run:{run_id}"] = Node(
                    f"run:{run_id}", "run", name,
                    {"run_id": run_id, "project": project, "status": status,
                     "created_at": created, "deleted": deleted is not None},
                )  # fmt: skip
        datasets = by_kind.get("dataset", [])
        wanted = set(datasets)
        for ids, marks in _batches(sorted({d.rpartition("@")[2] for d in datasets})):
            for name, digest, number, kind, label, rows, size in conn.execute(
                "SELECT name, digest, number, kind, label, row_count, size FROM dataset_versions "
                f"WHERE digest IN ({marks})",
                tuple(ids),
            ):
                if f"{name}@{digest}" in wanted:
                    node = f"dataset:{name}@{digest}"
                    found[node] = Node(
                        node, "dataset", f"{name} v{number}",
                        {"name": name, "digest": digest, "number": number, "kind": kind,
                         "label": label, "rows": rows, "size": size},
                    )  # fmt: skip
        for rest in by_kind.get("model", []):
            model, _, version = rest.rpartition("/")
            row = conn.execute(
                "SELECT status, digest, flavor, run_id FROM model_versions "
                "WHERE model = ? AND version = ?",
                (model, int(version) if version.isdigit() else -1),
            ).fetchone()
            if row:
                found[f"model:{rest}"] = Node(
                    f"model:{rest}", "model", f"{model} v{version}",
                    {"model": model, "version": int(version), "status": row[0],
                     "digest": row[1], "flavor": row[2], "run_id": row[3]},
                )  # fmt: skip
        for rest in by_kind.get("alias", []):
            model, _, alias = rest.rpartition("@")
            row = conn.execute(
                "SELECT version, set_at, set_by, reason FROM model_aliases "
                "WHERE model = ? AND alias = ?",
                (model, alias),
            ).fetchone()
            if row:
                found[f"alias:{rest}"] = Node(
                    f"alias:{rest}", "alias", f"{model}@{alias}",
                    {"model": model, "alias": alias, "version": row[0], "set_at": row[1],
                     "set_by": row[2], "reason": row[3]},
                )  # fmt: skip
        return found
