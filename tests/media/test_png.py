"""encode_png: decoded by Pillow (an independent reader) to the same pixels."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from trackrecord.errors import InvalidValueError
from trackrecord.media import PNG_SIGNATURE, encode_png


def decode(png: bytes) -> tuple[str, np.ndarray]:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return image.mode, np.asarray(image)


def chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, payload, stored crc) for every chunk after the signature."""
    found, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        payload = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        found.append((kind, payload, crc))
        offset += 12 + length
    return found


RNG = np.random.default_rng(7)


def test_chunks_are_ihdr_idat_iend_with_correct_crcs() -> None:
    png = encode_png(RNG.integers(0, 256, (5, 9, 3), dtype=np.uint8))

    assert png.startswith(PNG_SIGNATURE)
    found = chunks(png)
    assert [kind for kind, _, _ in found] == [b"IHDR", b"IDAT", b"IEND"]
    for kind, payload, crc in found:
        assert zlib.crc32(kind + payload) == crc
    assert struct.unpack(">IIBBBBB", found[0][1]) == (9, 5, 8, 2, 0, 0, 0)


def test_every_row_starts_with_filter_byte_zero() -> None:
    pixels = RNG.integers(0, 256, (4, 6), dtype=np.uint8)
    idat = chunks(encode_png(pixels))[1][1]

    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(4, 7)
    assert (rows[:, 0] == 0).all()
    assert np.array_equal(rows[:, 1:], pixels)


@pytest.mark.parametrize(
    ("shape", "mode"),
    [((6, 10), "L"), ((6, 10, 1), "L"), ((6, 10, 3), "RGB"), ((6, 10, 4), "RGBA")],
)
def test_uint8_pixels_round_trip(shape: tuple[int, ...], mode: str) -> None:
    pixels = RNG.integers(0, 256, shape, dtype=np.uint8)

    decoded_mode, decoded = decode(encode_png(pixels))

    assert decoded_mode == mode
    assert np.array_equal(decoded, pixels.reshape(decoded.shape))


def test_uint16_grayscale_is_a_16_bit_png() -> None:
    pixels = RNG.integers(0, 65536, (5, 8), dtype=np.uint16)
    png = encode_png(pixels)

    mode, decoded = decode(png)
    assert chunks(png)[0][1][8] == 16  # bit depth in IHDR
    assert mode.startswith("I")
    assert np.array_equal(decoded.astype(np.int64), pixels.astype(np.int64))


@pytest.mark.parametrize("byte_order", ["<u2", ">u2"])
def test_uint16_rgb_samples_are_written_big_endian(byte_order: str) -> None:
    pixels = RNG.integers(0, 65536, (3, 4, 3), dtype=np.uint16)
    png = encode_png(pixels.astype(byte_order))

    raw = np.frombuffer(zlib.decompress(chunks(png)[1][1]), dtype=np.uint8).reshape(3, -1)
    samples = raw[:, 1:].copy().view(">u2").reshape(3, 4, 3)
    assert np.array_equal(samples, pixels)
    _, decoded = decode(png)  # Pillow reads 16-bit RGB as its high bytes
    assert np.array_equal(decoded, (pixels >> 8).astype(np.uint8))


def test_bool_is_black_and_white() -> None:
    pixels = np.array([[True, False], [False, True]])

    _, decoded = decode(encode_png(pixels))

    assert decoded.tolist() == [[255, 0], [0, 255]]


def test_floats_are_scaled_rounded_clipped_and_nan_is_zero() -> None:
    pixels = np.array([[0.0, 1.0, 0.5, -0.2, 1.7, np.nan, 0.002, 0.998, np.inf]])

    _, decoded = decode(encode_png(pixels.astype(np.float32)))

    assert decoded.tolist() == [[0, 255, 128, 0, 255, 0, 1, 254, 255]]


@pytest.mark.parametrize("shape", [(4,), (2, 3, 2), (2, 3, 5), (1, 2, 3, 3)])
def test_bad_shape_says_what_was_given_and_allowed(shape: tuple[int, ...]) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_png(np.zeros(shape, dtype=np.uint8))

    message = str(caught.value)
    assert str(shape) in message
    assert "HxWx3 (RGB)" in message
    assert "transpose" in message


def test_empty_image_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match=r"empty image of shape \(0, 4\)"):
        encode_png(np.zeros((0, 4), dtype=np.uint8))


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint32, np.complex64, object])
def test_bad_dtype_says_what_was_given_and_how_to_fix(dtype: type) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_png(np.zeros((2, 2), dtype=dtype))

    message = str(caught.value)
    assert str(np.dtype(dtype)) in message
    assert "uint8, uint16, bool or float" in message
    assert "astype(numpy.uint8)" in message


def test_non_array_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match=r"got a list; it takes a numpy.ndarray"):
        encode_png([[0, 1]])  # type: ignore[arg-type]
