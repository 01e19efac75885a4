"""``trackrecord verify``: recompute the hash chains of some runs, a project, or all, and
rebuild their tables from them; or verify everything behind a model version
(``models:/NAME/VERSION``). ``--all`` also verifies the registry chains, the ledger, the
audit log and the store-wide tables."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

import click

from trackrecord.cli.formats import to_json
from trackrecord.cli.options import CommandError, dir_option, find_run, is_tty, open_api

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.compliance.verify import VerifyResult
    from trackrecord.compliance.verify_model import ModelVerification
    from trackrecord.compliance.verify_store import StoreVerifier
    from trackrecord.store.problems import Problem

__all__ = ["verify"]

PROGRESS_FROM: Final = 20
"""Runs from which a progress bar is shown (on a terminal only)."""


def _run_ids(api: Api, run_ids: tuple[str, ...], project: str | None) -> list[str]:
    """The full ids to verify: those named, or a project's or every run, deleted ones too."""
    if run_ids:
        return [find_run(api, run_id).id for run_id in run_ids]
    return [
        run.id for deleted in (False, True) for run in api.iter_runs(None, project, None, deleted)
    ]


def _results(api: Api, run_ids: list[str], artifacts: bool) -> Iterator[VerifyResult]:
    for run_id in run_ids:
        yield api.verify(run_id, artifacts=artifacts)


def _as_json(result: VerifyResult) -> str:
    return to_json(result.to_dict(), lines=True)


def _store_verifier(api: Api, artifacts: bool, public_key: str | None) -> StoreVerifier | None:
    """A verifier of the whole store, when its database is here (not a server's)."""
    if getattr(api.store, "database", None) is None:
        return None
    from trackrecord.compliance.verify_store import StoreVerifier

    return StoreVerifier(api.store, artifacts, public_key)


def _public_key(pem_file: str | None) -> str | None:
    """The base64 raw key in the PEM file *pem_file*, if given."""
    if pem_file is None:
        return None
    from pathlib import Path

    from trackrecord.errors import TrackRecordError
    from trackrecord.transparency.keys import public_key_from_pem

    try:
        return public_key_from_pem(Path(pem_file).read_bytes())
    except (OSError, TrackRecordError) as exc:
        raise CommandError(f"{pem_file}: {exc}") from exc


def _checkpoint_problems(api: Api, file: str, public_key: str | None) -> list[Problem]:
    """What the store lost since the checkpoint in *file* (see :mod:`.verify_log`)."""
    from trackrecord.cli.checkpoint import store_log
    from trackrecord.compliance.verify_log import checkpoint_problems, local_public_key
    from trackrecord.errors import TrackRecordError
    from trackrecord.transparency.checkpoint import read_checkpoint_file

    log = store_log(api)
    try:
        signed = read_checkpoint_file(file)
        key = public_key or local_public_key(signed.checkpoint.origin)
    except TrackRecordError as exc:
        raise CommandError(str(exc)) from exc
    if key is None:
        raise CommandError(
            f"this machine keeps no checkpoint key for store {signed.checkpoint.origin}: give "
            "the store's public key with --public-key FILE (where the store lives, print it "
            "with: trackrecord checkpoint --public-key)"
        )
    return checkpoint_problems(log.database, signed, key)


def _report_store(problems: list[Problem], as_json: bool) -> None:
    """Print the store's own problems (registries, ledger, audit log, store-wide tables)."""
    if as_json:
        click.echo(to_json({"kind": "store", "ok": not problems,
                            "problems": [p.to_dict() for p in problems]}, lines=True))  # fmt: skip
        return
    for problem in problems:
        click.secho(f"FAILED: {problem.chain}: {problem}", fg="red")


def _model_versions(api: Api, uris: list[str]) -> Iterator[ModelVerification]:
    """Verify each ``models:/NAME/VERSION`` (or ``models:/NAME@ALIAS``)."""
    from trackrecord.compliance.verify_model import verify_model

    for uri in uris:
        rest = uri.removeprefix("models:/")
        name, sep, ref = rest.rpartition("/") if "/" in rest else rest.rpartition("@")
        if not sep or not name or not ref:
            raise CommandError(f"give a model version as models:/NAME/VERSION, not {uri!r}")
        yield verify_model(api.store, name, ref)


def _report_models(reports: Iterable[ModelVerification], as_json: bool) -> int:
    """Print each model version's summary (or JSON); return how many failed."""
    failed = 0
    for report in reports:
        failed += not report.ok
        if as_json:
            click.echo(to_json(report.to_dict(), lines=True))
        else:
            click.secho(report.summary(), fg="green" if report.ok else "red")
    return failed


def _report(results: Iterable[VerifyResult], as_json: bool, every: bool) -> int:
    """Print results (failures only unless *every*); return how many failed."""
    failed = 0
    for result in results:
        failed += not result.ok
        if as_json:
            click.echo(_as_json(result))
        elif every or not result.ok:
            click.secho(str(result), fg="green" if result.ok else "red")
    return failed


