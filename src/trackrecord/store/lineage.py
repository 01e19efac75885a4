"""Lineage: one graph from dataset versions through runs to model versions and aliases.

Nodes are named by strings:

- ``dataset:NAME@DIGEST`` a dataset version (``dataset:NAME@3`` or a digest
  prefix of 8+ hex digits are accepted as input, and resolved);
- ``run:RUN_ID`` a run;
- ``model:NAME/VERSION`` a registered model version;
- ``alias:NAME@ALIAS`` where an alias of a registered model points now.

Edges point the way data flows: dataset → run that read it (``input``),
run → dataset it produced (``output``), parent run → child run (``child``),
run → model version made from its logged model (``registered``), model
version → alias pointing at it (``alias``). *Upstream* of a node is where it
came from; *downstream* is what was made from it.

Example:
    >>> parse_node("model:fraud/3")
    ('model', 'fraud/3')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from trackrecord.errors import InvalidValueError

__all__ = [
    "DIRECTIONS",
    "NODE_KINDS",
    "Edge",
    "LineageGraph",
    "Node",
    "parse_node",
    "traverse",
]

Direction = Literal["upstream", "downstream", "both"]
DIRECTIONS: Final = ("upstream", "downstream", "both")
NODE_KINDS: Final = ("dataset", "run", "model", "alias")
MAX_DEPTH: Final = 100


@dataclass(frozen=True)
class Node:
    """A node of the graph: its id (``run:01J...``), kind, label and a few attributes."""

    id: str
    kind: str
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Edge:
    """A directed edge in the direction data flows, and its kind (``input``, ``output`` ...)."""

    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class LineageGraph:
    """The nodes reached from ``root`` and the edges between them."""

    root: str
    direction: str
    depth: int
    nodes: dict[str, Node]
    edges: list[Edge]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the REST endpoint returns)."""
        return {
            "root": self.root,
            "direction": self.direction,
            "depth": self.depth,
            "nodes": [n.__dict__ for n in self.nodes.values()],
            "edges": [e.__dict__ for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineageGraph:
        """Inverse of :meth:`to_dict`."""
        nodes = {
            n["id"]: Node(n["id"], n["kind"], n["label"], n.get("attrs", {})) for n in data["nodes"]
        }
        edges = [Edge(e["source"], e["target"], e["kind"]) for e in data["edges"]]
        return cls(data["root"], data["direction"], data["depth"], nodes, edges)

    def upstream_of(self, node: str) -> list[Edge]:
        """Edges arriving at *node*."""
        return [e for e in self.edges if e.target == node]

    def downstream_of(self, node: str) -> list[Edge]:
        """Edges leaving *node*."""
        return [e for e in self.edges if e.source == node]


def parse_node(node: str) -> tuple[str, str]:
    """Split a node id into its kind and the rest; InvalidValueError when malformed.

    Example:
        >>> parse_node("run:01jabc")
        ('run', '01jabc')
    """
    kind, sep, rest = node.partition(":") if isinstance(node, str) else ("", "", "")
    if not sep or kind not in NODE_KINDS or not rest:
        raise InvalidValueError(
            f"lineage node {node!r} must be one of dataset:NAME@VERSION, run:RUN_ID, "
            f"model:NAME/VERSION or alias:NAME@ALIAS (e.g. model:fraud/3)"
        )
    return kind, rest


EdgeFinder = Callable[[list[str], str], Iterable[Edge]]
"""Given node ids and ``"upstream"`` or ``"downstream"``, the edges into or out of them."""


def traverse(
    root: str,
    direction: str,
    depth: int,
    find_edges: EdgeFinder,
    describe: Callable[[list[str]], dict[str, Node]],
) -> LineageGraph:
    """Breadth-first walk from *root*, one query per level and direction.

    *find_edges* answers for a whole level at once, so the walk costs
    ``depth`` round trips to the database, not one per node.
    """
    if direction not in DIRECTIONS:
        raise InvalidValueError(f"direction {direction!r} must be one of {', '.join(DIRECTIONS)}")
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH:
        raise InvalidValueError(f"depth {depth!r} must be a whole number from 0 to {MAX_DEPTH}")
    ways = ("upstream", "downstream") if direction == "both" else (direction,)
    edges: dict[tuple[str, str, str], Edge] = {}
    seen = {root}
    for way in ways:
        frontier = [root]
        visited = {root}
        for _ in range(depth):
            if not frontier:
                break
            found = list(find_edges(frontier, way))
            next_frontier = []
            for edge in found:
                edges[(edge.source, edge.target, edge.kind)] = edge
                other = edge.source if way == "upstream" else edge.target
                if other not in visited:
                    visited.add(other)
                    next_frontier.append(other)
            seen |= visited
            frontier = next_frontier
    nodes = describe(sorted(seen))
    if root not in nodes:
        from trackrecord.errors import NotFoundError

        raise NotFoundError(f"no lineage node {root!r}; check the name, version or run id")
    kept = [e for e in edges.values() if e.source in nodes and e.target in nodes]
    return LineageGraph(
        root, direction, depth, nodes, sorted(kept, key=lambda e: (e.source, e.target, e.kind))
    )
