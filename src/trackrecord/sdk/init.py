"""``trackrecord.init``: start (or resume) a run on the embedded store, a server, or offline."""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from trackrecord.capture import Capture, capture_environment
from trackrecord.errors import (
    ConfigurationError,
    InvalidValueError,
    NotFoundError,
    RunLockedError,
    StoreError,
    TrackRecordError,
    TrackRecordWarning,
)
from trackrecord.event_schema import check_body
from trackrecord.ids import new_run_id, run_name_for
from trackrecord.record.events import GENESIS
from trackrecord.sdk import active
from trackrecord.sdk.console import ConsoleCapture
from trackrecord.sdk.files import store_bytes
from trackrecord.sdk.quarantine import Quarantine
from trackrecord.sdk.run import Identity, Run
from trackrecord.sdk.safekeeping import Safekeeping
from trackrecord.sdk.system_metrics import DEFAULT_INTERVAL, MIN_INTERVAL, RunBuffers, SystemSampler
from trackrecord.sdk.writer import Writer
from trackrecord.spool import is_offline
from trackrecord.values import check_key, flatten_params, normalise_tags
from trackrecord.workspace import Workspace, run_mode

__all__ = ["init"]

_START_TIMEOUT = 5.0
_OFF = ("0", "false", "no", "off")


class Recording(NamedTuple):
    """What is recorded while the run goes on: system metrics (every *interval* s), console."""

    system_metrics: bool
    interval: float
    console: bool


def init(
    project: str | None = None,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | Iterable[str] | None = None,
    group: str | None = None,
    notes: str | None = None,
    parent: Run | str | None = None,
    resume: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    capture: bool | Capture = True,
    mode: str | None = None,
    system_metrics: bool | None = None,
    system_interval: float = DEFAULT_INTERVAL,
    capture_console: bool | None = None,
) -> Run:
    """Start a run (or continue one with ``resume=``) and make it the active run.

    Args:
        project: the project name (default: ``TRACKRECORD_PROJECT`` or ``"default"``).
        name: a readable name (default: generated, like ``amber-otter-417``).
        config: hyperparameters, recorded as params (nested dicts flattened).
        tags: a dict of short strings, or a list of labels.
        group: a group name shared by related runs (e.g. the folds of a CV).
        notes: free text.
        parent: the parent run (a Run or its id) of a child run.
        resume: the id of an existing run to continue; its steps go on from the
            largest one logged.
        dir: the store directory (see :mod:`trackrecord.workspace`).
        capture: what environment to record at start (git, packages, system,
            command); ``False`` for nothing, or a :class:`Capture`. ``False`` means
            "record nothing about the environment": it also turns system metrics and
            console capture off, unless they are asked for by name.
        mode: ``"online"`` (default) sends the run to the store as it goes;
            ``"offline"`` keeps it on local disk only (spool and outbox, no
            network use even with ``TRACKRECORD_URI`` set) until ``trackrecord
            sync`` uploads it. Default: ``TRACKRECORD_MODE``, else ``"online"``.
        system_metrics: sample CPU, memory, disk, network, this process and the
            GPUs every *system_interval* seconds as ``system/...`` metrics, each on
            its own step counter (see :mod:`trackrecord.sdk.system_metrics`).
            Default: on, unless ``TRACKRECORD_SYSTEM_METRICS=0`` or ``capture=False``.
        system_interval: seconds between samples (at least 1; default 15).
        capture_console: record what the process prints to stdout and stderr (still
            shown as usual); read it back with :meth:`Api.console`. Default: on,
            unless ``TRACKRECORD_CONSOLE=0`` or ``capture=False``.

    Returns:
        The :class:`Run`, also usable as a context manager.

    Raises:
        ConfigurationError: ``resume`` or ``parent`` names no run, an unknown
            ``mode``, ``resume`` offline, or bad arguments.
        RunLockedError: the run to resume is being written by a live process.

    Example:
        >>> import trackrecord, tempfile
        >>> run = trackrecord.init("mnist", config={"lr": 0.1}, dir=tempfile.mkdtemp(),
        ...                        capture=False)
        >>> run.log({"loss": 0.5})
        >>> run.finish()
    """
    options = Capture.coerce(capture)
    recording = _recording(options, system_metrics, system_interval, capture_console)
    project = _project_name(project)
    config_flat = flatten_params(config or {})
    tag_map = normalise_tags(tags)
    offline = run_mode(mode) == "offline"
    if offline and resume is not None:
        raise ConfigurationError(
            f"cannot resume run {resume!r} offline: resuming needs the run's record from the "
            f"store. Resume it online (mode='online'), after `trackrecord sync` if it was "
            f"logged offline"
        )
    workspace = _open_workspace(dir, offline, resume)
    try:
        if resume is not None:
            return _resume(workspace, resume, config_flat, tag_map, notes, (options, recording))
        return _start(
            workspace,
            project,
            name,
            config_flat,
            tag_map,
            group,
            notes,
            parent,
            (options, recording),
        )
    except BaseException:
        workspace.close()
        raise