@click.command()
@click.argument("run_ids", nargs=-1, metavar="[RUN_ID... | models:/NAME/VERSION...]")
@click.option("--project", "-p", help="Verify every run of this project (deleted ones too).")
@click.option("--all", "everything", is_flag=True, help="Verify every run (deleted ones too).")
@click.option("--no-artifacts", is_flag=True, help="Skip re-hashing artifact contents.")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Prove nothing recorded up to this checkpoint file (trackrecord checkpoint --out) "
    "was removed, rewritten or rolled back.",
)
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="The store's checkpoint public key (PEM) to trust (default: the key this machine "
    "keeps for the store).",
)
@dir_option
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON lines.")
def verify(
    run_ids: tuple[str, ...],
    project: str | None,
    everything: bool,
    no_artifacts: bool,
    checkpoint_file: str | None,
    public_key_file: str | None,
    directory: str | None,
    as_json: bool,
) -> None:
    """Recompute runs' hash chains and rebuild their tables from them.

    Give RUN_IDs (ids or unique prefixes), a --project, or --all. For named
    runs each result is printed: OK with the chain head, or FAILED with each
    difference (the table, the row, the column, the stored and the expected
    value; or the first event whose hash does not match); for a project or
    all runs, only the failures. --all also verifies every registry chain,
    the ledger (accounts, keys, sign-offs, holds, dataset versions), the
    audit log and the store-wide tables, and rows that belong to no chain.
    A summary line ends the output. Exits with status 1 if anything fails,
    2 on a usage error.

    --all also checks the transparency log against every chain: a deleted
    run, a truncated chain or a chain re-hashed is reported. --checkpoint
    FILE (alone or with --all) checks the store against a signed checkpoint
    kept outside it: its signature (by --public-key, or the key this machine
    keeps for the store), that the log still extends it, and that every
    chain still holds what was logged, so a store rolled back to an older
    copy or rewritten and re-hashed is reported.

    Given models:/NAME/VERSION, verify everything behind that version: every
    run in its lineage and that evaluated it, the registry chains, the dataset
    files still reachable, the model's files and digest, and every signature
    on the version, its evaluations and runs; a summary is printed.

    Examples:

      trackrecord verify 01jc3x

      trackrecord verify models:/churn/3

      trackrecord verify --all

      trackrecord verify --checkpoint audit/checkpoint.json --public-key store.pem
    """
    uris = [arg for arg in run_ids if arg.startswith("models:/")]
    run_ids = tuple(arg for arg in run_ids if not arg.startswith("models:/"))
    chosen = sum((bool(run_ids or uris), project is not None, everything))
    if chosen != 1 and not (chosen == 0 and checkpoint_file):
        raise click.UsageError(
            "give RUN_ID... or models:/NAME/VERSION..., or --project P, or --all (one of them), "
            "or --checkpoint FILE"
        )
    public_key = _public_key(public_key_file)
    if uris:
        _verify_models(uris, run_ids, directory, as_json, not no_artifacts)
        return
    if chosen == 0:
        _verify_checkpoint_only(directory, checkpoint_file or "", public_key, as_json)
        return
    with open_api(directory) as api:
        verifier = _store_verifier(api, not no_artifacts, public_key) if everything else None
        try:
            ids = verifier.run_ids() if verifier else _run_ids(api, run_ids, project)
            if not ids and not verifier:
                raise CommandError(
                    f"no runs in project {project!r}" if project else "no runs to verify"
                )
            results = (
                (verifier.run(i) for i in ids) if verifier else _results(api, ids, not no_artifacts)
            )
            if is_tty(sys.stderr) and len(ids) >= PROGRESS_FROM:
                with click.progressbar(
                    results, length=len(ids), label="Verifying", file=sys.stderr
                ) as bar:
                    done = list(bar)  # print after the bar, so lines do not garble it
                failed = _report(done, as_json, every=bool(run_ids))
            else:
                failed = _report(results, as_json, every=bool(run_ids))
            problems = verifier.store_problems() if verifier else None
            if checkpoint_file:
                found = (problems or []) + _checkpoint_problems(api, checkpoint_file, public_key)
                # where the log check and the checkpoint's say the same, say it once
                problems = list({repr(problem): problem for problem in found}.values())
        finally:
            if verifier:
                verifier.close()
    summary = f"{len(ids)} runs verified, {failed} failed"
    if problems is not None:
        _report_store(problems, as_json)
        summary += f"; registries, ledger, audit log and store tables: {len(problems)} problems"
    bad = failed or bool(problems)
    click.secho(summary, fg="red" if bad else "green", err=as_json)
    if bad:
        raise SystemExit(1)


def _verify_checkpoint_only(
    directory: str | None, file: str, public_key: str | None, as_json: bool
) -> None:
    """``verify --checkpoint FILE`` alone: report, then exit 1 if anything differs."""
    with open_api(directory) as api:
        problems = _checkpoint_problems(api, file, public_key)
    _report_store(problems, as_json)
    summary = f"checkpoint {file}: " + (f"{len(problems)} problems" if problems else "VERIFIED")
    click.secho(summary, fg="red" if problems else "green", err=as_json)
    if problems:
        raise SystemExit(1)


def _verify_models(
    uris: list[str], run_ids: tuple[str, ...], directory: str | None, as_json: bool,
    artifacts: bool,
) -> None:  # fmt: skip
    """Verify model versions (and any runs named beside them); exit 1 if any fails."""
    with open_api(directory) as api:
        ids = _run_ids(api, run_ids, None) if run_ids else []
        failed_runs = _report(_results(api, ids, artifacts), as_json, every=True)
        failed = _report_models(_model_versions(api, uris), as_json)
    parts = [f"{len(uris)} model versions verified, {failed} failed"]
    if ids:
        parts.append(f"{len(ids)} runs verified, {failed_runs} failed")
    click.secho("; ".join(parts), fg="red" if failed or failed_runs else "green", err=as_json)
    if failed or failed_runs:
        raise SystemExit(1)
