"""Plain-text tables, one per workload: figure, per-item figure, ratio vs TrackRecord."""

from __future__ import annotations

from harness.results import Row, baseline_of, ratio
from workloads import Metric, Workload


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return _format_bytes(value) if unit == "B" else _format_seconds(value)


def _format_seconds(value: float) -> str:
    if value >= 1:
        return f"{value:,.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    if value >= 1e-6:
        return f"{value * 1e6:.2f} µs"
    return f"{value * 1e9:.1f} ns"


def _format_bytes(value: float) -> str:
    if value < 10_000:
        return f"{value:,.1f} B"
    if value < 10 * 2**20:
        return f"{value / 2**10:,.1f} KiB"
    return f"{value / 2**20:,.1f} MiB"


def format_ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}×" if value < 100 else f"{value:,.0f}×"


def targets_line(workload: Workload) -> str:
    parts = []
    for m in workload.METRICS:
        if m.target is None:
            continue
        text = f"{m.label} ≤ {format_value(m.target, m.unit)}"
        if m.per_item:
            per = format_value(m.target / workload.NOMINAL, m.unit)
            text += f" (≤ {per}/{workload.ITEM})"
        parts.append(text)
    return "TrackRecord targets: " + "; ".join(parts) if parts else ""


def _headers(workload: Workload, with_ratio: bool) -> list[str]:
    headers = ["tracker", "n"]
    for m in workload.METRICS:
        headers.append(m.label)
        if m.per_item:
            headers.append(f"per {workload.ITEM}")
        if with_ratio and m.compare:
            headers.append("× TR")
    return headers


def _cells(row: Row, base: Row | None, workload: Workload, m: Metric) -> list[str]:
    nominal = workload.NOMINAL
    star = "*" if row.scaled(m, nominal) else ""
    cells = [format_value(row.at_nominal(m, nominal), m.unit) + star]
    if m.per_item:
        cells.append(format_value(row.per_item(m), m.unit))
    if base is not None and m.compare:
        cells.append(format_ratio(ratio(row, base, m, nominal)))
    return cells


def render(workload: Workload, rows: list[Row]) -> str:
    """The whole table for one workload, with its title, targets and footnotes."""
    base = baseline_of(rows)
    headers = _headers(workload, base is not None)
    body: list[list[str]] = []
    for row in rows:
        cells = [row.label, f"{row.n:,}"]
        if row.error is not None:
            cells.append(f"failed: {row.error}")
        else:
            for m in workload.METRICS:
                cells += _cells(row, base, workload, m)
        body.append(cells)
    lines = [f"== {workload.NAME}: {workload.TITLE}", targets_line(workload)]
    lines += _aligned([headers, *body])
    if any(row.scaled(m, workload.NOMINAL) for row in rows for m in workload.METRICS):
        lines.append(
            f"* extrapolated: measured at n, scaled linearly to {workload.NOMINAL:,};"
            " unstarred figures are as measured at n"
        )
    if base is not None:
        lines.append(
            "× TR: this row ÷ TrackRecord (above 1: slower or larger; — if measured at another n)"
        )
    lines += getattr(workload, "NOTES", ())
    return "\n".join(line for line in lines if line)


def _aligned(table: list[list[str]]) -> list[str]:
    width = max(len(r) for r in table)
    widths = [
        max((len(r[i]) for r in table if i < len(r) and len(r) == width), default=0)
        for i in range(width)
    ]
    lines = []
    for r in table:
        if len(r) < width:  # a failed row: its message runs on unaligned
            lines.append("  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), *r[2:]]))
            continue
        first = r[0].ljust(widths[0])
        rest = [cell.rjust(w) for cell, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
    return lines
