"""What every command shares: ``--dir`` and ``--json``, opening the store, errors, run ids.

Errors a user can fix (an unknown run, a bad query, a live run) end the
command with their message and exit status 2, never with a traceback.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

import click

from trackrecord.errors import NotFoundError, TrackRecordError

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.base import RunRecord

__all__ = [
    "CommandError",
    "dir_option",
    "find_run",
    "is_tty",
    "json_option",
    "open_api",
    "split_list",
    "table_width",
]

TABLE_WIDTH: Final = 120

F = TypeVar("F", bound=Callable[..., Any])


class CommandError(click.ClickException):
    """A mistake the user can fix: printed as ``Error: <message>``, exit status 2."""

    exit_code = 2


def dir_option(function: F) -> F:
    """The ``--dir`` option every command takes."""
    return click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False),
        default=None,
        help="Store directory (default: .trackrecord here or in a parent, or TRACKRECORD_DIR).",
    )(function)


def json_option(function: F) -> F:
    """The ``--json`` option of every listing."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        function
    )


@contextmanager
def open_api(directory: str | None) -> Iterator[Api]:
    """Open the store; any TrackRecordError inside becomes a :class:`CommandError`."""
    from trackrecord.api import Api

    try:
        with Api(dir=directory) as api:
            yield api
    except TrackRecordError as exc:
        raise CommandError(str(exc)) from exc


def find_run(api: Api, run_id: str) -> RunRecord:
    """A run by id or unique prefix, deleted runs included (``Api.run`` skips their prefixes)."""
    from trackrecord.ids import is_run_id

    text = run_id.strip().lower()
    if is_run_id(text):
        return api.run(text)
    prefix = re.sub(r"[^0-9a-z]", "", text)
    query = f'id ~ "{prefix}*"'
    matches = [
        run
        for deleted in (False, True)
        for run in api.store.search_runs(query, limit=2, deleted=deleted).runs
    ]
    if len(matches) == 1 and prefix:
        return matches[0]
    if not matches:
        raise NotFoundError(
            f"no run with an id starting with {run_id!r} in {api.root}, deleted runs included; "
            f"see the ids with: trackrecord runs ls (or runs ls --deleted)"
        )
    raise NotFoundError(
        f"several runs have an id starting with {run_id!r} in {api.root}; "
        f"give more characters of the id"
    )


def is_tty(stream: IO[Any] | None = None) -> bool:
    """Whether *stream* (default: stdout) is a terminal."""
    stream = sys.stdout if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def table_width() -> int:
    """How wide a table may be: the terminal's width, or 120 characters when not a terminal."""
    return shutil.get_terminal_size((TABLE_WIDTH, 24)).columns if is_tty() else TABLE_WIDTH


def split_list(values: tuple[str, ...]) -> list[str]:
    """Items of a repeatable option, each of which may hold several separated by commas.

    Commas inside quotes or backticks (``params."a,b"``) do not separate.
    """
    items: list[str] = []
    for value in values:
        current, quote = "", ""
        for char in value:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'`":
                quote = char
            elif char == ",":
                items.append(current)
                current = ""
                continue
            current += char
        items.append(current)
    return [item.strip() for item in items if item.strip()]