def _open_workspace(
    directory: str | os.PathLike[str] | None, offline: bool, resume: str | None
) -> Workspace:
    """The workspace to log to; one without a store if the store cannot be opened (read-only,
    failing), so that training goes on: its runs wait in spools until the store can be opened.
    """
    try:
        workspace = Workspace.open(directory, offline=offline, recover=False)
    except StoreError as exc:
        if resume is not None:
            raise StoreError(
                f"cannot resume run {resume!r}: {exc}. Resuming needs the run's record from the "
                f"store; make the store writable, or start a new run"
            ) from exc
        _warn(
            f"TrackRecord cannot open the store ({exc}). Training goes on; the run keeps its "
            f"events in a spool until the store can be opened, and finish() says where"
        )
        return Workspace.without_store(directory, str(exc))
    if not workspace.offline:
        try:
            workspace.recover()
        except TrackRecordError as exc:  # what earlier runs left: it waits; this run goes on
            _warn(f"TrackRecord could not send what earlier runs left in {workspace.root}: {exc}")
    return workspace


def _warn(message: str) -> None:
    with contextlib.suppress(Warning):  # warnings made errors must not stop training
        warnings.warn(message, TrackRecordWarning, stacklevel=4)


def _recording(
    options: Capture, system: bool | None, interval: float, console: bool | None
) -> Recording:
    """The explicit argument, else the environment variable, else on (off for capture=False)."""
    if (
        isinstance(interval, bool)
        or not isinstance(interval, (int, float))
        or not (interval >= MIN_INTERVAL)
    ):
        raise ConfigurationError(
            f"system_interval must be a number of seconds >= {MIN_INTERVAL:g}, not "
            f"{interval!r}; the default is {DEFAULT_INTERVAL:g}"
        )
    default = options != Capture.nothing()
    return Recording(
        _switch(system, "TRACKRECORD_SYSTEM_METRICS", default),
        float(interval),
        _switch(console, "TRACKRECORD_CONSOLE", default),
    )


def _switch(argument: bool | None, variable: str, default: bool) -> bool:
    if argument is not None:
        return bool(argument)
    value = os.environ.get(variable, "").strip().lower()
    return default if not value else value not in _OFF


def _project_name(project: str | None) -> str:
    project = project or os.environ.get("TRACKRECORD_PROJECT") or "default"
    return check_key(project, "project")


def _parent_id(workspace: Workspace, parent: Run | str | None) -> str | None:
    if parent is None:
        return None
    parent_id = parent if isinstance(parent, str) else parent.id
    if workspace.offline or workspace.unavailable:
        return parent_id  # no store to check it in; sync sends the parent first if it waits too
    try:
        workspace.store.get_run(parent_id)
    except NotFoundError:
        if isinstance(parent, str):
            raise ConfigurationError(
                f"parent run {parent_id!r} does not exist in "
                f"{workspace.root}; pass the id of an existing run"
            ) from None
    return parent_id


