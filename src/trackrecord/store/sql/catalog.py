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
from trackrecord.record.events import decode_json
from trackrecord.store.catalog import (
    DatasetName,
    DatasetUse,
    DatasetVersion,
    dataset_node,
    split_dataset_node,
)
from trackrecord.store.lineage import Edge, LineageGraph, Node, parse_node, traverse
from trackrecord.store.sql.registry import SqlRegistry

__all__ = ["SqlCatalog"]

_VERSION_COLUMNS: Final = (
    "v.project, v.name, v.digest, v.number, v.kind, v.label, v.uri, v.size, v.row_count, "
    "v.schema, v.profile, v.sources, v.datasheet, v.description, v.manifest_sha256, "
    "v.first_run, v.created_at"
)
_PREFIX: Final = re.compile(r"(ref:)?[0-9a-f]{8,64}")
_BATCH: Final = 500


def _batches(items: list[str]) -> Iterator[tuple[list[str], str]]:
    for start in range(0, len(items), _BATCH):
        batch = items[start : start + _BATCH]
        yield batch, ",".join("?" * len(batch))


def _json_or_none(text: str | None) -> Any:
    return None if text is None else decode_json(text)


def _no_dataset(name: str) -> NotFoundError:
    return NotFoundError(f"no dataset named {name!r}; log one with run.log_dataset(data, {name!r})")


