"""Writing the Annex IV files for a model version: JSON, HTML, PDF and the instructions
for use, with the record verification included when it is available."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.compliance.annex_iv.document import AnnexIV, build_annex_iv
from trackrecord.compliance.annex_iv.instructions import instructions_blocks, instructions_for_use
from trackrecord.compliance.annex_iv.manual import load_manual
from trackrecord.compliance.annex_iv.render_html import blocks_html, render_html
from trackrecord.compliance.annex_iv.render_pdf import render_pdf
from trackrecord.errors import InvalidValueError
from trackrecord.values import local_user

if TYPE_CHECKING:
    from trackrecord.api import Api

__all__ = ["parse_model_uri", "verification_summary", "write_report"]

FILES = ("annex-iv.json", "annex-iv.html", "annex-iv.pdf", "instructions-for-use.json",
         "instructions-for-use.html")  # fmt: skip


def parse_model_uri(uri: str) -> tuple[str, str]:
    """``models:/NAME/VERSION`` or ``models:/NAME@ALIAS`` as (name, version or alias).

    Example:
        >>> parse_model_uri("models:/churn@champion")
        ('churn', 'champion')
    """
    rest = uri.removeprefix("models:/")
    name, _, ref = rest.partition("/") if "/" in rest else rest.partition("@")
    if not uri.startswith("models:/") or not name or not ref:
        raise InvalidValueError(
            f"{uri!r} is not a model version URI; use models:/NAME/VERSION or models:/NAME@ALIAS"
        )
    return name, ref


def verification_summary(api: Api, name: str, version: int) -> dict[str, Any] | None:
    """:func:`~trackrecord.compliance.verify_model.verify_model` as a stable summary (its
    check time left out, so the document stays byte-stable); None where unavailable."""
    try:
        from trackrecord.compliance.verify_model import verify_model
    except ImportError:  # pragma: no cover - the hook for stores built without it
        return None
    found = verify_model(api.store, name, version).to_dict()
    checks = sorted(found.get("checks", []), key=lambda c: (c["kind"], c["target"], c["detail"]))
    return {"ok": found.get("ok"), "uri": found.get("uri"), "digest": found.get("digest"),
            "checks_total": len(checks), "failed": sum(not c["ok"] for c in checks),
            "not_reachable": sum(bool(c.get("skipped")) for c in checks),
            "checks": checks}  # fmt: skip


def _write(path: Path, content: bytes) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


def write_report(
    api: Api,
    uri: str,
    manual_path: str | os.PathLike[str] | None,
    out_dir: str | os.PathLike[str],
    verify: bool = True,
    keep: bool | None = None,
    actor: str | None = None,
) -> list[Path]:
    """Build the Annex IV document of *uri* and write its files into *out_dir*.

    Writes ``annex-iv.json``, ``annex-iv.html``, ``annex-iv.pdf``,
    ``instructions-for-use.json`` and ``instructions-for-use.html``; returns their paths.
    For a version on the market or under a legal hold, the files (and the provider.yaml
    and its attachments) are also kept in the store with the version (see
    :mod:`trackrecord.compliance.evidence`).

    Args:
        api: the store to read.
        uri: ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS``.
        manual_path: the provider.yaml (None: every manual field is reported missing).
        out_dir: where to write (created if missing).
        verify: re-verify the records behind the version and include the summary.
        keep: keep the files in the store: True always, False never, None (default) when
            the version is retained now.
        actor: who keeps them (default: this machine's user name).

    Raises:
        InvalidValueError: a bad URI. NotFoundError: no such version.
        ConfigurationError: a bad provider.yaml.
    """
    name, ref = parse_model_uri(uri)
    number = api.model_version(name, ref).version
    manual = None if manual_path is None else load_manual(manual_path)
    verification = verification_summary(api, name, number) if verify else None
    doc = build_annex_iv(api, name, number, manual, verification)
    written = write_files(doc, Path(out_dir))
    if keep is not False:
        from trackrecord.compliance.evidence import keep_documents, keep_if_retained

        who = actor or local_user()
        if keep:
            keep_documents(api, name, number, written, manual_path, who)
        else:
            keep_if_retained(api, name, number, written, manual_path, who)
    return written


def write_files(doc: AnnexIV, out: Path) -> list[Path]:
    """Write *doc*'s five files into *out*."""
    out.mkdir(parents=True, exist_ok=True)
    extract = instructions_for_use(doc)
    extract_json = json.dumps(extract, sort_keys=True, indent=2, ensure_ascii=False,
                              allow_nan=False) + "\n"  # fmt: skip
    written = [
        _write(out / FILES[0], doc.to_json()),
        _write(out / FILES[1], render_html(doc).encode("utf-8")),
        render_pdf(doc, out / FILES[2]),
        _write(out / FILES[3], extract_json.encode("utf-8")),
        _write(out / FILES[4], blocks_html(extract["title"],
                                           instructions_blocks(extract)).encode("utf-8")),
    ]  # fmt: skip
    return written
