"""The Run: what training code holds and logs to.

Example:
    >>> import trackrecord, tempfile
    >>> with trackrecord.init("demo", dir=tempfile.mkdtemp(), capture=False) as run:
    ...     run.log_params({"optimizer": {"lr": 0.01}})
    ...     for step in range(3):
    ...         run.log({"loss": 1.0 / (step + 1)})
    >>> run.status
    'finished'
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from trackrecord.errors import ConfigurationError, InvalidValueError
from trackrecord.sdk import files
from trackrecord.sdk.buffers import MetricBuffers
from trackrecord.values import flatten_params, normalise_tags

if TYPE_CHECKING:
    from trackrecord.sdk.writer import Writer
    from trackrecord.workspace import Workspace

__all__ = ["Run"]

EndStatus = Literal["finished", "failed", "killed"]


class Identity(NamedTuple):
    """What names a run: its id, project, name, parent and notes."""

    run_id: str
    project: str
    name: str
    parent: str | None
    notes: str | None


class Run:
    """A run being recorded. Made by :func:`trackrecord.init`; not constructed directly.

    Logging calls return at once: values are checked at the call site (an
    invalid one raises :class:`~trackrecord.errors.InvalidValueError` and records
    nothing), then a background thread chains, spools and stores them.
    """

    def __init__(
        self, identity: Identity, workspace: Workspace, writer: Writer, buffers: MetricBuffers
    ) -> None:
        self.id = identity.run_id
        self.project = identity.project
        self.name = identity.name
        self.parent = identity.parent
        self.workspace = workspace
        self.status = "running"
        self._writer = writer
        self._buffers: MetricBuffers | _Finished = buffers
        self._notes = identity.notes
        self._pid = os.getpid()

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Record metric values at *step* (default: one more than the largest step so far).

        Args:
            metrics: metric names to numbers (int, float, bool, numpy or 0-d tensor
                scalars). NaN and ±inf are stored as logged.
            step: an int; omit it to count up automatically.

        Raises:
            InvalidValueError: a value is not a number or a key is not a valid name.

        Example:
            >>> run.log({"loss": 0.25, "acc": 0.9}, step=10)  # doctest: +SKIP
        """
        self._buffers.add(metrics, step)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record hyperparameters; nested dicts are flattened as ``optimizer.lr``.

        Values keep their JSON type (int, float, bool, str, None, lists).

        Example:
            >>> run.log_params({"optimizer": {"name": "adam", "lr": 3e-4}})  # doctest: +SKIP
        """
        flat = flatten_params(params)
        if flat:
            self._writer.submit("params", {"params": flat})

    def set_tags(self, tags: Mapping[str, Any] | Iterable[str]) -> None:
        """Set tags: a dict of short strings, or a list of labels (stored with value "")."""
        normalised = normalise_tags(tags)
        if normalised:
            self._writer.submit("tags", {"tags": normalised})

    @property
    def notes(self) -> str | None:
        """Free text about the run; assigning it records a ``notes`` event."""
        return self._notes

    @notes.setter
    def notes(self, text: str | None) -> None:
        if text is not None and not isinstance(text, str):
            raise InvalidValueError(f"notes must be a string, not a {type(text).__name__}")
        self._notes = text
        self._writer.submit("notes", {"text": text})

    def _record_files(self, records: list[dict[str, Any]]) -> None:
        if records:
            self._writer.submit("artifact", {"files": records})

    def log_artifact(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        """Store a file or a whole directory as artifacts of the run.

        The content is copied into the store (content-addressed, deduplicated)
        before this returns, so the file may change or go away afterwards.

        Args:
            path: a file or directory.
            name: its path inside the run (default: the file or directory name).
        """
        self._record_files(files.store_path(self.workspace, path, name))

    def log_text(self, name: str, text: str) -> None:
        """Store *text* as a UTF-8 artifact called *name* (e.g. ``"report.md"``)."""
        from trackrecord.media.text import encode_text

        self._record_files([files.store_bytes(self.workspace, name, encode_text(text))])

    def log_json(self, name: str, value: Any) -> None:
        """Store *value* as a deterministic JSON artifact called *name*."""
        from trackrecord.media.text import encode_json

        self._record_files(
            [files.store_bytes(self.workspace, name, encode_json(value), "application/json")]
        )

    def log_image(self, name: str, image: Any) -> None:
        """Store an image (numpy array, PIL image or matplotlib figure) as a PNG artifact.

        ``.png`` is appended to *name* when missing.
        """
        from trackrecord.media.image import to_png

        name = name if name.lower().endswith(".png") else f"{name}.png"
        self._record_files([files.store_bytes(self.workspace, name, to_png(image), "image/png")])

    def log_table(
        self,
        name: str,
        data: Any,
        columns: list[str] | None = None,
        format: Literal["parquet", "csv"] | None = None,
    ) -> None:
        """Store a table (pandas/polars DataFrame, Arrow table, list of dicts or rows).

        Written as Parquet when pyarrow is installed, else CSV (or as *format*
        says); the extension is appended to *name* when missing.
        """
        from trackrecord.media.table import encode_table

        table = encode_table(data, columns=columns, format=format)
        suffix = f".{table.extension}"
        name = name if name.endswith(suffix) else f"{name}{suffix}"
        self._record_files(
            [files.store_bytes(self.workspace, name, table.content, table.media_type)]
        )

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything logged so far is in the store; True if it is."""
        return self._writer.flush(timeout)

    def finish(self, status: EndStatus = "finished", error: BaseException | None = None) -> None:
        """End the run: flush everything and record how it ended. Safe to call twice."""
        if self.status != "running" or os.getpid() != self._pid:
            return  # finished already, or a forked child that does not own the run
        from trackrecord.sdk import active

        self.status = status
        body: dict[str, Any] = {"status": status, "error": _describe(error)}
        active.forget(self)
        self._buffers = _Finished(self.id)
        stored = self._writer.close(body)
        self._writer.spool.close(delete=stored)
        self.workspace.close()
        self._writer.raise_if_failed()

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from trackrecord.sdk.active import end_status

        self.finish(end_status(error), error)

    def __repr__(self) -> str:
        return f"<Run {self.id} {self.project}/{self.name} {self.status}>"


def _describe(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "type": type(error).__name__,
        "message": str(error),
        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    }


class _Finished:
    """Stands in for the metric buffers once a run has finished."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def add(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        raise ConfigurationError(
            f"run {self.run_id} is finished; start a new run with trackrecord.init(), or "
            f"continue this one with trackrecord.init(resume={self.run_id!r})"
        )
