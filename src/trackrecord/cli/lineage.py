"""``trackrecord lineage NODE``: where a model, run or dataset came from, and what was made
from it, as a tree in the terminal, JSON, or OpenLineage events."""

from __future__ import annotations

import click

from trackrecord.cli.formats import to_json
from trackrecord.cli.options import dir_option, open_api
from trackrecord.store.lineage import LineageGraph, Node

__all__ = ["lineage", "render_tree"]


def _describe(node: Node) -> str:
    attrs = node.attrs
    if node.kind == "run":
        extra = f"[{attrs.get('project')}, {attrs.get('status')}]"
    elif node.kind == "dataset":
        extra = f"[{str(attrs.get('digest'))[:12]}]"
    elif node.kind == "model":
        extra = f"[{attrs.get('status')}]"
    else:
        extra = f"[-> v{attrs.get('version')}, set by {attrs.get('set_by')}]"
    short = node.id if node.kind != "dataset" else node.id.split("@")[0]
    return f"{short}  {node.label}  {extra}"


def render_tree(graph: LineageGraph, way: str) -> list[str]:
    """The graph as an indented tree from its root, walking *way* (upstream/downstream)."""
    lines = [_describe(graph.nodes[graph.root])]
    shown = {graph.root}

    def walk(node_id: str, indent: str) -> None:
        edges = graph.upstream_of(node_id) if way == "upstream" else graph.downstream_of(node_id)
        for index, edge in enumerate(edges):
            other = edge.source if way == "upstream" else edge.target
            last = index == len(edges) - 1
            arrow = "<-" if way == "upstream" else "->"
            again = other in shown
            text = _describe(graph.nodes[other]) + ("  (see above)" if again else "")
            lines.append(f"{indent}{'└─' if last else '├─'}{arrow} {edge.kind}: {text}")
            if not again:
                shown.add(other)
                walk(other, indent + ("   " if last else "│  "))

    walk(graph.root, "")
    return lines


@click.command()
@click.argument("node")
@click.option("--upstream", "direction", flag_value="upstream", help="Only where it came from.")
@click.option("--downstream", "direction", flag_value="downstream", help="Only what was made.")
@click.option("--both", "direction", flag_value="both", default=True, help="Both (default).")
@click.option("--depth", type=click.IntRange(0, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the graph as JSON.")
@click.option("--openlineage", is_flag=True, help="Print OpenLineage RunEvents (JSON lines).")
@dir_option
def lineage(
    node: str, direction: str, depth: int, as_json: bool, openlineage: bool,
    directory: str | None,
) -> None:  # fmt: skip
    """The lineage of NODE: dataset:NAME@VERSION, run:RUN_ID, model:NAME/VERSION or
    alias:NAME@ALIAS.

    Example: trackrecord lineage alias:churn@champion --upstream
    """
    with open_api(directory) as api:
        graph = api.lineage(node, direction, depth)
        if openlineage:
            for event in api.openlineage(node, direction, depth):
                click.echo(to_json(event, lines=True))
            return
    if as_json:
        click.echo(to_json(graph.to_dict()))
        return
    ways = ("upstream", "downstream") if direction == "both" else (direction,)
    for way in ways:
        if len(ways) > 1:
            click.echo(f"{way}:")
        for line in render_tree(graph, way):
            click.echo(line)
