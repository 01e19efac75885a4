"""Describe a model's inputs and outputs (names, dtypes, shapes) as plain JSON.

A signature is ``{"inputs": [spec, ...], "outputs": [spec, ...]}`` where each
spec is ``{"name": str, "dtype": str | None, "shape": list[int] | None}``. The
first (batch) dimension of an example is written as ``-1`` because a model
takes any number of rows; ``dtype`` or ``shape`` is ``None`` where unknown.

Example::

    >>> import numpy as np
    >>> describe(np.zeros((3, 4), dtype="float32"), "x")
    [{'name': 'x', 'dtype': 'float32', 'shape': [-1, 4]}]
    >>> make_signature(describe([1.0, 2.0], "x"), [])
    {'inputs': [{'name': 'x', 'dtype': 'float64', 'shape': [-1]}], 'outputs': []}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import is_instance, type_name

__all__ = ["Signature", "TensorSpec", "describe", "make_signature", "tensor_spec"]

TensorSpec = dict[str, Any]
Signature = dict[str, Any]


def tensor_spec(name: str, dtype: str | None, shape: Sequence[int] | None) -> TensorSpec:
    """One named input or output; ``-1`` in *shape* is a dimension of any size.

    Example::

        >>> tensor_spec("x", "float32", (-1, 4))
        {'name': 'x', 'dtype': 'float32', 'shape': [-1, 4]}
    """
    return {
        "name": name,
        "dtype": dtype,
        "shape": None if shape is None else [int(d) for d in shape],
    }


def make_signature(inputs: list[TensorSpec], outputs: list[TensorSpec]) -> Signature:
    """The signature of a model with these *inputs* and *outputs*."""
    return {"inputs": list(inputs), "outputs": list(outputs)}


def describe(value: Any, name: str) -> list[TensorSpec]:
    """Specs of an example input or output, with the batch dimension as ``-1``.

    Args:
        value: a numpy array, a torch tensor, a pandas DataFrame (one spec per
            column) or Series, a dict of those (one spec per key), a tuple or
            list of arrays/tensors (one spec each, named ``name_0``, ``name_1``
            ...), or anything ``numpy.asarray`` accepts (nested lists, scalars).
        name: the name of a single spec.

    Raises:
        InvalidValueError: *value* is none of these.
    """
    if is_instance(value, "pandas", "DataFrame"):
        return [
            tensor_spec(str(column), str(dtype), [-1])
            for column, dtype in zip(value.columns, value.dtypes, strict=True)
        ]
    if is_instance(value, "pandas", "Series"):
        label = name if value.name is None else str(value.name)
        return [tensor_spec(label, str(value.dtype), [-1])]
    if is_instance(value, "torch", "Tensor"):
        return [tensor_spec(name, str(value.dtype).removeprefix("torch."), _batch(value.shape))]
    if isinstance(value, Mapping):
        return [spec for key, item in value.items() for spec in describe(item, str(key))]
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        return [spec for i, item in enumerate(value) for spec in describe(item, f"{name}_{i}")]
    return [_describe_array(value, name)]


def _describe_array(value: Any, name: str) -> TensorSpec:
    """A numpy array, or anything numpy can turn into one."""
    import numpy as np

    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"Cannot describe a {type_name(value)} as model input or output ({exc}). "
            "Pass input_example= as a numpy array, a torch tensor, a pandas DataFrame, "
            "or a dict or tuple of those."
        ) from exc
    if array.dtype == object:
        raise InvalidValueError(
            f"Cannot describe a {type_name(value)} of mixed or non-numeric items as model "
            "input or output. Pass input_example= as a numpy array, a torch tensor or a "
            "pandas DataFrame."
        )
    return tensor_spec(name, str(array.dtype), _batch(array.shape))


def _batch(shape: Sequence[int]) -> list[int]:
    """*shape* with its first (batch) dimension made ``-1``; a scalar keeps ``[]``."""
    dims = [int(d) for d in shape]
    return [-1, *dims[1:]] if dims else []
