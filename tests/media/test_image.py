"""to_png: arrays, tensors, Pillow images and matplotlib figures."""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np
import pytest
from PIL import Image

from trackrecord.errors import InvalidValueError
from trackrecord.media import PNG_SIGNATURE, to_png

matplotlib.use("Agg")


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


RNG = np.random.default_rng(11)


def test_chw_array_is_transposed_to_hwc() -> None:
    chw = RNG.integers(0, 256, (3, 5, 7), dtype=np.uint8)

    decoded = decode(to_png(chw))

    assert decoded.size == (7, 5)
    assert np.array_equal(np.asarray(decoded), chw.transpose(1, 2, 0))


def test_single_channel_chw_is_grayscale() -> None:
    chw = RNG.integers(0, 256, (1, 4, 6), dtype=np.uint8)

    decoded = decode(to_png(chw))

    assert decoded.mode == "L"
    assert np.array_equal(np.asarray(decoded), chw[0])


def test_hwc_array_is_kept_as_is() -> None:
    hwc = RNG.integers(0, 256, (4, 6, 3), dtype=np.uint8)

    assert np.array_equal(np.asarray(decode(to_png(hwc))), hwc)


class FakeTensor:
    """Quacks like a torch tensor on a GPU with autograd."""

    def __init__(self, array: np.ndarray, calls: list[str]) -> None:
        self.array, self.calls = array, calls

    def detach(self) -> FakeTensor:
        self.calls.append("detach")
        return self

    def cpu(self) -> FakeTensor:
        self.calls.append("cpu")
        return self

    def numpy(self) -> Any:
        if self.calls[-2:] != ["detach", "cpu"]:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad.")
        return self.array


def test_tensor_is_detached_moved_to_cpu_and_converted() -> None:
    calls: list[str] = []
    chw = RNG.random((3, 4, 5)).astype(np.float32)

    decoded = np.asarray(decode(to_png(FakeTensor(chw, calls))))

    assert calls == ["detach", "cpu"]
    assert np.array_equal(decoded, np.rint(chw.transpose(1, 2, 0) * 255).astype(np.uint8))


def test_tensor_that_cannot_become_numpy_says_how_to_fix() -> None:
    class BFloat16Tensor:
        def numpy(self) -> Any:
            raise TypeError("Got unsupported ScalarType BFloat16")

    with pytest.raises(InvalidValueError) as caught:
        to_png(BFloat16Tensor())

    assert "BFloat16" in str(caught.value)
    assert "tensor.float().numpy()" in str(caught.value)


def test_pil_image_is_saved_as_png_of_the_same_size_and_pixels() -> None:
    pixels = RNG.integers(0, 256, (7, 13, 3), dtype=np.uint8)

    decoded = decode(to_png(Image.fromarray(pixels)))

    assert decoded.size == (13, 7)
    assert np.array_equal(np.asarray(decoded), pixels)


def test_pil_image_in_a_mode_png_cannot_hold_is_converted() -> None:
    png = to_png(Image.new("CMYK", (5, 3), (0, 255, 255, 0)))

    decoded = decode(png)
    assert png.startswith(PNG_SIGNATURE)
    assert (decoded.mode, decoded.size) == ("RGB", (5, 3))
    assert decoded.getpixel((0, 0)) == (255, 0, 0)


def test_matplotlib_figure_is_rendered_to_png() -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1), dpi=50)
    figure.add_subplot().plot([0, 1], [1, 0])

    png = to_png(figure)

    assert png.startswith(PNG_SIGNATURE)
    decoded = decode(png)
    width, height = decoded.size
    assert decoded.mode == "RGBA"
    assert 50 <= width <= 150 and 25 <= height <= 100  # a 100x50 figure, cropped to its content


@pytest.mark.parametrize("value", ["cat.png", [[0, 1]], None])
def test_other_objects_are_rejected_listing_what_is_accepted(value: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        to_png(value)

    message = str(caught.value)
    assert type(value).__name__ in message
    assert "PIL.Image.Image" in message
    assert "matplotlib Figure" in message
    assert "numpy array" in message
