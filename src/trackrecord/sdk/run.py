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

import contextlib
import dataclasses
import os
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

from trackrecord.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidValueError,
    StoreError,
    TrackRecordWarning,
)
from trackrecord.event_schema import check_body, fit_text
from trackrecord.sdk import files
from trackrecord.sdk.buffers import MetricBuffers
from trackrecord.sdk.ending import EndStatus, end_status
from trackrecord.values import flatten_params, local_user, normalise_tags

if TYPE_CHECKING:
    from trackrecord.data.datasheet import Datasheet
    from trackrecord.sdk.datasets import LoggedDataset
    from trackrecord.sdk.writer import Writer
    from trackrecord.store.catalog import LoggedModel
    from trackrecord.workspace import Workspace

__all__ = ["Run"]


class Identity(NamedTuple):
    """What names a run: its id, project, name, parent and notes."""

    run_id: str
    project: str
    name: str
    parent: str | None
    notes: str | None


class Recorder(Protocol):
    """Something that records alongside the run (system metrics, console) until stopped."""

    def stop(self) -> None:
        """Hand what is left to the writer and stop; never raises."""


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
        self._recorders: list[Recorder] = []
        self._queued_registrations = False
        self._finished_hooks: list[Callable[[Run], None]] = []

    def _submit(self, type: str, body: Mapping[str, Any]) -> None:
        """Queue an event whose body passes the one schema (:mod:`trackrecord.event_schema`),
        so that the store takes it; otherwise raise InvalidValueError here, at the call."""
        check_body(type, body)
        self._writer.submit(type, body)

    def _attach(self, recorder: Recorder) -> None:
        """Stop *recorder* when the run finishes, before its last events are written."""
        self._recorders.append(recorder)

    def _when_finished(self, hook: Callable[[Run], None]) -> None:
        """Call *hook* with the run when it finishes (the active stack forgets it so)."""
        self._finished_hooks.append(hook)

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
        self._ensure_running("log_params")
        flat = flatten_params(params)
        if flat:
            self._submit("params", {"params": flat})

    def set_tags(self, tags: Mapping[str, Any] | Iterable[str]) -> None:
        """Set tags: a dict of short strings, or a list of labels (stored with value "")."""
        self._ensure_running("set_tags")
        normalised = normalise_tags(tags)
        if normalised:
            self._submit("tags", {"tags": normalised})

    @property
    def notes(self) -> str | None:
        """Free text about the run; assigning it records a ``notes`` event."""
        return self._notes

    @notes.setter
    def notes(self, text: str | None) -> None:
        self._ensure_running("notes")
        if text is not None and not isinstance(text, str):
            raise InvalidValueError(f"notes must be a string, not a {type(text).__name__}")
        self._submit("notes", {"text": text})
        self._notes = text

    def _record_files(self, records: list[dict[str, Any]]) -> None:
        if records:
            self._submit("artifact", {"files": records})

    def log_artifact(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        """Store a file or a whole directory as artifacts of the run.

        The content is copied into the store (content-addressed, deduplicated)
        before this returns, so the file may change or go away afterwards.

        Args:
            path: a file or directory.
            name: its path inside the run (default: the file or directory name).
        """
        self._ensure_running("log_artifact")
        self._record_files(files.store_path(self.workspace, path, name))

    def log_text(self, name: str, text: str) -> None:
        """Store *text* as a UTF-8 artifact called *name* (e.g. ``"report.md"``)."""
        self._ensure_running("log_text")
        from trackrecord.media.text import encode_text

        self._record_files([files.store_bytes(self.workspace, name, encode_text(text))])

    def log_json(self, name: str, value: Any) -> None:
        """Store *value* as a deterministic JSON artifact called *name*."""
        self._ensure_running("log_json")
        from trackrecord.media.text import encode_json

        self._record_files(
            [files.store_bytes(self.workspace, name, encode_json(value), "application/json")]
        )

    def log_image(self, name: str, image: Any) -> None:
        """Store an image (numpy array, PIL image or matplotlib figure) as a PNG artifact.

        ``.png`` is appended to *name* when missing.
        """
        self._ensure_running("log_image")
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
        self._ensure_running("log_table")
        from trackrecord.media.table import encode_table

        table = encode_table(data, columns=columns, format=format)
        suffix = f".{table.extension}"
        name = name if name.endswith(suffix) else f"{name}{suffix}"
        self._record_files(
            [files.store_bytes(self.workspace, name, table.content, table.media_type)]
        )

    def log_dataset(
        self,
        data: Any,
        name: str,
        role: str = "train",
        *,
        source: str | None = None,
        version: str | None = None,
        description: str | None = None,
        datasheet: Datasheet | Mapping[str, Any] | None = None,
        produced: bool = False,
    ) -> LoggedDataset:
        """Record a dataset this run reads (or, with ``produced=True``, wrote).

        The content is hashed in full (SHA-256, streamed; no sampling) before this
        returns, so the record names exactly these bytes. Dataset names belong to the
        run's project: the same content logged by any run of the project is the same
        version of *name* there (another project's *name* is another dataset).

        Args:
            data: a file or directory path; a pandas/polars DataFrame, Arrow table,
                numpy array, or a dict/tuple of arrays; or a URI (``s3://...?versionId=``,
                ``lakefs://repo/commit/path``, ``hf://datasets/org/name@rev``) to record a
                reference only. ``None`` with *source* records a reference only.
            name: the dataset's name, such as ``"mnist"``.
            role: ``"train"``, ``"validation"``, ``"test"``, ``"reference"`` or another label.
            source: where the data comes from (a URI); DVC files, git-lfs pointers and
                known URI forms are also detected from *data* itself.
            version: your own version label (``"2024-06"``), kept beside the digest.
            description: free text.
            datasheet: a :class:`~trackrecord.data.datasheet.Datasheet` or a dict of its
                fields (origin, purpose, preparation, labelling, known_gaps, biases ...).
            produced: True when this run produced the data (a preprocessing step); the
                lineage graph then links it to the runs that read it.

        Returns:
            The logged version: its ``digest``, row count, schema, profile and sources.

        Example:
            >>> ds = run.log_dataset("data/train.csv", "churn", role="train")  # doctest: +SKIP
            >>> ds.digest  # doctest: +SKIP
            '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
        """
        self._ensure_running("log_dataset")
        from trackrecord.sdk.datasets import dataset_event

        body, files, result = dataset_event(
            self.workspace, data, name, role, produced, source, version, description, datasheet
        )
        self._record_files(files)
        self._submit("dataset", body)
        return dataclasses.replace(result, project=self.project)

    def log_model(
        self,
        model: Any,
        name: str,
        flavor: str | None = None,
        *,
        serialization: str | None = None,
        input_example: Any = None,
        register: str | None = None,
    ) -> LoggedModel:
        """Store a model with its digest, framework versions and signature.

        Args:
            model: a scikit-learn estimator, PyTorch module, ONNX model, XGBoost or
                LightGBM model, or a path to a model file or directory.
            name: its name in the run (``runs:/RUN_ID/NAME`` loads it back).
            flavor: ``sklearn``, ``pytorch``, ``onnx``, ``xgboost``, ``lightgbm`` or
                ``directory`` (default: detected from the model).
            serialization: the flavor's format: ``skops`` (default) or ``pickle`` for
                scikit-learn; ``state_dict`` (default) or ``torchscript`` for PyTorch.
            input_example: a small input, from which the signature is derived.
            register: also register it as a new version of this registered model
                (waits until the run's record is stored).

        Example:
            >>> run.log_model(clf, "classifier", register="churn-model")  # doctest: +SKIP
        """
        self._ensure_running("log_model")
        from trackrecord.sdk.models import model_event
        from trackrecord.store.catalog import LoggedModel

        body, records, _ = model_event(
            self.workspace, model, name, flavor, serialization, input_example
        )
        self._record_files(records)
        self._submit("model", body)
        logged = LoggedModel(
            self.id, name, body["digest"], body["flavor"], body["format"], body["path"],
            sum(f["size"] for f in body["files"]), body["files"], body["meta"], 0,
        )  # fmt: skip
        if register is not None:
            self._register(register, name)
        return logged

    def _register(self, model: str, run_model: str) -> None:
        """Register the logged model now, or queue it with the spool; warn, never raise."""
        from trackrecord.registrations import Registration, queue_registration, register_now

        request = Registration(model, self.id, run_model, local_user())
        why = "the run is offline"
        if self._writer.store is not None:
            why = "the store does not answer"
            if self.flush():
                try:
                    register_now(self._writer.store, request)
                except (StoreError, AuthenticationError) as exc:
                    why = f"the store does not answer ({exc})"
        if request.refused:
            _warn(
                f"log_model: the model is logged as {run_model!r} but not registered as "
                f"{model!r}, {request.outcome}; the run goes on. Register it later with: "
                f"{request.command()}"
            )
            return
        if request.outcome != "waiting":
            return
        directory = self._writer.spool.directory
        try:
            if directory is None:
                raise OSError("no spool directory can be written")
            queue_registration(directory, model, self.id, run_model, request.actor)
        except OSError as exc:
            _warn(
                f"log_model: the model is logged as {run_model!r} but not registered as "
                f"{model!r} ({why}), and the request cannot be kept ({exc}). Register it "
                f"later with: {request.command()}"
            )
            return
        self._queued_registrations = True
        _warn(
            f"log_model: the model is logged as {run_model!r}; registering it as {model!r} "
            f"waits because {why}. It is applied when the run's record reaches the store "
            f"(trackrecord sync sends it)."
        )

    def _apply_queued(self) -> None:
        """The run's record is stored: apply the registrations that waited for it."""
        from trackrecord.registrations import apply_registrations

        directory, store = self._writer.spool.directory, self._writer.store
        if directory is None or store is None:
            return
        for request in apply_registrations(directory, store):
            if request.refused:
                _warn(request.refusal())

    def _ensure_running(self, call: str) -> None:
        if self.status != "running":
            raise ConfigurationError(f"{call}(): {finished_message(self.id)}")

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything logged so far is in the store; True if it is."""
        return self._writer.flush(timeout)

    def finish(self, status: EndStatus = "finished", error: BaseException | None = None) -> None:
        """End the run: flush everything and record how it ended. Safe to call twice."""
        if self.status != "running" or os.getpid() != self._pid:
            return  # finished already, or a forked child that does not own the run
        self.status = status
        body: dict[str, Any] = {"status": status, "error": _describe(error)}
        for recorder in reversed(self._recorders):
            recorder.stop()
        for hook in self._finished_hooks:
            hook(self)
        self._buffers = _Finished(self.id)
        stored = self._writer.close(body)
        if stored and self._queued_registrations:
            self._apply_queued()
        self._writer.spool.close(delete=stored)
        self.workspace.close()
        summary = self._writer.summary()
        if summary is not None:  # what the store lacks, where it is, what is lost: said truly
            with contextlib.suppress(Warning):  # warnings made errors must not stop the program
                warnings.warn(summary, TrackRecordWarning, stacklevel=2)
        self._writer.raise_if_failed()

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(end_status(error), error)

    def __repr__(self) -> str:
        return f"<Run {self.id} {self.project}/{self.name} {self.status}>"


def _warn(message: str) -> None:
    with contextlib.suppress(Warning):  # warnings made errors must not stop the program
        warnings.warn(message, TrackRecordWarning, stacklevel=4)


def _describe(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return {  # fitted, so that the run's end is always stored (a message may be anything)
        "type": fit_text(type(error).__name__, 1000),
        "message": fit_text(str(error), 64 << 10),
        "traceback": fit_text(trace[-(64 << 10) :], 256 << 10),  # its end names the error
    }


class _Finished:
    """Stands in for the metric buffers once a run has finished."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def add(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        raise ConfigurationError(f"log(): {finished_message(self.run_id)}")


def finished_message(run_id: str) -> str:
    """Why a finished run takes no more logging, and what to do instead."""
    return (
        f"run {run_id} is finished, so nothing more can be logged to it; start a new run "
        f"with trackrecord.init(), or continue this one with "
        f"trackrecord.init(resume={run_id!r})"
    )
