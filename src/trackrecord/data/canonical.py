"""Canonical digests of in-memory data: tables (pandas, polars, Arrow) and numpy arrays.

A digest depends only on the content (column names, logical types, values and row
order; or an array's dtype, shape and values), never on memory layout, chunking,
byte order, the process or the library version. Encoding v1, all integers unsigned
64-bit little-endian (``u64``), ``lp(b)`` = ``u64(len(b)) + b``, ``H`` = SHA-256:

**Table** (pandas and polars frames are first converted to Arrow; a pandas index
that is not the default ``RangeIndex(0..n)`` becomes leading columns, named as
pyarrow names them; pandas treats ``NaN`` in a float column as missing, so it is a
null here, while polars and Arrow keep ``NaN`` as a value)::

    H("trackrecord-table-v1\\n" u64(rows) u64(columns)
      for each column in order: lp(UTF-8 name) lp(type) column-digest)

**Column** (a node; nested types have child nodes)::

    column-digest = H(lp(type) u64(length) u64(nulls) H(validity) H(lengths) H(values)
                      child-digests...)

* *type* is the logical type: ``string``/``large_string``/``string_view`` are all
  ``string``; likewise ``binary``; ``list``/``large_list`` are ``list<T>``;
  dictionaries (categoricals) are their value type; ``double`` is ``float64``,
  ``float`` ``float32``, ``halffloat`` ``float16``; any other type is as pyarrow
  prints it (``int64``, ``bool``, ``timestamp[ns, tz=UTC]``, ``decimal128(10, 2)``),
  so ``timestamp[ns]`` and ``timestamp[us]`` differ.
* *validity*: one byte per value, 1 if present, 0 if null.
* fixed-width values (ints, floats, temporal, decimals): the little-endian bytes
  of each value, zeros for a null; every NaN is the one quiet NaN. Booleans: one
  byte 0/1 per value (0 for a null).
* strings and binary: *lengths* is ``u64`` per value (0 for a null), *values* the
  bytes of the non-null values, concatenated (never the bytes in a null's slot).
* lists: *lengths* as for strings, one child node over the items of the non-null
  lists; structs: one child node per field (a null struct makes its fields null).

**numpy array**::

    H("trackrecord-ndarray-v1\\n" lp(dtype) u64(ndim) u64(dim)... values)

with *dtype* the little-endian ``dtype.str`` (``<f8``, ``|b1``, ``<U5``,
``<M8[ns]``; structured: its ``descr``) and *values* the elements in C order,
little-endian, NaNs canonical; so a Fortran-ordered or big-endian copy has the same
digest. An object array is converted by Arrow; dtype is then ``object:<type>`` and
*values* the column digest.

**Several arrays** (a tuple/list, or a dict sorted by key)::

    H("trackrecord-arrays-v1\\n" kind u64(count) for each: lp(name) member-digest)

with *kind* ``b"tuple\\n"`` (names ``"0"``, ``"1"``...) or ``b"dict\\n"``, and
member digests as raw 32 bytes.

Example:
    >>> import numpy as np
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> ndarray_digest(a) == ndarray_digest(np.asfortranarray(a))
    True
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import numpy as np

from trackrecord.data.frames import pyarrow_module as _pyarrow
from trackrecord.data.frames import to_arrow_table
from trackrecord.errors import InvalidValueError

__all__ = [
    "arrays_digest",
    "logical_type",
    "ndarray_digest",
    "table_digest",
]

TABLE_HEADER: Final = b"trackrecord-table-v1\n"
ARRAY_HEADER: Final = b"trackrecord-ndarray-v1\n"
ARRAYS_HEADER: Final = b"trackrecord-arrays-v1\n"
BLOCK_BYTES: Final = 8 << 20
_ONES: Final = b"\x01" * (1 << 20)
_FLOATS: Final = {"double": "float64", "float": "float32", "halffloat": "float16"}


def _u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def _lp(data: bytes) -> bytes:
    return _u64(len(data)) + data


def logical_type(arrow_type: Any) -> str:
    """The canonical name of an Arrow type (see the module docstring).

    Example:
        >>> import pyarrow as pa
        >>> logical_type(pa.dictionary(pa.int32(), pa.large_string()))
        'string'
    """
    pa = _pyarrow()
    t, types = arrow_type, pa.types
    if types.is_dictionary(t):
        return logical_type(t.value_type)
    if isinstance(t, pa.ExtensionType):
        return logical_type(t.storage_type)
    if types.is_string(t) or types.is_large_string(t) or _is(types, "is_string_view", t):
        return "string"
    if types.is_binary(t) or types.is_large_binary(t) or _is(types, "is_binary_view", t):
        return "binary"
    if types.is_fixed_size_list(t):
        return f"fixed_size_list<{logical_type(t.value_type)}>[{t.list_size}]"
    if types.is_list(t) or types.is_large_list(t):
        return f"list<{logical_type(t.value_type)}>"
    if types.is_struct(t):
        fields = (t.field(i) for i in range(t.num_fields))
        return "struct<" + ", ".join(f"{f.name!r}: {logical_type(f.type)}" for f in fields) + ">"
    name = str(t)
    return _FLOATS.get(name, name)


def _is(types: Any, name: str, arrow_type: Any) -> bool:
    test = getattr(types, name, None)  # absent in older pyarrow
    return bool(test(arrow_type)) if test is not None else False


class _ColumnHasher:
    """Feeds the chunks of one column (or nested child) into its streams, in row order."""

    def __init__(self, arrow_type: Any) -> None:
        pa = self._pa = _pyarrow()
        self.type_name = logical_type(arrow_type)
        self.length = self.nulls = 0
        self.validity, self.lengths, self.values = (hashlib.sha256() for _ in range(3))
        t = _storage_type(pa, arrow_type)
        self.children: list[_ColumnHasher] = []
        if pa.types.is_struct(t):
            self.children = [_ColumnHasher(t.field(i).type) for i in range(t.num_fields)]
        elif _is_list(pa, t):
            self.children = [_ColumnHasher(t.value_type)]
        elif not (_is_bytes(pa, t) or pa.types.is_null(t) or pa.types.is_boolean(t)):
            try:
                t.bit_width  # noqa: B018 - raises for types with no fixed width
            except ValueError:
                raise InvalidValueError(
                    f"cannot digest a column of type {t}; supported are numbers, booleans, "
                    "strings, binary, temporal, decimal, lists and structs. Convert the "
                    "column (for example to strings) before logging it"
                ) from None

    def feed(self, array: Any) -> None:
        pa, n = self._pa, len(array)
        array = _decoded(pa, array)
        self.length += n
        self.nulls += array.null_count
        valid = None if array.null_count == 0 else _valid_mask(array)
        self._feed_validity(n, valid)
        t = array.type
        if pa.types.is_struct(t):
            for child, field in zip(self.children, array.flatten(), strict=True):
                child.feed(field)
        elif _is_list(pa, t):
            self._feed_lengths(pa.compute.list_value_length(array))
            self.children[0].feed(array.flatten())
        elif _is_bytes(pa, t):
            self._feed_bytes(array, valid)
        elif pa.types.is_boolean(t):
            bits = pa.compute.fill_null(array, False).to_numpy(zero_copy_only=False)
            self.values.update(bits.view(np.uint8).data)
        elif not pa.types.is_null(t):
            self.values.update(_fixed_width_bytes(pa, array, valid).data)

    def _feed_validity(self, n: int, valid: np.ndarray[Any, Any] | None) -> None:
        if valid is not None:
            self.validity.update(valid.view(np.uint8).data)
            return
        while n > 0:
            self.validity.update(_ONES[: min(n, len(_ONES))])
            n -= len(_ONES)

    def _feed_lengths(self, lengths: Any) -> None:
        values = lengths.fill_null(0).to_numpy(zero_copy_only=False).astype("<u8")
        self.lengths.update(values.data)

    def _feed_bytes(self, array: Any, valid: np.ndarray[Any, Any] | None) -> None:
        pa = self._pa
        if not (pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)):
            wide = pa.large_binary() if _is_binary(pa, array.type) else pa.large_string()
            array = array.cast(wide)
        self._feed_lengths(pa.compute.binary_length(array))
        if valid is not None:
            array = array.drop_null()  # rebuilt, so no bytes of null slots remain
        offsets_buffer, data_buffer = array.buffers()[1:3]
        if data_buffer is None or len(array) == 0:
            return
        offsets = np.frombuffer(offsets_buffer, dtype="<i8")
        start, stop = offsets[array.offset], offsets[array.offset + len(array)]
        self.values.update(memoryview(data_buffer)[start:stop])

    def digest(self) -> bytes:
        """The column digest, 32 raw bytes."""
        digest = hashlib.sha256(_lp(self.type_name.encode()))
        digest.update(_u64(self.length) + _u64(self.nulls))
        for stream in (self.validity, self.lengths, self.values):
            digest.update(stream.digest())
        for child in self.children:
            digest.update(child.digest())
        return digest.digest()


def _storage_type(pa: Any, t: Any) -> Any:
    while True:
        if pa.types.is_dictionary(t):
            t = t.value_type
        elif isinstance(t, pa.ExtensionType):
            t = t.storage_type
        else:
            return t


def _decoded(pa: Any, array: Any) -> Any:
    while True:
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        elif isinstance(array.type, pa.ExtensionType):
            array = array.storage
        else:
            return array


def _is_list(pa: Any, t: Any) -> bool:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def _is_binary(pa: Any, t: Any) -> bool:
    return bool(pa.types.is_binary(t) or pa.types.is_large_binary(t)) or _is(
        pa.types, "is_binary_view", t
    )


def _is_bytes(pa: Any, t: Any) -> bool:
    strings = pa.types.is_string(t) or pa.types.is_large_string(t)
    return bool(strings) or _is(pa.types, "is_string_view", t) or _is_binary(pa, t)


def _valid_mask(array: Any) -> np.ndarray[Any, Any]:
    mask: np.ndarray[Any, Any] = array.is_valid().to_numpy(zero_copy_only=False)
    return mask


def _fixed_width_bytes(pa: Any, array: Any, valid: np.ndarray[Any, Any] | None) -> Any:
    """The values' little-endian bytes, one row per value: nulls zeroed, NaNs canonical."""
    width = array.type.bit_width // 8
    raw = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    rows = raw[array.offset * width : (array.offset + len(array)) * width].reshape(-1, width)
    if valid is not None:
        rows = rows.copy()
        rows[~valid] = 0
    if pa.types.is_floating(array.type):
        rows = _canonical_nans(rows.view(f"<f{width}")).view(np.uint8)
    return np.ascontiguousarray(rows).reshape(-1)