class SqlCatalog(SqlRegistry):
    """The :class:`~trackrecord.store.catalog.Catalog` of a SQL store."""

    # -- datasets ------------------------------------------------------------------------

    def dataset_names(self, projects: Collection[str] | None = None) -> list[DatasetName]:
        """See :meth:`Catalog.dataset_names`."""
        conn = self.database.read()
        rows = conn.execute(
            "SELECT project, name, COUNT(*), MIN(created_at), MAX(created_at) "
            "FROM dataset_versions GROUP BY project, name ORDER BY project, name"
        ).fetchall()
        runs = {
            (project, name): int(count)
            for project, name, count in conn.execute(
                "SELECT project, name, COUNT(DISTINCT run_id) FROM run_datasets "
                "GROUP BY project, name"
            )
        }
        return [
            DatasetName(row[0], row[1], int(row[2]), runs.get((row[0], row[1]), 0), row[3], row[4])
            for row in rows
            if projects is None or row[0] in projects
        ]

    def dataset_projects(self, name: str) -> list[str]:
        """See :meth:`Catalog.dataset_projects`."""
        rows = self.database.read().execute(
            "SELECT DISTINCT project FROM dataset_versions WHERE name = ? ORDER BY project",
            (name,),
        )
        return [str(row[0]) for row in rows]

    def _project_of_dataset(self, name: str, project: str | None) -> str:
        """*project*, or the one project with a dataset called *name*."""
        if project is not None:
            return project
        found = self.dataset_projects(name)
        if not found:
            raise _no_dataset(name)
        if len(found) > 1:
            raise InvalidValueError(
                f"projects {', '.join(map(repr, found))} each have a dataset named {name!r}; "
                f"say which, e.g. project={found[0]!r} (--project {found[0]} on the command line)"
            )
        return found[0]

    def _dataset_rows(self, where: str, args: tuple[Any, ...]) -> list[DatasetVersion]:
        conn = self.database.read()
        rows = conn.execute(
            f"SELECT {_VERSION_COLUMNS}, (SELECT COUNT(DISTINCT u.run_id) FROM run_datasets u "
            f"WHERE u.project = v.project AND u.name = v.name AND u.digest = v.digest) "
            f"FROM dataset_versions v {where}",
            args,
        ).fetchall()
        return [
            DatasetVersion(
                project=r[0],
                name=r[1],
                digest=r[2],
                number=int(r[3]),
                kind=r[4],
                label=r[5],
                uri=r[6],
                size=r[7],
                rows=r[8],
                schema=_json_or_none(r[9]),
                profile=_json_or_none(r[10]),
                sources=decode_json(r[11]),
                datasheet=_json_or_none(r[12]),
                description=r[13],
                manifest_sha256=r[14],
                first_run=r[15],
                created_at=r[16],
                runs=int(r[17]),
            )
            for r in rows
        ]

    def dataset_versions(self, name: str, project: str | None = None) -> list[DatasetVersion]:
        """See :meth:`Catalog.dataset_versions`."""
        project = self._project_of_dataset(name, project)
        found = self._dataset_rows(
            "WHERE v.project = ? AND v.name = ? ORDER BY v.number DESC", (project, name)
        )
        if not found:
            raise _no_dataset(name)
        return found

    def dataset_version(
        self, name: str, version: str, project: str | None = None
    ) -> DatasetVersion:
        """See :meth:`Catalog.dataset_version`."""
        version = str(version)
        project = self._project_of_dataset(name, project)
        where = "WHERE v.project = ? AND v.name = ?"
        if version.isdigit() and len(version) < 8:
            found = self._dataset_rows(f"{where} AND v.number = ?", (project, name, int(version)))
        elif _PREFIX.fullmatch(version):
            found = self._dataset_rows(
                f"{where} AND v.digest >= ? AND v.digest < ?",
                (project, name, version, version + "g"),
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
        self,
        name: str | None = None,
        digest: str | None = None,
        run_id: str | None = None,
        project: str | None = None,
    ) -> list[DatasetUse]:
        """See :meth:`Catalog.dataset_uses`."""
        terms, args = [], []
        for column, value in (("d.name", name), ("d.digest", digest), ("d.run_id", run_id),
                              ("d.project", project)):  # fmt: skip
            if value is not None:
                terms.append(f"{column} = ?")
                args.append(value)
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        rows = (
            self.database.read()
            .execute(
                "SELECT d.run_id, d.project, r.name, d.name, d.digest, v.number, d.role, "
                "d.direction, d.time FROM run_datasets d JOIN runs r ON r.id = d.run_id "
                "JOIN dataset_versions v ON v.project = d.project AND v.name = d.name "
                f"AND v.digest = d.digest {where} ORDER BY d.time, d.run_id, d.name",
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
            project, name, version = split_dataset_node(rest)
            return self.dataset_version(name, version, project).node
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
            for run_id, project, name, digest, direction in conn.execute(
                f"SELECT run_id, project, name, digest, direction FROM run_datasets "
                f"WHERE run_id IN ({marks}) AND direction = ?",
                (*ids, flow),
            ):
                data, run = dataset_node(project, name, digest), f"run:{run_id}"
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
        wanted = {f"dataset:{rest}" for rest in by_kind.get("dataset", [])}
        digests = sorted({node.rpartition("@")[2] for node in wanted})
        for ids, marks in _batches(digests):
            flow = "output" if up else "input"
            for run_id, project, name, digest in conn.execute(
                f"SELECT run_id, project, name, digest FROM run_datasets WHERE digest IN "
                f"({marks}) AND direction = ?",
                (*ids, flow),
            ):
                data = dataset_node(project, name, digest)
                if data in wanted:
                    run = f"run:{run_id}"
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
        wanted = {f"dataset:{rest}" for rest in by_kind.get("dataset", [])}
        for ids, marks in _batches(sorted({node.rpartition("@")[2] for node in wanted})):
            for project, name, digest, number, kind, label, rows, size in conn.execute(
                "SELECT project, name, digest, number, kind, label, row_count, size FROM "
                f"dataset_versions WHERE digest IN ({marks})",
                tuple(ids),
            ):
                node = dataset_node(project, name, digest)
                if node in wanted:
                    found[node] = Node(
                        node, "dataset", f"{name} v{number}",
                        {"project": project, "name": name, "digest": digest, "number": number,
                         "kind": kind, "label": label, "rows": rows, "size": size},
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
