"""The media type (MIME type) recorded for an artifact, from its file name."""

from __future__ import annotations

import functools
import mimetypes
from pathlib import PurePath

__all__ = ["DEFAULT_MEDIA_TYPE", "media_type"]

DEFAULT_MEDIA_TYPE = "application/octet-stream"

# Checked before mimetypes: its tables lack most of these or vary by machine.
_KNOWN: dict[str, str] = {
    ".parquet": "application/vnd.apache.parquet",
    ".jsonl": "application/jsonl",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".md": "text/markdown",
    ".log": "text/plain",
    ".npy": "application/x-npy",
    ".npz": "application/x-npz",
    ".pt": DEFAULT_MEDIA_TYPE,
    ".pth": DEFAULT_MEDIA_TYPE,
    ".ckpt": DEFAULT_MEDIA_TYPE,
    ".safetensors": DEFAULT_MEDIA_TYPE,
    ".onnx": DEFAULT_MEDIA_TYPE,
    ".pkl": DEFAULT_MEDIA_TYPE,
    ".diff": "text/x-diff",
    ".patch": "text/x-diff",
    ".csv": "text/csv",
    ".json": "application/json",
    ".txt": "text/plain",
    ".png": "image/png",
}

# A compressed file (x.csv.gz) is stored as the compressed bytes, so its type
# is the compression's, not the inner file's.
_COMPRESSIONS: dict[str, str] = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
    "br": "application/x-brotli",
}


def media_type(name: str) -> str:
    """Return the media type for a file called *name*.

    Args:
        name: a file name or path; only its suffix matters (case-insensitive).

    Returns:
        The media type, ``application/octet-stream`` when unknown.

    Example::

        >>> media_type("predictions.parquet")
        'application/vnd.apache.parquet'
        >>> media_type("runs/7/notes.MD")
        'text/markdown'
    """
    suffix = PurePath(name).suffix.lower()
    if suffix in _KNOWN:
        return _KNOWN[suffix]
    guessed, encoding = _builtin_types().guess_type(PurePath(name).name, strict=False)
    if encoding is not None:
        return _COMPRESSIONS.get(encoding, DEFAULT_MEDIA_TYPE)
    return guessed or DEFAULT_MEDIA_TYPE


@functools.cache
def _builtin_types() -> mimetypes.MimeTypes:
    """Python's built-in table only, so every machine records the same type.

    ``mimetypes.MimeTypes()`` starts from the defaults shipped with Python and,
    unlike the module-level functions, does not merge ``/etc/mime.types``.
    """
    return mimetypes.MimeTypes()
