"""NVIDIA GPUs, read through NVML with ``ctypes`` so that no package is needed.

NVML ships with the NVIDIA driver; on a machine without it there are no GPUs to
report and :func:`gpu_info` returns ``[]`` without a word.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["LIBRARY_NAMES", "NvmlError", "gpu_info"]

if sys.platform == "win32":
    LIBRARY_NAMES: tuple[str, ...] = (
        "nvml.dll",  # in System32 since driver 418
        r"C:\Program Files\NVIDIA Corporation\NVSMI\nvml.dll",
    )
else:
    LIBRARY_NAMES = ("libnvidia-ml.so.1",)

_BUFFER_SIZE = 96  # NVML_DEVICE_NAME_V2_BUFFER_SIZE, the largest string NVML returns here


class _Memory(ctypes.Structure):
    """``nvmlMemory_t``."""

    _fields_ = [
        ("total", ctypes.c_ulonglong),
        ("free", ctypes.c_ulonglong),
        ("used", ctypes.c_ulonglong),
    ]


class NvmlError(Exception):
    """An NVML call returned an error code; the message is NVML's own text."""


def gpu_info(library_names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One entry per GPU: index, name, uuid, total memory, driver and CUDA versions.

    *library_names* are tried in turn, :data:`LIBRARY_NAMES` by default; when none
    can be loaded (no NVIDIA driver) the answer is ``[]``.
    Raises :class:`NvmlError` when the library is there but NVML fails::

        >>> gpu_info()  # doctest: +SKIP
        [{'index': 0, 'name': 'NVIDIA H100 80GB HBM3', 'uuid': 'GPU-5e1c...',
          'memory_total_bytes': 85520809984, 'driver_version': '550.54.15',
          'cuda_driver_version': '12.4'}]
    """
    nvml = _load(LIBRARY_NAMES if library_names is None else library_names)
    if nvml is None:
        return []
    nvml.nvmlErrorString.restype = ctypes.c_char_p
    _check(nvml, nvml.nvmlInit_v2())
    try:
        shared = {
            "driver_version": _read_string(nvml, nvml.nvmlSystemGetDriverVersion),
            "cuda_driver_version": _cuda_driver_version(nvml),
        }
        count = ctypes.c_uint()
        _check(nvml, nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)))
        return [{**_device(nvml, index), **shared} for index in range(count.value)]
    finally:
        nvml.nvmlShutdown()


def _load(library_names: Sequence[str]) -> ctypes.CDLL | None:
    for name in library_names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _device(nvml: ctypes.CDLL, index: int) -> dict[str, Any]:
    """What NVML says about GPU *index*; a GPU that fails reports its error instead."""
    try:
        handle = ctypes.c_void_p()
        _check(nvml, nvml.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(index), ctypes.byref(handle)))
        memory = _Memory()
        _check(nvml, nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)))
        return {
            "index": index,
            "name": _read_string(nvml, nvml.nvmlDeviceGetName, handle),
            "uuid": _read_string(nvml, nvml.nvmlDeviceGetUUID, handle),
            "memory_total_bytes": int(memory.total),
        }
    except NvmlError as exc:  # e.g. a GPU that fell off the bus; the others still count
        return {"index": index, "error": str(exc)}


def _cuda_driver_version(nvml: ctypes.CDLL) -> str | None:
    """The newest CUDA version the driver supports, as ``"12.4"``."""
    version = ctypes.c_int()
    try:
        _check(nvml, nvml.nvmlSystemGetCudaDriverVersion(ctypes.byref(version)))
    except (AttributeError, NvmlError):  # drivers older than CUDA 10 lack the call
        return None
    return f"{version.value // 1000}.{version.value % 1000 // 10}"


def _read_string(nvml: ctypes.CDLL, function: Callable[..., int], *args: object) -> str:
    buffer = ctypes.create_string_buffer(_BUFFER_SIZE)
    _check(nvml, function(*args, buffer, ctypes.c_uint(_BUFFER_SIZE)))
    return buffer.value.decode("utf-8", errors="replace")


def _check(nvml: ctypes.CDLL, code: int) -> None:
    if code != 0:  # NVML_SUCCESS
        text = nvml.nvmlErrorString(code)
        reason = text.decode("utf-8", errors="replace") if text else "unknown error"
        raise NvmlError(f"NVML error {code}: {reason}")
