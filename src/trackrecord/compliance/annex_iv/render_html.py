"""Annex IV (and the instructions-for-use extract) as one self-contained HTML page.

Inline CSS only, no scripts, fonts or images from elsewhere: it opens offline,
prints cleanly, and the same document gives the same bytes.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Final

from trackrecord.compliance.annex_iv.blocks import Block, document_blocks

if TYPE_CHECKING:
    from trackrecord.compliance.annex_iv.document import AnnexIV

__all__ = ["blocks_html", "render_html"]

_CSS: Final = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;
max-width:62rem;margin:2rem auto;padding:0 1.5rem}
h1{font-size:1.6rem;margin-bottom:.4rem}h2{font-size:1.25rem;margin-top:2.2rem;
border-bottom:2px solid #d5dbe3;padding-bottom:.25rem}
h3{font-size:1rem;margin:1.4rem 0 .35rem}
.label{font-weight:600;margin:.6rem 0 .2rem;color:#39424e}
table{border-collapse:collapse;margin:.3rem 0 .6rem;font-size:12.5px;max-width:100%}
th,td{border:1px solid #d5dbe3;padding:.2rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f1f4f8}table.kv th{width:14rem;font-weight:500}
.note{color:#66707c;font-size:12px;margin:.15rem 0 .5rem}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:.05rem .45rem;
border-radius:.7rem;margin-left:.5rem;vertical-align:middle;text-transform:uppercase}
.automatic{background:#e1efff;color:#0b4f9c}.attached{background:#ece4ff;color:#4b2a9c}
.manual{background:#e3f5e6;color:#1d6b2c}.missing{background:#ffe5e0;color:#a3260f}
p{margin:.25rem 0 .5rem;white-space:pre-wrap}ul{margin:.2rem 0 .6rem}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}
h3{break-after:avoid}tr{break-inside:avoid}}
"""


def _table(block: Block) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in block.rows)  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _block(block: Block) -> str:
    if block.kind == "heading":
        anchor = f' id="{escape(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{escape(block.text)}</h{block.level}>"
    if block.kind == "field":
        return (f'<h3 id="{escape(block.anchor)}">{escape(block.text)}'
                f'<span class="badge {block.source}">{block.source}</span></h3>')  # fmt: skip
    if block.kind == "table":
        return _table(block)
    if block.kind == "kv":
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>"
                       for k, v in block.rows)  # fmt: skip
        return f'<table class="kv"><tbody>{rows}</tbody></table>'
    if block.kind == "list":
        return "<ul>" + "".join(f"<li>{escape(r[0])}</li>" for r in block.rows) + "</ul>"
    if block.kind == "label":
        return f'<div class="label">{escape(block.text)}</div>'
    if block.kind == "note":
        return f'<div class="note">{escape(block.text)}</div>'
    return f"<p>{escape(block.text)}</p>"


def blocks_html(title: str, blocks: list[Block]) -> str:
    """A complete HTML page of *blocks*."""
    body = "\n".join(_block(b) for b in blocks)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")  # fmt: skip


def render_html(doc: AnnexIV) -> str:
    """The Annex IV document as a self-contained HTML page (same document, same text).

    Example:
        >>> Path("annex-iv.html").write_text(render_html(doc))  # doctest: +SKIP
    """
    return blocks_html(doc.data["title"], document_blocks(doc.data))
