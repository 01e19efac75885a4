"""Capture the environment a run starts in: code version, machine, packages, command.

:func:`capture_environment` never raises: a part that fails is recorded as
``{"error": "<what went wrong>"}`` in its place, and the run goes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from trackrecord.capture.git import git_diff, git_state
from trackrecord.capture.gpu import gpu_info
from trackrecord.capture.packages import installed_packages
from trackrecord.capture.process import command_info, environment_variables
from trackrecord.capture.system import cpu_info, host_info, memory_info, os_info, python_info
from trackrecord.errors import ConfigurationError

__all__ = ["Capture", "Environment", "capture_environment"]


@dataclass(frozen=True)
class Capture:
    """What to capture at run start; each part can be switched off.

    Args:
        git: commit, branch, remote URL (credentials stripped), dirty flag and the
            names of untracked files.
        diff: the uncommitted changes, as a patch, in :attr:`Environment.diff`.
        packages: installed distributions, name -> version.
        system: Python, OS, host name, CPU, memory and NVIDIA GPUs.
        command: ``sys.argv`` (secret-looking options redacted), working directory,
            pid and user name.
        env_vars: the environment variables whose values are recorded; no other
            variable is read, so secrets in the environment stay out.

    Raises:
        ConfigurationError: *env_vars* is a single string or holds a non-string.

    Example::

        >>> Capture(diff=False, env_vars=("CUDA_VISIBLE_DEVICES",)).packages
        True
    """

    git: bool = True
    diff: bool = True
    packages: bool = True
    system: bool = True
    command: bool = True
    env_vars: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "env_vars", _variable_names(self.env_vars))

    @classmethod
    def coerce(cls, value: bool | Capture | None) -> Capture:
        """Turn a ``capture=`` argument into a :class:`Capture`.

        ``True`` and ``None`` mean everything, ``False`` nothing; a :class:`Capture`
        passes through. Anything else raises :class:`ConfigurationError`::

            >>> Capture.coerce(False) == Capture.nothing()
            True
        """
        if isinstance(value, Capture):
            return value
        if value is None or value is True:
            return cls()
        if value is False:
            return cls.nothing()
        raise ConfigurationError(
            f"capture= must be True, False, None or a trackrecord.capture.Capture, "
            f"got {value!r} ({type(value).__name__}); "
            f"for example capture=Capture(diff=False) to leave out only the diff"
        )

    @classmethod
    def nothing(cls) -> Capture:
        """Everything switched off::

        >>> Capture.nothing().git
        False
        """
        return cls(git=False, diff=False, packages=False, system=False, command=False)


@dataclass(frozen=True)
class Environment:
    """The environment a run started in.

    Attributes:
        info: JSON-serialisable; a key for each part captured, in this order:
            ``python``, ``os``, ``host``, ``cpu``, ``memory``, ``gpus`` (the system
            part), ``git``, ``command``, ``packages``, ``env``. A part that failed
            holds ``{"error": "..."}``, and so does ``diff`` if the diff failed.
        diff: the uncommitted changes as patch text, or ``None`` (clean tree, diff
            switched off, or not a git repository).

    Example::

        >>> env = Environment(info={"env": {"SEED": "1"}}, diff=None)
        >>> env.info["env"]["SEED"]
        '1'
    """

    info: dict[str, Any]
    diff: str | None


def capture_environment(options: Capture, cwd: str | os.PathLike[str] | None = None) -> Environment:
    """Capture what *options* asks for; never raises.

    Args:
        options: which parts to capture.
        cwd: where to look for the git repository; the process's working directory
            when ``None``. The ``command`` part always records the process's own.

    Example::

        >>> env = capture_environment(Capture(git=False, diff=False, packages=False))
        >>> env.info["cpu"]["logical_count"] > 0
        True
    """

    def where() -> str:  # called inside _attempt, so a bad cwd is recorded, not raised
        return "." if cwd is None else os.fspath(cwd)

    info = {name: _attempt(part) for name, part in _parts(options, where).items()}
    diff = _attempt(lambda: git_diff(where())) if options.diff else None
    if isinstance(diff, dict):
        info["diff"] = diff  # the error; Environment.diff holds only patch text
        diff = None
    return Environment(info=info, diff=diff)


def _parts(options: Capture, where: Callable[[], str]) -> dict[str, Callable[[], Any]]:
    """The enabled parts of ``info``, in their documented order."""
    parts: dict[str, Callable[[], Any]] = {}
    if options.system:
        parts.update(
            python=python_info,
            os=os_info,
            host=host_info,
            cpu=cpu_info,
            memory=memory_info,
            gpus=gpu_info,
        )
    if options.git:
        parts["git"] = lambda: git_state(where())
    if options.command:
        parts["command"] = command_info
    if options.packages:
        parts["packages"] = installed_packages
    if options.env_vars:
        parts["env"] = lambda: environment_variables(options.env_vars)
    return parts


def _variable_names(names: object) -> tuple[str, ...]:
    if isinstance(names, str):
        raise ConfigurationError(
            f"env_vars= takes a tuple of variable names, got the string {names!r}; "
            f"write env_vars=({names!r},) for one variable"
        )
    items = tuple(names) if isinstance(names, Iterable) else None
    if items is None or not all(isinstance(name, str) for name in items):
        raise ConfigurationError(
            f"env_vars= takes a tuple of variable names (strings), got {names!r}; "
            f'for example env_vars=("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID")'
        )
    return items


def _attempt(part: Callable[[], Any]) -> Any:
    """The value of *part*, or ``{"error": ...}`` if it failed."""
    try:
        return part()
    except Exception as exc:  # capture must never stop a run from starting
        return {"error": f"{type(exc).__name__}: {exc}"}