def _start(
    workspace: Workspace,
    project: str,
    name: str | None,
    config: dict[str, Any],
    tags: dict[str, str],
    group: str | None,
    notes: str | None,
    parent: Run | str | None,
    options: tuple[Capture, Recording],
) -> Run:
    if name is not None and not isinstance(name, str):
        raise InvalidValueError(f"run name must be a string, not {type(name).__name__}")
    run_id = new_run_id()
    parent_id = _parent_id(workspace, parent)
    run_name = name or run_name_for(run_id)
    body = {
        "project": project,
        "name": run_name,
        "group": group,
        "parent": parent_id,
        "notes": notes,
        "tags": tags,
        "config": config,
        "user": _user(),
        "host": socket.gethostname(),
    }
    check_body("run.start", body)  # before the spool exists: a bad name or config raises here
    identity = Identity(run_id, project, run_name, parent_id, notes)
    return _launch(workspace, identity, (0, GENESIS), (0, 0), ("run.start", body), options)


def _resume(
    workspace: Workspace,
    run_id: str,
    config: dict[str, Any],
    tags: dict[str, str],
    notes: str | None,
    options: tuple[Capture, Recording],
) -> Run:
    if active.is_active(run_id):
        raise RunLockedError(
            f"run {run_id} is still running in this process; finish it before resuming it"
        )
    waiting = workspace.spool_root / run_id
    if is_offline(waiting) and any(waiting.glob("*.log")):
        raise ConfigurationError(
            f"cannot resume run {run_id}: it was logged offline and part of it waits in "
            f"{waiting}; run `trackrecord sync` first, then resume it"
        )
    try:
        record = workspace.store.get_run(run_id)
    except NotFoundError:
        recent = ", ".join(r.id for r in workspace.store.search_runs(limit=5).runs) or "none"
        raise ConfigurationError(
            f"cannot resume run {run_id!r}: no such run in {workspace.root}. Recent runs: {recent}"
        ) from None
    # system samples count on their own: they go on from theirs and never move the user's
    next_step = max(
        (s.max_step + 1 for k, s in record.summaries.items() if not k.startswith("system/")),
        default=0,
    )
    next_sample = max(
        (s.max_step + 1 for k, s in record.summaries.items() if k.startswith("system/")),
        default=0,
    )
    body = {"user": _user(), "host": socket.gethostname(), "pid": os.getpid()}
    identity = Identity(record.id, record.project, record.name, record.parent, record.notes)
    head = (record.head_seq, record.head_hash)
    steps = (next_step, next_sample)
    run = _launch(workspace, identity, head, steps, ("run.resume", body), options)
    if config:
        run.log_params(config)
    if tags:
        run.set_tags(tags)
    if notes is not None:
        run.notes = notes
    return run


def _launch(
    workspace: Workspace,
    identity: Identity,
    head: tuple[int, str],
    steps: tuple[int, int],
    first: tuple[str, dict[str, Any]],
    options: tuple[Capture, Recording],
) -> Run:
    """*steps*: the next step of ``run.log`` and the next system sample index."""
    capture, recording = options
    offline = workspace.offline
    run_id = identity.run_id
    spool = Safekeeping(workspace.root, workspace.spool_root, run_id, offline)
    buffers = RunBuffers(steps[0])
    store = None if offline or workspace.unavailable else workspace.store
    keep_aside = Quarantine(workspace.root, run_id)
    writer = Writer(run_id, store, spool, buffers, head, workspace.outboxes, keep_aside)
    writer.unavailable = workspace.unavailable
    writer.submit(*first)
    # The run is in the store when init returns (a child or a reader can find it at once);
    # if the store is slow or failing, the start waits in the spool like everything else.
    writer.flush(timeout=_START_TIMEOUT)
    if capture != Capture.nothing():
        writer.call_soon(lambda: _record_environment(writer, workspace, capture))
    run = Run(identity, workspace, writer, buffers)
    active.register(run)
    if recording.system_metrics:
        sampler = SystemSampler(buffers.samples, run.id, recording.interval, steps[1])
        run._attach(sampler)
        sampler.start()
    if recording.console:
        console = ConsoleCapture(writer.submit, run.id)
        run._attach(console)
        console.start()
    return run


def _record_environment(writer: Writer, workspace: Workspace, options: Capture) -> None:
    """Runs on the writer thread, so that capture never delays the training script."""
    environment = capture_environment(options, Path.cwd())
    writer.submit("environment", environment.info)
    if environment.diff:
        record = store_bytes(
            workspace,
            "code/uncommitted.diff",
            environment.diff.encode("utf-8", "replace"),
            "text/x-diff",
        )
        writer.submit("artifact", {"files": [record]})


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return None
