"""Turn the image objects a training script holds into PNG bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, cast

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import is_instance, type_name
from trackrecord.media.png import encode_png

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["to_png"]

_ACCEPTED = (
    "a numpy array (HxW, HxWxC or CxHxW with C in 1, 3, 4), a PIL.Image.Image, "
    "a matplotlib Figure, or a tensor with .numpy() (torch, TensorFlow)"
)
_CHANNEL_COUNTS = (1, 3, 4)


def to_png(image: object) -> bytes:
    """Encode *image* as PNG bytes.

    Args:
        image: a numpy array (see :func:`~trackrecord.media.encode_png` for
            shapes and dtypes; CxHxW arrays are transposed to HxWxC), a
            ``PIL.Image.Image``, a matplotlib ``Figure`` (saved with
            ``bbox_inches="tight"``), or a tensor with ``.numpy()`` such as a
            torch tensor (detached and moved to the CPU first).

    Returns:
        The PNG file content.

    Raises:
        InvalidValueError: *image* is none of the accepted kinds, or its array
            has a shape or dtype PNG cannot hold.

    Example::

        >>> import numpy as np
        >>> to_png(np.ones((3, 8, 8), dtype=np.float32))[:4]
        b'\\x89PNG'
    """
    if is_instance(image, "PIL.Image", "Image"):
        return _pil_to_png(image)
    if is_instance(image, "matplotlib.figure", "Figure"):
        return _figure_to_png(image)
    return encode_png(_channels_last(_as_array(image)))


def _pil_to_png(image: Any) -> bytes:
    """Save a Pillow image as PNG, converting modes PNG cannot hold (CMYK, F, ...)."""
    buffer = io.BytesIO()
    try:
        image.save(buffer, format="PNG")
    except OSError:  # Pillow's "cannot write mode X as PNG"
        converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        buffer = io.BytesIO()
        converted.save(buffer, format="PNG")
    return buffer.getvalue()


def _figure_to_png(figure: Any) -> bytes:
    """Render a matplotlib figure to PNG, cropped to its drawn content."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _as_array(image: object) -> npt.NDArray[np.generic]:
    """Return *image* as a numpy array: itself, or a tensor converted on the CPU."""
    if is_instance(image, "numpy", "ndarray"):
        return cast("npt.NDArray[np.generic]", image)  # is_instance() cannot narrow
    if not hasattr(image, "numpy"):
        raise InvalidValueError(
            f"Cannot log a {type_name(image)} as an image; accepted are {_ACCEPTED}. "
            "Convert it to one of those first, e.g. numpy.asarray(image)."
        )
    value: Any = image
    for step in ("detach", "cpu"):  # torch: drop autograd, leave the GPU
        if hasattr(value, step):
            value = getattr(value, step)()
    try:
        array = value.numpy()
    except (TypeError, RuntimeError) as exc:  # e.g. torch bfloat16 has no numpy dtype
        raise InvalidValueError(
            f"Cannot convert the {type_name(image)} to a numpy array ({exc}); "
            "convert it yourself first, e.g. tensor.float().numpy()."
        ) from exc
    if not is_instance(array, "numpy", "ndarray"):
        raise InvalidValueError(
            f"{type_name(image)}.numpy() returned a {type_name(array)}, not a numpy array; "
            f"accepted are {_ACCEPTED}."
        )
    return cast("npt.NDArray[np.generic]", array)


def _channels_last(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    """Transpose CxHxW to HxWxC when only the first axis looks like channels."""
    shape = array.shape
    if len(shape) == 3 and shape[-1] not in _CHANNEL_COUNTS and shape[0] in _CHANNEL_COUNTS:
        channels_last: npt.NDArray[np.generic] = array.transpose(1, 2, 0)
        return channels_last
    return array
