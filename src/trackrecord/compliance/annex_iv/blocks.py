"""The document as blocks (headings, fields, tables, key-values, lists, text) that both the
HTML and the PDF renderer draw, so the two always show the same structure.

Values are turned into blocks generically: a dict of intervals becomes a metric table, a
list of records a table, a long flat mapping (packages) one line of text, nested records
key-value blocks under a bold sub-label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["Block", "compact", "document_blocks", "value_blocks"]

_WIDE: Final = 70  # a table cell longer than this turns a table into key-value blocks
_MAX_DEPTH: Final = 3


@dataclass(frozen=True)
class Block:
    """One block: ``kind`` is heading, field, text, kv, table, list or note."""

    kind: str
    text: str = ""
    level: int = 0
    source: str = ""
    anchor: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def _is_interval(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"value", "low", "high"}


def _is_criterion(value: Any) -> bool:
    return isinstance(value, dict) and {"metric", "op", "threshold"} <= set(value)


def compact(value: Any) -> str:
    """A value as one line of text."""
    if value is None:
        return "-"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return value
    if _is_interval(value):
        if value["low"] is None or value["high"] is None:
            return compact(value["value"])
        return f"{compact(value['value'])} [{compact(value['low'])}, {compact(value['high'])}]"
    if _is_criterion(value):
        group = f" in every {value['group']} group" if value.get("group") else ""
        level = f" at {value['confidence']:.0%}" if value.get("confidence") else ""
        return f"{value['metric']} {value['op']} {compact(value['threshold'])}{group}{level}"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {compact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(compact(v) for v in value) if value else "none"
    return str(value)


def _table(records: list[dict[str, Any]]) -> Block | None:
    headers: list[str] = []
    flat_rows = []
    for record in records:
        flat: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, dict) and value and all(_is_interval(v) for v in value.values()):
                flat.update(value)  # a cell's metrics become columns of their own
            else:
                flat[key] = value
        headers += [k for k in flat if k not in headers]
        flat_rows.append(flat)
    rows = [[compact(r.get(h)) if h in r else "" for h in headers] for r in flat_rows]
    if any(len(cell) > _WIDE for row in rows for cell in row):
        return None
    return Block("table", headers=headers, rows=rows)


def value_blocks(value: Any, depth: int = 0) -> list[Block]:
    """Blocks showing *value* (see the module docstring for the rules)."""
    if value is None or isinstance(value, (str, int, float)) or _is_interval(value) \
            or _is_criterion(value) or depth >= _MAX_DEPTH:  # fmt: skip
        return [Block("text", compact(value))]
    if isinstance(value, list):
        if not value:
            return [Block("text", "none")]
        if all(isinstance(v, dict) for v in value):
            table = _table(value)
            if table is not None:
                return [table]
            found = []
            for number, entry in enumerate(value, 1):
                found.append(Block("label", f"{number}.", level=depth))
                found += value_blocks(entry, depth + 1)
            return found
        return [Block("list", rows=[[compact(v)] for v in value])]
    if all(_is_interval(v) for v in value.values()) and value:
        return [Block("table", headers=["metric", "value", "low", "high"],
                      rows=[[k, compact(v["value"]), compact(v["low"]), compact(v["high"])]
                            for k, v in value.items()])]  # fmt: skip
    flat = {k: v for k, v in value.items() if not isinstance(v, (dict, list)) or _is_interval(v)
            or _is_criterion(v) or (isinstance(v, list) and all(not isinstance(x, (dict, list))
                                                                 for x in v))}  # fmt: skip
    if len(flat) == len(value) and len(value) > 15:
        return [Block("text", ", ".join(f"{k} {compact(v)}" for k, v in value.items()))]
    found = [Block("kv", rows=[[k, compact(v)] for k, v in flat.items()])] if flat else []
    for key, sub in value.items():
        if key not in flat:
            found.append(Block("label", key, level=depth))
            found += value_blocks(sub, depth + 1)
    return found


def _completeness_blocks(completeness: dict[str, Any]) -> list[Block]:
    rows = [[str(r["item"]), r["title"], str(r["automatic"]), str(r["attached"]),
             str(r["manual"]), str(r["missing"]), ", ".join(r["missing_fields"]) or "-"]
            for r in completeness["items"]]  # fmt: skip
    total = completeness["total"]
    rows.append(["", "total", str(total["automatic"]), str(total["attached"]),
                 str(total["manual"]), str(total["missing"]), ""])  # fmt: skip
    headers = ["item", "title", "automatic", "attached", "manual", "missing", "missing fields"]
    return [Block("heading", "Completeness", level=2, anchor="completeness"),
            Block("table", headers=headers, rows=rows)]  # fmt: skip


def document_blocks(data: dict[str, Any]) -> list[Block]:
    """The whole Annex IV document as blocks, in reading order."""
    subject = data["subject"]
    found = [
        Block("heading", data["title"], level=1),
        Block("kv", rows=[["model", subject["uri"]], ["model digest", subject["digest"]],
                          ["records as of", data["as_of"] or "-"], ["format", data["format"]]]),
        *_completeness_blocks(data["completeness"]),
    ]  # fmt: skip
    if data.get("verification") is not None:
        found.append(Block("heading", "Verification of the records", level=2, anchor="verify"))
        found += value_blocks(data["verification"])
    for item in data["items"]:
        found.append(Block("heading", f"{item['number']}. {item['title']}", level=2,
                           anchor=f"item-{item['number']}"))  # fmt: skip
        for entry in item["fields"]:
            found.append(Block("field", entry["label"], source=entry["source"],
                               anchor=entry["key"]))  # fmt: skip
            if entry["source"] == "missing":
                found.append(Block("note", entry.get("asks") or f"Nothing recorded: "
                                   f"{entry['draws_from']}."))  # fmt: skip
            else:
                found += value_blocks(entry["value"])
                found.append(Block("note", f"From: {entry['draws_from']}"))
    found.append(Block("heading", "Records this document was built from", level=2,
                       anchor="built-from"))  # fmt: skip
    found += value_blocks(data["built_from"])
    return found
