"""Turn what a training script holds in memory into artifact bytes.

``run.log_image``, ``run.log_table``, ``run.log_text`` and ``run.log_json``
call these; the media type they return is recorded with the artifact.
Importing this package loads no numpy, pandas, pyarrow, Pillow or
matplotlib: each is imported only when an object of its kind is encoded.

Example::

    >>> from trackrecord.media import encode_json, media_type
    >>> encode_json({"lr": 0.1})
    b'{\\n  "lr": 0.1\\n}\\n'
    >>> media_type("confusion.png")
    'image/png'
"""

from __future__ import annotations

from trackrecord.media.image import to_png
from trackrecord.media.png import PNG_SIGNATURE, encode_png
from trackrecord.media.table import EncodedTable, TableFormat, encode_table
from trackrecord.media.text import encode_json, encode_text
from trackrecord.media.types import DEFAULT_MEDIA_TYPE, media_type

__all__ = [
    "DEFAULT_MEDIA_TYPE",
    "PNG_SIGNATURE",
    "EncodedTable",
    "TableFormat",
    "encode_json",
    "encode_png",
    "encode_table",
    "encode_text",
    "media_type",
    "to_png",
]
