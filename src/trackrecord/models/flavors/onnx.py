"""ONNX models: an ``onnx.ModelProto`` or the path of a ``.onnx`` file.

Loading returns the ``onnx.ModelProto``; ``session=True`` returns an
``onnxruntime.InferenceSession`` ready to run instead. Models that keep their
weights in external data files (over 2 GB) are not supported yet: save them
with ``onnx.save_model(..., save_as_external_data=True)`` into a folder and
log that folder with ``flavor="directory"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import is_instance
from trackrecord.models.flavors._flavor import FlavorResult, check_format, copy_file, require
from trackrecord.models.signature import Signature, TensorSpec, make_signature, tensor_spec

if TYPE_CHECKING:
    from trackrecord.models.manifest import SavedModel

__all__ = ["FORMATS", "LOAD_OPTIONS", "NAME", "accepts", "load", "save"]

NAME: str = "onnx"
FORMATS: tuple[str, ...] = ("onnx",)
LOAD_OPTIONS: tuple[str, ...] = ("session", "providers")
FILE = "model.onnx"


def accepts(model: object) -> bool:
    """An ``onnx.ModelProto``, or the path of a ``.onnx`` file."""
    if isinstance(model, Path):
        return model.suffix.lower() == ".onnx"
    return is_instance(model, "onnx", "ModelProto")


def save(
    model: Any, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """Write ``model.onnx``; the signature comes from the graph (*input_example* is not needed)."""
    check_format(NAME, FORMATS, serialization)
    onnx = require("onnx", "onnx", "Saving an ONNX model")
    if isinstance(model, Path):
        copy_file(model, directory, FILE)
        try:
            model = onnx.load(str(directory / FILE), load_external_data=False)
        except Exception as exc:  # protobuf's DecodeError and friends
            raise InvalidValueError(
                f"{model.name} is not a valid ONNX model ({exc}). Pass the path of a file "
                "written by onnx.save_model or torch.onnx.export."
            ) from exc
    else:
        onnx.save_model(model, str(directory / FILE))
    return FlavorResult(
        format="onnx",
        model_class=None,
        signature=graph_signature(model),
        packages=("onnx",),
    )


def load(directory: Path, manifest: SavedModel, **options: Any) -> Any:
    """The ``onnx.ModelProto``, or an ``onnxruntime.InferenceSession`` with ``session=True``.

    Args:
        session: return an ``onnxruntime.InferenceSession`` instead.
        providers: the session's execution providers; ``["CPUExecutionProvider"]``
            by default.
    """
    path = str(directory / FILE)
    if options.get("session"):
        ort = require("onnxruntime", "onnxruntime", "Running an ONNX model")
        providers = options.get("providers") or ["CPUExecutionProvider"]
        return ort.InferenceSession(path, providers=providers)
    return require("onnx", "onnx", "Loading an ONNX model").load(path)


def graph_signature(model: Any) -> Signature:
    """Inputs (without initializers) and outputs of an ONNX graph; symbolic dims are ``-1``."""
    graph = model.graph
    weights = {init.name for init in graph.initializer}
    inputs = [_spec(value) for value in graph.input if value.name not in weights]
    return make_signature(inputs, [_spec(value) for value in graph.output])


def _spec(value: Any) -> TensorSpec:
    onnx = require("onnx", "onnx", "Reading an ONNX graph")
    kind = value.type.WhichOneof("value")
    if kind != "tensor_type":
        return tensor_spec(value.name, kind, None)
    tensor = value.type.tensor_type
    dtype = (
        str(onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type)) if tensor.elem_type else None
    )
    if not tensor.HasField("shape"):
        return tensor_spec(value.name, dtype, None)
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim]
    return tensor_spec(value.name, dtype, dims)
