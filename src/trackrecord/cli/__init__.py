"""The ``trackrecord`` command line: a thin layer over library calls.

One module per command group; each registers itself on :data:`main`::

    trackrecord projects ls
    trackrecord runs ls|show|compare|tag|rename|note|delete|restore
    trackrecord metrics RUN_ID KEY
    trackrecord verify [RUN_ID... | models:/NAME/VERSION] [--project P] [--all]
                       [--checkpoint FILE [--public-key PEM]]
    trackrecord checkpoint [--out FILE] [--public-key]
    trackrecord gc
    trackrecord server / trackrecord sync / trackrecord ui
    trackrecord admin bootstrap|user|users|grant|revoke|token|audit
    trackrecord datasets ls|versions|show
    trackrecord models ls|versions|register|alias|unalias|deprecate|update|history|download
    trackrecord lineage NODE [--upstream|--downstream] [--openlineage]
    trackrecord evaluations ls|show|compare|criteria
    trackrecord retention status|log-period|market|keep-data|kept|hold|release|holds|purge
    trackrecord keys create|ls|revoke|export; trackrecord sign model|evaluation|run|document
    trackrecord signatures TARGET
    trackrecord report init|annex-iv models:/NAME/VERSION
    trackrecord export ... / trackrecord import ...

Every command takes ``--dir`` (the store directory); every listing takes
``--json``. A mistake the user can fix prints ``Error: ...`` and exits with
status 2.
"""

from __future__ import annotations

import click

from trackrecord import __version__

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="trackrecord")
def main() -> None:
    """TrackRecord: a tamper-evident experiment tracker."""


def _register() -> None:
    from trackrecord.cli.admin import admin
    from trackrecord.cli.checkpoint import checkpoint
    from trackrecord.cli.datasets import datasets
    from trackrecord.cli.evaluations import evaluations
    from trackrecord.cli.export import export
    from trackrecord.cli.gc import gc
    from trackrecord.cli.imports import import_
    from trackrecord.cli.keys import keys
    from trackrecord.cli.lineage import lineage
    from trackrecord.cli.metrics import metrics
    from trackrecord.cli.models import models
    from trackrecord.cli.projects import projects
    from trackrecord.cli.report import report
    from trackrecord.cli.retention import retention
    from trackrecord.cli.runs import runs
    from trackrecord.cli.server import server
    from trackrecord.cli.sign import sign, signatures
    from trackrecord.cli.sync import sync
    from trackrecord.cli.ui import ui
    from trackrecord.cli.verify import verify

    commands = (projects, runs, metrics, verify, gc, export, import_, server, sync, ui, admin,
                datasets, models, lineage, evaluations, retention, keys, sign,
                signatures, report, checkpoint)  # fmt: skip
    for command in commands:
        main.add_command(command)


_register()
