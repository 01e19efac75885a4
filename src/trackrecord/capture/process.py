"""How the run's process was started: command line, directory, user, chosen variables."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["REDACTED", "command_info", "environment_variables", "redact_argv"]

REDACTED = "<redacted>"
# An option whose name ends in one of these carries a secret: --hf-token, --db_password.
_SECRET_SUFFIXES = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "access_key",
    "secret_key",
    "private_key",
)


def command_info() -> dict[str, Any]:
    """The command line (secret options redacted), working directory, pid and user::

    >>> sorted(command_info())
    ['argv', 'cwd', 'pid', 'user']
    """
    return {
        "argv": redact_argv(sys.argv),
        "cwd": _working_directory(),
        "pid": os.getpid(),
        "user": _user_name(),
    }


def environment_variables(names: Iterable[str]) -> dict[str, str | None]:
    """The values of exactly the variables *names*; ``None`` for one that is unset.

    Nothing else is read, so secrets in the environment stay out of the record::

        >>> environment_variables(["CUDA_VISIBLE_DEVICES"])  # doctest: +SKIP
        {'CUDA_VISIBLE_DEVICES': '0,1'}
    """
    return {name: os.environ.get(name) for name in names}


def redact_argv(argv: Sequence[str]) -> list[str]:
    """*argv* with the values of secret-looking options replaced by ``<redacted>``.

    Both ``--api-key=abc`` and ``--api-key abc`` forms are handled::

        >>> redact_argv(["train.py", "--hf-token", "hf_abc", "--max-tokens=5"])
        ['train.py', '--hf-token', '<redacted>', '--max-tokens=5']
    """
    redacted: list[str] = []
    hide_next = False
    for arg in argv:
        value_follows, hide_next = hide_next, False
        if value_follows and not arg.startswith("-"):  # "--token --epochs 3" has no value
            redacted.append(REDACTED)
            continue
        option, equals, _ = arg.partition("=")
        if arg.startswith("-") and _is_secret_option(option):
            if equals:
                redacted.append(f"{option}={REDACTED}")
                continue
            hide_next = True
        redacted.append(arg)
    return redacted


def _is_secret_option(option: str) -> bool:
    name = option.lstrip("-").lower().replace("-", "_")
    return name.endswith(_SECRET_SUFFIXES)


def _working_directory() -> str | None:
    """The working directory, or None if it was deleted under the process."""
    try:
        return os.getcwd()
    except OSError:
        return None


def _user_name() -> str | None:
    """The login name, or None in a container that runs as a user without a name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return None
