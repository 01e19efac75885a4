"""The one schema of events: what each event type may say, and how big it may be.

Every event is checked here before any SQL runs: by the SQL store's append path
(SQLite and PostgreSQL alike), by the server as it reads a request, and by the SDK
as it builds a body (:meth:`~trackrecord.sdk.writer.Writer.submit`). The value rules
are those of :mod:`trackrecord.values` (keys, params, tag values), so what the SDK
builds is never refused by a store, and a crafted event is refused with an
:class:`~trackrecord.errors.InvalidValueError` naming the run, the event's seq, the
field and what is allowed. Nothing is stored then.

Bodies (fields marked ``?`` may be left out or null):

============  ================================================================
run.start     project, name, group?, parent?, notes?, user?, host?, config?,
              tags?  (only as event 1, and event 1 is always a run.start)
run.resume    user?, host?, pid?
run.end       status (finished | failed | killed | crashed), error? (an object)
environment   any object; git? (an object whose commit? and branch? are text)
console       lines: [[time_ms, "stdout" | "stderr", text], ...]
params        params: an object of param values (nested objects are flattened)
tags          tags: an object of text values
notes         text?
metrics       nothing; the points of each metric key travel beside the body
artifact      files: [{path, sha256, size, media_type}, ...]
dataset       name, role, digest, kind, direction?, version?, uri?, size?, rows?,
              schema?, profile?, sources?, datasheet?, description?, manifest?
model         name, digest, flavor, format, path, files, meta?
criteria      id, criteria, supersedes?, reason?, actor?
evaluation    id, started_at, task, n, status, metrics, result, verdicts?,
              limitations?, target?, dataset?, criteria?, seed?, n_resamples?,
              confidence?
run.rename    name
run.delete    (nothing)
run.restore   (nothing)
============  ================================================================

Everywhere in a body: text holds no NUL and is valid Unicode (no lone surrogates),
integers fit in 64 bits, and an object is never ``{"$float": ...}`` alone (the
stored encoding of NaN and ±inf). Sizes are bounded by :class:`EventLimits`.

A run that has ended is sealed: after its ``run.end`` only :data:`AFTER_END` types
are accepted (a ``run.resume`` opens it again).

Example:
    >>> check_body("tags", {"tags": {"stage": "prod"}})
    >>> check_body("tags", {"tags": {"stage": 3}})
    Traceback (most recent call last):
    ...
    trackrecord.errors.InvalidValueError: tags.stage is 3 of type int; tag values are text ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from trackrecord.artifacts.base import check_artifact_path, check_digest
from trackrecord.body_limits import (
    INT64,
    EventLimits,
    check_limits,
    fit_text,
    join_field,
    refusal,
    too_many,
)
from trackrecord.errors import ChainConflictError, InvalidValueError
from trackrecord.ids import is_run_id
from trackrecord.record.events import EVENT_TYPES, Event, canonical_json
from trackrecord.values import check_key, flatten_params

__all__ = [
    "AFTER_END",
    "BODIES",
    "END_STATUSES",
    "EventLimits",
    "check_body",
    "check_event",
    "check_events",
    "check_sealed",
    "fit_text",
]

END_STATUSES: Final = ("finished", "failed", "killed", "crashed")
AFTER_END: Final = frozenset({"run.resume", "tags", "notes", "run.rename", "run.delete",
                              "run.restore"})  # fmt: skip
"""What a finished run still accepts: annotations, and a resume that opens it again."""
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


Check = Callable[[Any, str, EventLimits], None]
"""Checks a value found at a field (named for messages); raises InvalidValueError."""


def _text(value: Any, field: str, limits: EventLimits) -> None:
    if not isinstance(value, str):
        raise refusal(field, value, "it must be text")


def _key(kind: str) -> Check:
    """A name as :func:`trackrecord.values.check_key` allows it."""

    def check(value: Any, field: str, limits: EventLimits) -> None:
        try:
            check_key(value, kind)
        except InvalidValueError as exc:
            raise InvalidValueError(f"{field}: {exc}") from None

    return check


def _format(test: Callable[[str], object], allowed: str) -> Check:
    """Text that *test* accepts (it returns false or raises InvalidValueError otherwise)."""

    def check(value: Any, field: str, limits: EventLimits) -> None:
        try:
            if isinstance(value, str) and test(value):
                return
        except InvalidValueError as exc:  # its message says what is allowed
            raise InvalidValueError(f"{field}: {exc}") from None
        raise refusal(field, value, allowed)

    return check


def _integer(low: int = INT64[0]) -> Check:
    def check(value: Any, field: str, limits: EventLimits) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise refusal(field, value, f"it must be a whole number >= {low}")

    return check


def _number(value: Any, field: str, limits: EventLimits) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise refusal(field, value, "it must be a number")


def _choice(*allowed: str) -> Check:
    def check(value: Any, field: str, limits: EventLimits) -> None:
        if not isinstance(value, str) or value not in allowed:
            raise refusal(field, value, f"it must be one of: {', '.join(allowed)}")

    return check


def _json_object(value: Any, field: str, limits: EventLimits) -> None:
    if not isinstance(value, Mapping):
        raise refusal(field, value, "it must be an object")


def _json_list(value: Any, field: str, limits: EventLimits) -> None:
    if not isinstance(value, (list, tuple)):
        raise refusal(field, value, "it must be a list")


def _list_of(item: Check, at_least: int = 0) -> Check:
    def check(value: Any, field: str, limits: EventLimits) -> None:
        _json_list(value, field, limits)
        if len(value) < at_least:
            raise InvalidValueError(f"{field}: give at least {at_least} item(s)")
        for index, element in enumerate(value):
            item(element, f"{field}[{index}]", limits)

    return check


def _record(required: Mapping[str, Check], optional: Mapping[str, Check] | None = None,
            extra: bool = False) -> Check:  # fmt: skip
    """An object with *required* fields, *optional* ones (absent or null) and, unless
    *extra*, nothing else."""
    maybe = dict(optional or {})
    known = ", ".join([*required, *(f"{k}?" for k in maybe)]) or "no fields"

    def check(value: Any, field: str, limits: EventLimits) -> None:
        _json_object(value, field, limits)
        holder = "the body" if field == "body" else field
        for name, test in required.items():
            if value.get(name) is None:
                raise InvalidValueError(
                    f"{join_field(field, name)} is missing; {holder} holds {known} (? optional)"
                )
            test(value[name], join_field(field, name), limits)
        for name, test in maybe.items():
            if value.get(name) is not None:
                test(value[name], join_field(field, name), limits)
        unknown = [k for k in value if k not in required and k not in maybe]
        if unknown and not extra:
            raise InvalidValueError(
                f"{holder} has an unknown field {unknown[0]!r}; it holds {known} (? optional)"
            )

    return check


def _line(value: Any, field: str, limits: EventLimits) -> None:
    if not (
        isinstance(value, (list, tuple)) and len(value) == 3
        and not isinstance(value[0], bool) and isinstance(value[0], int)
        and value[1] in ("stdout", "stderr") and isinstance(value[2], str)
    ):  # fmt: skip
        raise refusal(field, value, "a line is [time_ms, 'stdout' or 'stderr', text]")


def _flat_names(params: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The dotted names :func:`flatten_params` makes, each time it makes one."""
    for key, value in params.items():
        if isinstance(value, Mapping) and value:
            yield from _flat_names(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def _params(value: Any, field: str, limits: EventLimits) -> None:
    """Param values as :func:`flatten_params` takes them; no name given twice.

    A name given twice (``{"a.b": 1, "a": {"b": 2}}``) would depend on key order,
    which the stored (sorted) event does not keep: the views and ``verify`` could
    then disagree, so it is refused.
    """
    _json_object(value, field, limits)
    try:
        flat = flatten_params(value)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{field}: {exc}") from None
    names = list(_flat_names(value))
    if len(names) != len(flat):
        twice = next(n for i, n in enumerate(names) if n in names[:i])
        raise InvalidValueError(
            f"{field}: param {twice!r} is given twice (as a dotted name and nested); give it once"
        )
    if len(flat) > limits.keys_per_event:
        raise too_many(field, len(flat), "params", limits)
    for name, param in flat.items():
        size = len(canonical_json(param))
        if size > limits.value_bytes:
            raise InvalidValueError(
                f"{field}: param {name!r} is {size:,} bytes as JSON; the limit is "
                f"{limits.value_bytes:,} (--max-value-bytes). Log large values as artifacts"
            )


def _tags(value: Any, field: str, limits: EventLimits) -> None:
    """Tag values are text in the event, so the tags view holds exactly what it says."""
    _json_object(value, field, limits)
    for key, text in value.items():
        _key("tag")(key, field, limits)
        if not isinstance(text, str):
            raise refusal(
                f"{field}.{key}",
                text,
                "tag values are text (the SDK converts numbers: "
                "set_tags({'epochs': '3'}) is stored as '3'); send a string",
            )


_TEXT: Final[Check] = _text
_NAME: Final = _key("run name")
_DIGEST: Final = _format(check_digest, "it must be a SHA-256: 64 lowercase hex digits")
_PATH: Final = _format(check_artifact_path, "it must be a relative path such as 'plots/a.png'")
_COUNT: Final = _integer(0)
_FILE: Final = _record({"path": _PATH, "sha256": _DIGEST, "size": _COUNT, "media_type": _TEXT})
_MODEL_FILE: Final = _record({"path": _PATH, "sha256": _DIGEST, "size": _COUNT})
_GIT: Final = _record({}, {"commit": _TEXT, "branch": _TEXT}, extra=True)

BODIES: Final[Mapping[str, Check]] = {
    "run.start": _record(
        {"project": _key("project"), "name": _NAME},
        {"group": _TEXT, "parent": _format(is_run_id, "it must be a run id"), "notes": _TEXT,
         "user": _TEXT, "host": _TEXT, "config": _params, "tags": _tags},
    ),
    "run.resume": _record({}, {"user": _TEXT, "host": _TEXT, "pid": _integer()}),
    "run.end": _record({"status": _choice(*END_STATUSES)}, {"error": _json_object}),
    "environment": _record({}, {"git": _GIT}, extra=True),
    "console": _record({"lines": _list_of(_line)}),
    "params": _record({"params": _params}),
    "tags": _record({"tags": _tags}),
    "notes": _record({}, {"text": _TEXT}),
    "metrics": _record({}),
    "artifact": _record({"files": _list_of(_FILE, 1)}),
    "dataset": _record(
        {"name": _TEXT, "role": _TEXT, "digest": _TEXT, "kind": _TEXT},
        {"direction": _choice("input", "output"), "version": _TEXT, "uri": _TEXT,
         "size": _COUNT, "rows": _COUNT, "schema": _json_list, "profile": _json_object,
         "sources": _list_of(_json_object), "datasheet": _json_object, "description": _TEXT,
         "manifest": _record({"sha256": _DIGEST}, {"files": _COUNT})},
    ),
    "model": _record(
        {"name": _TEXT, "digest": _DIGEST, "flavor": _TEXT, "format": _TEXT, "path": _PATH,
         "files": _list_of(_MODEL_FILE, 1)},
        {"meta": _json_object},
    ),
    "criteria": _record(
        {"id": _TEXT, "criteria": _list_of(_json_object, 1)},
        {"supersedes": _TEXT, "reason": _TEXT, "actor": _TEXT},
    ),
    "evaluation": _record(
        {"id": _TEXT, "started_at": _integer(), "task": _TEXT, "n": _COUNT,
         "status": _TEXT, "metrics": _json_object, "result": _record(
             {"path": _PATH, "sha256": _DIGEST})},
        {"verdicts": _list_of(_json_object), "limitations": _list_of(_TEXT), "target": _TEXT,
         "dataset": _record({}, {"name": _TEXT, "digest": _TEXT}),
         "criteria": _record({"id": _TEXT}), "seed": _integer(), "n_resamples": _COUNT,
         "confidence": _number},
    ),
    "run.rename": _record({"name": _NAME}),
    "run.delete": _record({}),
    "run.restore": _record({}),
}  # fmt: skip
"""The shape of each event type's body (see the table above)."""


def check_body(type: str, body: Any, limits: EventLimits | None = None) -> None:
    """Raise :class:`InvalidValueError` unless *body* is a valid body of a *type* event.

    The message names the field and what is allowed (the event is named by
    :func:`check_event`, which calls this).
    """
    limits = limits or EventLimits()
    shape = BODIES.get(type)
    if shape is None:
        raise InvalidValueError(
            f"unknown event type {type!r}; known types: {', '.join(sorted(EVENT_TYPES))}"
        )
    check_limits(body, limits)
    shape(body, "body", limits)


def check_event(event: Event, limits: EventLimits | None = None) -> None:
    """Raise :class:`InvalidValueError` unless *event* is well formed: its envelope (run id,
    seq, time, hashes), its body (:func:`check_body`) and its points (metric keys).

    Chain links (``seq`` and ``prev`` against what is stored) and the hash are the
    store's to check; this needs nothing but the event.
    """
    limits = limits or EventLimits()
    where = f"event {event.seq!r} ({str(event.type)[:40]!r}) of run {str(event.run_id)[:40]!r}"
    try:
        _check_envelope(event)
        check_body(event.type, event.body, limits)
        _check_points(event, limits)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{where}: {exc}") from None


def _check_envelope(event: Event) -> None:
    if not isinstance(event.run_id, str) or not is_run_id(event.run_id):
        raise InvalidValueError("the run id must be 26 characters of lowercase base32")
    seq, time = event.seq, event.time
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= INT64[1]:
        raise InvalidValueError("seq must be a whole number from 1 (the run's first event)")
    if isinstance(time, bool) or not isinstance(time, int) or not 0 <= time <= INT64[1]:
        raise InvalidValueError("time must be milliseconds since 1970, a whole number >= 0")
    for name, digest in (("prev", event.prev), ("hash", event.hash)):
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise InvalidValueError(f"{name} must be a SHA-256 in lowercase hex")
    if not isinstance(event.type, str) or event.type not in EVENT_TYPES:
        return  # check_body names the known types
    if (event.type == "run.start") != (seq == 1):
        raise InvalidValueError(
            "a run.start must be event 1, and event 1 must be a run.start (a run starts "
            "once; continue a finished run with a run.resume)"
        )


def _check_points(event: Event, limits: EventLimits) -> None:
    if event.points and event.type != "metrics":
        raise InvalidValueError("only a metrics event carries metric points")
    if len(event.points) > limits.keys_per_event:
        raise too_many("points", len(event.points), "metric keys", limits)
    for key, points in event.points.items():
        check_key(key, "metric")
        if not len(points.steps) == len(points.values) == len(points.times):
            raise InvalidValueError(f"metric {key!r}: steps, values and times differ in length")


def check_events(events: Sequence[Event], limits: EventLimits | None = None) -> None:
    """:func:`check_event` for each of *events*: the store's and the server's first step."""
    for event in events:
        check_event(event, limits)


def check_sealed(event: Event, status: str | None) -> None:
    """Refuse *event* for a run whose stored status is *status*, if the run has ended.

    Raises :class:`ChainConflictError`: the event contradicts the run's state (resume
    the run first; a resume is accepted at any time).
    """
    if status is None or status == "running" or event.type in AFTER_END:
        return
    raise ChainConflictError(
        f"run {event.run_id} has ended ({status}), so event {event.seq} ({event.type}) is "
        f"refused: an ended run accepts only {', '.join(sorted(AFTER_END))}. Continue it "
        f"with trackrecord.init(resume={event.run_id!r}), or log to a new run"
    )
