"""PyTorch modules, as a state dict (default) or as TorchScript.

A state dict holds only tensors and is loaded with ``weights_only=True``, so
it runs no code; load it into a module of the recorded class with
``load_model_dir(directory, model=MyNet())``. TorchScript keeps the code of
the module too, and needs no class to load (PyTorch 2.9+ warns that it is
deprecated in favour of ``torch.export``).
"""

from __future__ import annotations

import inspect
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import is_instance, type_name
from trackrecord.models.flavors._flavor import (
    FlavorResult,
    check_format,
    class_path,
    copy_file,
    require,
    run_example,
)
from trackrecord.models.signature import Signature, TensorSpec, describe, make_signature

if TYPE_CHECKING:
    from trackrecord.models.manifest import SavedModel

__all__ = ["FORMATS", "LOAD_OPTIONS", "NAME", "accepts", "load", "save"]

NAME: str = "pytorch"
FORMATS: tuple[str, ...] = ("state_dict", "torchscript")
LOAD_OPTIONS: tuple[str, ...] = ("model", "map_location")
FILE = "model.pt"
TORCHSCRIPT_RISK = (
    "torchscript: the file holds model code that runs when the model is called; "
    "load only models whose digest you trust"
)


def accepts(model: object) -> bool:
    """A ``torch.nn.Module``, or the path of a ``.pt``/``.pth`` file."""
    if isinstance(model, Path):
        return model.suffix.lower() in (".pt", ".pth")
    return is_instance(model, "torch.nn", "Module")


def save(
    model: Any, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """Write ``model.pt``: ``torch.save(model.state_dict())`` or ``torch.jit.save``."""
    if isinstance(model, Path):
        return _save_file(model, directory, serialization)
    torch = require("torch", "torch", "Saving a PyTorch model")
    scripted = is_instance(model, "torch.jit", "ScriptModule")
    fmt = check_format(NAME, FORMATS, serialization or ("torchscript" if scripted else None))
    if fmt == "state_dict":
        torch.save(model.state_dict(), directory / FILE)
    else:
        program = model if scripted else _script(torch, model, input_example)
        torch.jit.save(program, str(directory / FILE))
    return FlavorResult(
        format=fmt,
        model_class=class_path(model),
        signature=_signature(torch, model, input_example),
        risks=(TORCHSCRIPT_RISK,) if fmt == "torchscript" else (),
        packages=("torch",),
    )


def load(directory: Path, manifest: SavedModel, **options: Any) -> Any:
    """A TorchScript module, or the state dict (loaded into ``model=`` when given).

    Args:
        model: for a state dict, a module of the saved class to load it into;
            that module is returned.
        map_location: where to put the tensors; ``"cpu"`` by default.
    """
    torch = require("torch", "torch", "Loading a PyTorch model")
    location = options.get("map_location") or "cpu"
    path = directory / FILE
    if manifest.format == "torchscript":
        return torch.jit.load(str(path), map_location=location)
    state = torch.load(path, map_location=location, weights_only=True)
    target = options.get("model")
    if target is None:
        return state
    target.load_state_dict(state)
    return target


def _script(torch: Any, model: Any, example: Any) -> Any:
    """``torch.jit.script``, or ``torch.jit.trace`` on *example* where scripting fails."""
    try:
        return torch.jit.script(model)
    except Exception as exc:  # scripting fails on Python it cannot compile, in many ways
        if example is None:
            raise InvalidValueError(
                f"torch.jit.script could not compile {type_name(model)}: {exc}. Pass "
                "input_example= to trace it instead, or use serialization='state_dict'."
            ) from exc
    example = _as_tensors(torch, example)
    if isinstance(example, dict):
        return torch.jit.trace(model, example_kwarg_inputs=example)
    return torch.jit.trace(model, example)


def _as_tensors(torch: Any, example: Any) -> Any:
    """numpy arrays (in a dict or tuple too) as tensors, so a numpy example works as well."""
    if type(example).__module__ == "numpy":
        return torch.from_numpy(example)
    if isinstance(example, dict):
        return {k: _as_tensors(torch, v) for k, v in example.items()}
    if isinstance(example, tuple):
        return tuple(_as_tensors(torch, v) for v in example)
    return example


def _signature(torch: Any, model: Any, example: Any) -> Signature | None:
    """Inputs named after ``forward``'s parameters; outputs from running it once."""
    if example is None:
        return None
    example = _as_tensors(torch, example)
    inputs = _inputs(model, example)
    was_training = model.training
    model.eval()  # so that dropout and batch-norm statistics stay as they are
    try:
        with torch.no_grad():
            if isinstance(example, dict):
                output = run_example(lambda kw: model(**kw), example, "the module")
            elif isinstance(example, tuple):
                output = run_example(lambda args: model(*args), example, "the module")
            else:
                output = run_example(model, example, "the module")
    finally:
        model.train(was_training)
    return make_signature(inputs, describe(output, "output"))


def _inputs(model: Any, example: Any) -> list[TensorSpec]:
    if isinstance(example, dict):
        return describe(example, "input")
    try:
        names = [
            p.name
            for p in inspect.signature(model.forward).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # a compiled or built-in forward
        names = []
    args = example if isinstance(example, tuple) else (example,)
    specs: list[TensorSpec] = []
    for i, arg in enumerate(args):
        specs += describe(arg, names[i] if i < len(names) else f"input_{i}")
    return specs


def _save_file(source: Path, directory: Path, serialization: str | None) -> FlavorResult:
    """A file written by ``torch.save`` (a state dict) or ``torch.jit.save``."""
    fmt = "torchscript" if _is_torchscript(source) else "state_dict"
    if serialization not in (None, fmt):
        raise InvalidValueError(
            f"{source.name} holds a {fmt}, not {serialization!r}. "
            "Pass serialization=None for a model file, or the module itself to convert it."
        )
    copy_file(source, directory, FILE)
    return FlavorResult(
        format=fmt,
        risks=(TORCHSCRIPT_RISK,) if fmt == "torchscript" else (),
        packages=("torch",),
    )


def _is_torchscript(path: Path) -> bool:
    """Whether *path* is a TorchScript archive (it holds compiled code) rather than tensors."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(
            "/code/" in name or name.endswith("constants.pkl") for name in archive.namelist()
        )
