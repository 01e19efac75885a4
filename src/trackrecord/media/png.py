"""A small PNG encoder built on numpy, zlib and struct only (no Pillow).

Pixels are written as one IDAT chunk, every row with filter type 0 (None),
which keeps the encoder short and exact; zlib does the compressing.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import type_name

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["PNG_SIGNATURE", "encode_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# channels -> PNG colour type (0 grayscale, 2 RGB, 6 RGBA)
_COLOR_TYPES = {1: 0, 3: 2, 4: 6}

_ALLOWED_SHAPES = "HxW (grayscale), HxWx1 (grayscale), HxWx3 (RGB) or HxWx4 (RGBA)"
_ALLOWED_DTYPES = "uint8, uint16, bool or float (values in [0, 1])"


def encode_png(array: npt.NDArray[np.generic]) -> bytes:
    """Encode an image array as PNG bytes.

    Args:
        array: pixels shaped HxW, HxWx1, HxWx3 (RGB) or HxWx4 (RGBA). ``uint8``
            is written as is, ``uint16`` as a 16-bit PNG, ``bool`` as 0/255, and
            floats in [0, 1] are scaled to 0..255 (rounded, clipped; NaN -> 0).

    Returns:
        The PNG file content.

    Raises:
        InvalidValueError: the array has another shape or dtype, or is empty.

    Example::

        >>> import numpy as np
        >>> encode_png(np.zeros((2, 3), dtype=np.uint8))[:8] == PNG_SIGNATURE
        True
    """
    import numpy as np

    if not isinstance(array, np.ndarray):
        raise InvalidValueError(
            f"encode_png() got a {type_name(array)}; it takes a numpy.ndarray "
            f"shaped {_ALLOWED_SHAPES}. Convert it first with numpy.asarray(...)."
        )
    pixels = _as_height_width_channels(array)
    samples, bit_depth = _to_samples(pixels)
    height, width, channels = samples.shape
    header = struct.pack(">IIBBBBB", width, height, bit_depth, _COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        [
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(_scanlines(samples), 6)),
            _chunk(b"IEND", b""),
        ]
    )


def _as_height_width_channels(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    """Return *array* as HxWxC with C in (1, 3, 4), or raise for other shapes."""
    shape = array.shape
    if not (len(shape) == 2 or (len(shape) == 3 and shape[2] in _COLOR_TYPES)):
        raise InvalidValueError(
            f"Cannot encode an image array of shape {shape} as PNG; the shape must be "
            f"{_ALLOWED_SHAPES}. Reshape it, e.g. array.transpose(1, 2, 0) for CxHxW data."
        )
    if shape[0] == 0 or shape[1] == 0:
        raise InvalidValueError(
            f"Cannot encode an empty image of shape {shape} as PNG; height and width "
            "must be at least 1. Check the array before logging it."
        )
    return array[:, :, None] if len(shape) == 2 else array


def _to_samples(pixels: npt.NDArray[np.generic]) -> tuple[npt.NDArray[np.generic], int]:
    """Convert *pixels* to the sample type written to the file and its bit depth."""
    import numpy as np

    dtype = pixels.dtype
    if dtype.kind == "u" and dtype.itemsize in (1, 2):  # uint8, uint16 of either byte order
        return pixels, 8 * dtype.itemsize
    if dtype == np.bool_:
        return pixels.astype(np.uint8) * np.uint8(255), 8
    if dtype.kind == "f":
        scaled = np.nan_to_num(pixels.astype(np.float64), nan=0.0, posinf=1.0, neginf=0.0) * 255.0
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8), 8
    raise InvalidValueError(
        f"Cannot encode an image array of dtype {dtype} as PNG; the dtype must be "
        f"{_ALLOWED_DTYPES}. Convert it, e.g. array.astype(numpy.uint8) for values already "
        "in 0..255, or array / 255.0 to get floats in [0, 1]."
    )


def _scanlines(samples: npt.NDArray[np.generic]) -> bytes:
    """Lay out rows as PNG expects: a filter byte (0) then big-endian samples."""
    import numpy as np

    height = samples.shape[0]
    big_endian = samples.astype(">u2" if samples.dtype.itemsize == 2 else np.uint8)
    row_bytes = np.ascontiguousarray(big_endian).reshape(height, -1).view(np.uint8)
    filters = np.zeros((height, 1), dtype=np.uint8)
    return np.concatenate([filters, row_bytes], axis=1).tobytes()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk: length, type, payload and the CRC of type + payload."""
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)