def _canonical_nans(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    nans = np.isnan(values)
    if nans.any():
        values = values.copy()
        values[nans] = np.nan
    return values


def table_digest(table: Any) -> str:
    """The canonical SHA-256 of a ``pyarrow.Table`` (see the module docstring).

    Example:
        >>> import pyarrow as pa
        >>> a = pa.table({"x": [1, 2, 3]})
        >>> b = pa.concat_tables([a.slice(0, 1), a.slice(1)])  # other chunks
        >>> table_digest(a) == table_digest(b)
        True
    """
    digest = hashlib.sha256(TABLE_HEADER + _u64(table.num_rows) + _u64(table.num_columns))
    for name, column in zip(table.column_names, table.columns, strict=True):
        hasher = _ColumnHasher(column.type)
        for chunk in column.chunks:
            hasher.feed(chunk)
        digest.update(_lp(str(name).encode("utf-8", "surrogatepass")))
        digest.update(_lp(hasher.type_name.encode()) + hasher.digest())
    return digest.hexdigest()


def ndarray_digest(array: np.ndarray[Any, Any]) -> str:
    """The canonical SHA-256 of a numpy array: dtype, shape and values in C order."""
    return _ndarray_digest(array).hex()


def _ndarray_digest(array: np.ndarray[Any, Any]) -> bytes:
    if array.dtype.hasobject:
        return _object_array_digest(array)
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    dtype = dtype.newbyteorder("<") if dtype.byteorder == "=" else dtype
    name = repr(dtype.descr) if dtype.names else dtype.str
    digest = hashlib.sha256(ARRAY_HEADER + _lp(name.encode()) + _u64(array.ndim))
    for dim in array.shape:
        digest.update(_u64(dim))
    flat = array.reshape(1) if array.ndim == 0 else array
    row_bytes = max(1, flat[:1].nbytes)
    step = max(1, BLOCK_BYTES // row_bytes)
    floating = dtype.kind in "fc"
    for start in range(0, flat.shape[0], step):
        block = np.ascontiguousarray(flat[start : start + step], dtype=dtype)
        if floating:
            real = block.view(f"<f{dtype.itemsize // 2}") if dtype.kind == "c" else block
            block = _canonical_nans(real)
        digest.update(block.reshape(-1).view(np.uint8).data)
    return digest.digest()


def _object_array_digest(array: np.ndarray[Any, Any]) -> bytes:
    pa = _pyarrow()
    try:
        column = pa.array(array.reshape(-1, order="C"), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidValueError(
            f"cannot digest an object array whose items are of mixed kinds ({exc}); "
            "convert it first, for example with array.astype(str) or array.astype(float)"
        ) from None
    hasher = _ColumnHasher(column.type)
    hasher.feed(column)
    digest = hashlib.sha256(ARRAY_HEADER + _lp(f"object:{hasher.type_name}".encode()))
    digest.update(_u64(array.ndim) + b"".join(_u64(dim) for dim in array.shape))
    digest.update(hasher.digest())
    return digest.digest()


def member_digest(value: Any) -> bytes:
    """The raw digest of one member of several arrays: a numpy array or a table."""
    if isinstance(value, np.ndarray):
        return _ndarray_digest(value)
    table = to_arrow_table(value)
    if table is None:
        raise InvalidValueError(
            f"cannot digest a {type(value).__name__} inside a tuple or dict; its members "
            "must be numpy arrays or tables (pandas, polars, Arrow)"
        )
    return bytes.fromhex(table_digest(table))


def arrays_digest(arrays: Mapping[str, Any] | Sequence[Any]) -> str:
    """The canonical SHA-256 of several arrays: ``(X, y)`` or ``{"X": X, "y": y}``.

    Example:
        >>> import numpy as np
        >>> X, y = np.zeros((2, 2)), np.ones(2)
        >>> arrays_digest({"y": y, "X": X}) == arrays_digest({"X": X, "y": y})
        True
    """
    members: Iterable[tuple[str, Any]]
    if isinstance(arrays, Mapping):
        kind, members = b"dict\n", sorted(arrays.items())
    else:
        kind, members = b"tuple\n", ((str(i), value) for i, value in enumerate(arrays))
    digest = hashlib.sha256(ARRAYS_HEADER + kind + _u64(len(arrays)))
    for name, value in members:
        digest.update(_lp(name.encode("utf-8", "surrogatepass")) + member_digest(value))
    return digest.hexdigest()
