"""An automatic, structured summary of where a model is weakest.

Each limitation is a JSON-ready dict with a ``kind`` and a one-line ``text``:

* ``worst_group``: the worst group cell (not small) for a main metric, with its
  value and interval, beside the whole set's value;
* ``criterion``: a criterion (or one group of it) that failed or was inconclusive;
* ``small_group``: a group cell too small (or too uncertain) to judge;
* ``wide_interval``: a metric of the whole set whose interval is wide.

Example:
    >>> row = {"group": "sex=F", "level": "sex", "n": 90, "small": False,
    ...        "value": 0.71, "low": 0.61, "high": 0.79}
    >>> worst_group_limitation("recall", row, 0.85)["text"]
    'Weakest recall: sex=F (n=90) 0.71 [0.61, 0.79] vs 0.85 overall'
"""

from __future__ import annotations

from typing import Any

from trackrecord.evaluation.groups import is_wide

__all__ = ["limitations", "worst_group_limitation"]

MAX_SMALL = 20


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def worst_group_limitation(
    metric: str, row: dict[str, Any], overall: float | None
) -> dict[str, Any]:
    """The limitation for the worst group cell *row* of *metric*."""
    text = (
        f"Weakest {metric}: {row['group']} (n={row['n']}) {_fmt(row['value'])} "
        f"[{_fmt(row['low'])}, {_fmt(row['high'])}] vs {_fmt(overall)} overall"
    )
    return {"kind": "worst_group", "metric": metric, **row, "overall": overall, "text": text}


def limitations(
    metrics: dict[str, dict[str, Any]],
    worst: dict[str, list[dict[str, Any]]],
    verdicts: list[dict[str, Any]],
    cells: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Build the limitations list from a result's parts (see the module docstring)."""
    out = [
        worst_group_limitation(m, rows[0], metrics.get(m, {}).get("value"))
        for m, rows in worst.items()
        if rows and not rows[0]["small"]
    ]
    out += [_criterion(v, verdicts) for v in verdicts if _worth_noting(v)]
    small = [c for c in cells if c["small"]]
    for c in small[:MAX_SMALL]:
        out.append(
            {
                "kind": "small_group",
                "group": c["group"],
                "n": c["n"],
                "reasons": c["small_reasons"],
                "text": f"Too small to judge: {c['group']} (n={c['n']}): "
                + "; ".join(c["small_reasons"]),
            }
        )
    if len(small) > MAX_SMALL:
        out.append(
            {
                "kind": "small_group",
                "group": None,
                "n": len(small) - MAX_SMALL,
                "reasons": [],
                "text": f"... and {len(small) - MAX_SMALL} more group cells too small to judge",
            }
        )
    for name, m in metrics.items():
        if m["value"] is not None and is_wide(name, m["value"], m["low"], m["high"]):
            out.append(
                {
                    "kind": "wide_interval",
                    "metric": name,
                    "value": m["value"],
                    "low": m["low"],
                    "high": m["high"],
                    "text": f"Wide interval for {name}: {_fmt(m['value'])} "
                    f"[{_fmt(m['low'])}, {_fmt(m['high'])}]; more test data would narrow it",
                }
            )
    return out


def _worth_noting(v: dict[str, Any]) -> bool:
    # a group's inconclusive verdict is summed up by its criterion's combined one
    return bool(v["outcome"] == "fail" or (v["outcome"] != "pass" and v["scope"] != "group"))


def _criterion(v: dict[str, Any], verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    c = v["criterion"]
    head = f"Criterion {c['metric']} {c['op']} {c['threshold']:g} {v['outcome']}"
    if v["scope"] == "combined":
        rows = [r for r in verdicts if r["scope"] == "group" and r["criterion"] == c]
        bad = [f"{r['group']} {r['outcome']}" for r in rows if r["outcome"] != "pass"]
        text = f"{head} across {c['group']} groups ({c['confidence']:.0%}): " + ", ".join(bad)
    else:
        where = v["group"] or "overall"
        text = (
            f"{head} ({where}): {_fmt(v['value'])} [{_fmt(v['low'])}, {_fmt(v['high'])}] "
            f"at {c['confidence']:.0%}"
        )
    keys = ("outcome", "criterion", "scope", "group", "value", "low", "high")
    return {"kind": "criterion", **{k: v[k] for k in keys}, "text": text}
