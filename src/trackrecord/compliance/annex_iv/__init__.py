"""EU AI Act Annex IV technical documentation, built from what TrackRecord recorded.

Collect (:mod:`.facts`, :mod:`.manual`) → the document (:mod:`.document`, every
field marked automatic, attached, manual or missing) → renderers (HTML, PDF) and
the instructions-for-use extract.

Example:
    >>> from trackrecord.compliance.annex_iv import write_report
    >>> write_report(api, "models:/credit-default/1", "provider.yaml", "out/")
    ... # doctest: +SKIP
    [PosixPath('out/annex-iv.json'), PosixPath('out/annex-iv.html'), ...]
"""

from trackrecord.compliance.annex_iv.document import AnnexIV, build_annex_iv
from trackrecord.compliance.annex_iv.instructions import instructions_for_use
from trackrecord.compliance.annex_iv.manual import (
    MANUAL_FIELDS,
    Manual,
    load_manual,
    parse_manual,
    starter_yaml,
)
from trackrecord.compliance.annex_iv.render_html import render_html
from trackrecord.compliance.annex_iv.render_pdf import render_pdf
from trackrecord.compliance.annex_iv.report import write_report

__all__ = [
    "MANUAL_FIELDS",
    "AnnexIV",
    "Manual",
    "build_annex_iv",
    "instructions_for_use",
    "load_manual",
    "parse_manual",
    "render_html",
    "render_pdf",
    "starter_yaml",
    "write_report",
]
