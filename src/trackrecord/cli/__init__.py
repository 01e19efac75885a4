"""The ``trackrecord`` command line: a thin layer over library calls.

One module per command group; each registers itself on :data:`main`.
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
    from trackrecord.cli import verify

    main.add_command(verify.verify)


_register()
