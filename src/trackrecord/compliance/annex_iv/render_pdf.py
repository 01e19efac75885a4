"""Annex IV as PDF with fpdf2: the same blocks as the HTML page, one after another.

DejaVu Sans is embedded when the system has it (any text then prints); otherwise
the core Helvetica font is used and characters outside Latin-1 are replaced.
The PDF's creation date is the document's "as of" time (the newest record's), so
building it twice from the same records gives the same bytes, as for the JSON.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from trackrecord.compliance.annex_iv.blocks import Block, document_blocks
from trackrecord.errors import MissingDependencyError

if TYPE_CHECKING:
    from trackrecord.compliance.annex_iv.document import AnnexIV

__all__ = ["blocks_pdf", "render_pdf"]

DEJAVU: Final = Path("/usr/share/fonts/truetype/dejavu")
_BADGE: Final = {"automatic": (11, 79, 156), "attached": (75, 42, 156), "manual": (29, 107, 44),
                 "missing": (163, 38, 15)}  # fmt: skip
_SIZES: Final = {1: 16, 2: 13}
_MAX_COLUMN_TEXT: Final = 60
_MAX_COLUMNS: Final = 9


class _Writer:
    def __init__(self, title: str, created: dt.datetime | None = None) -> None:
        try:
            from fpdf import FPDF
        except ImportError as exc:
            raise MissingDependencyError(
                "PDF reports need fpdf2: pip install 'trackrecord[reports]' (or pip install fpdf2)"
            ) from exc
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        if created is not None:
            self.pdf.set_creation_date(created)
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(15, 15, 15)
        self.unicode = (DEJAVU / "DejaVuSans.ttf").is_file() and (
            DEJAVU / "DejaVuSans-Bold.ttf").is_file()  # fmt: skip
        if self.unicode:
            self.pdf.add_font("DejaVu", "", str(DEJAVU / "DejaVuSans.ttf"))
            self.pdf.add_font("DejaVu", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.pdf.add_page()

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def font(
        self, size: float, bold: bool = False, color: tuple[int, int, int] = (29, 35, 43)
    ) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def para(self, value: str, size: float = 9, bold: bool = False, **style: Any) -> None:
        self.font(size, bold, **style)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def table(self, headers: list[str], rows: list[list[str]], kv: bool = False) -> None:
        if len(headers) > _MAX_COLUMNS:  # too wide for the page: split, repeating the keys
            keep = 2
            step = _MAX_COLUMNS - keep
            for start in range(keep, len(headers), step):
                columns = [*range(keep), *range(start, min(start + step, len(headers)))]
                self.table([headers[c] for c in columns],
                           [[row[c] for c in columns] for row in rows])  # fmt: skip
            return
        self.font(7.5)
        clip = [[c if len(c) <= _MAX_COLUMN_TEXT * 3 else c[: _MAX_COLUMN_TEXT * 3] + "..."
                 for c in row] for row in rows]  # fmt: skip
        columns = list(zip(*([headers] if headers else []), *clip, strict=False)) or [()]
        widths = (30, 70) if kv else tuple(min(max((len(c) for c in col), default=1), 40) + 4
                                           for col in columns)  # fmt: skip
        with self.pdf.table(col_widths=widths, text_align="LEFT", line_height=3.6,
                            first_row_as_headings=not kv, padding=0.8) as table:  # fmt: skip
            if not kv:
                row = table.row()
                for header in headers:
                    row.cell(self.text(header))
            for values in clip:
                row = table.row()
                for value in values:
                    row.cell(self.text(value))
        self.pdf.ln(1.5)

    def block(self, block: Block) -> None:
        if block.kind == "heading":
            if block.level == 2:
                self.pdf.ln(3)
            self.para(block.text, _SIZES.get(block.level, 11), bold=True)
            self.pdf.ln(1)
        elif block.kind == "field":
            self.pdf.ln(1.5)
            self.para(block.text, 10.5, bold=True)
            self.para(f"[{block.source}]", 7.5, bold=True, color=_BADGE.get(block.source,
                                                                          (0, 0, 0)))  # fmt: skip
        elif block.kind == "table":
            self.table(block.headers, block.rows)
        elif block.kind == "kv":
            self.table([], block.rows, kv=True)
        elif block.kind == "list":
            for row in block.rows:
                self.para(f"- {row[0]}", 8.5)
        elif block.kind == "label":
            self.para(block.text, 8.5, bold=True, color=(57, 66, 78))
        elif block.kind == "note":
            self.para(block.text, 7.5, color=(102, 112, 124))
        else:
            self.para(block.text, 9)


def blocks_pdf(
    title: str, blocks: list[Block], path: str | Path, created: str | None = None
) -> Path:
    """Write *blocks* as a PDF at *path*, dated *created* (ISO 8601; default now)."""
    when = None if created is None else dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    writer = _Writer(title, when)
    for block in blocks:
        writer.block(block)
    where = Path(path)
    writer.pdf.output(str(where))
    return where


def render_pdf(doc: AnnexIV, path: str | Path) -> Path:
    """Write the Annex IV document as a PDF with the structure of :func:`.render_html`.

    Raises:
        MissingDependencyError: fpdf2 is not installed.
    """
    return blocks_pdf(doc.data["title"], document_blocks(doc.data), path, doc.data.get("as_of"))
