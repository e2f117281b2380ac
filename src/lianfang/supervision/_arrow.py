"""Arrow ⇄ NumPy through the buffers.

`pa.array(numpy)`, `pa.scalar`, Python scalars in `pyarrow.compute` calls and `to_numpy()` on
arrays with nulls or booleans go through PyArrow's pandas shim, which imports pandas (≈ 0.5 s of
CLI start-up) the first time. These helpers move data between PyArrow and NumPy via the raw
buffers instead, so the CSV → findings path never imports pandas (nor Polars).

Kernels are called through `pyarrow._compute.call_function` rather than `pyarrow.compute` (or the
Array methods `take`, `filter`, `cast`, `dictionary_encode`, which import it): importing
`pyarrow.compute` generates a Python wrapper with a docstring for every kernel, ≈ 70 ms of CLI
start-up; the kernels themselves are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from pyarrow import _compute as _pc


def call(name: str, *args: Any, options: Any = None) -> Any:
    """Run an Arrow compute kernel by name (same kernels as `pyarrow.compute.<name>`)."""
    return _pc.call_function(name, list(args), options)


def cast(arr: Any, typ: pa.DataType) -> Any:
    """Checked cast, as `pyarrow.compute.cast(arr, typ)`."""
    return call("cast", arr, options=_pc.CastOptions.safe(typ))


def dictionary_encode(arr: Any) -> Any:
    return call("dictionary_encode", arr)


def regex_match(arr: Any, pattern: str) -> Any:
    """`pyarrow.compute.match_substring_regex` (RE2 syntax)."""
    return call("match_substring_regex", arr, options=_pc.MatchSubstringOptions(pattern))


def index_in(arr: Any, value_set: Any) -> Any:
    return call("index_in", arr, options=_pc.SetLookupOptions(value_set))


def filter_mask(arr: Any, mask: np.ndarray) -> Any:
    """Rows where the NumPy bool `mask` is True."""
    return call("filter", arr, mask_array(mask))


def _bits(buf: Any, offset: int, n: int) -> np.ndarray:
    raw = np.frombuffer(buf, dtype=np.uint8, count=(offset + n + 7) // 8)
    return np.unpackbits(raw, bitorder="little", count=offset + n)[offset:].astype(bool)


def valid(arr: pa.Array) -> np.ndarray:
    """Validity as a NumPy bool array (True = not null)."""
    n = len(arr)
    buf = arr.buffers()[0]
    if buf is None or arr.null_count == 0:
        return np.ones(n, dtype=bool)
    return _bits(buf, arr.offset, n)


def bools(arr: pa.Array) -> np.ndarray:
    """A boolean array as NumPy (null = False)."""
    n = len(arr)
    out = _bits(arr.buffers()[1], arr.offset, n)
    if arr.null_count:
        out &= valid(arr)
    return out


def ints(arr: pa.Array, fill: int = 0, copy: bool = True) -> np.ndarray:
    """An integer/timestamp array as NumPy int64 (nulls → `fill`); `copy=False`: a read-only view when
    the array is already int64 without nulls."""
    typ = arr.type
    width = typ.bit_width // 8
    dt = np.dtype(f"i{width}")
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    out = np.frombuffer(arr.buffers()[1], dtype=dt, count=n, offset=arr.offset * width)
    if not copy and width == 8 and not arr.null_count:
        return out
    out = out.astype(np.int64)
    if arr.null_count:
        out[~valid(arr)] = fill
    return out


def floats(arr: pa.Array) -> np.ndarray:
    """A float64 array as NumPy (nulls → NaN)."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    out = np.frombuffer(arr.buffers()[1], dtype=np.float64, count=n, offset=arr.offset * 8).copy()
    if arr.null_count:
        out[~valid(arr)] = np.nan
    return out


def str_lengths(arr: pa.Array) -> np.ndarray:
    """Byte length of each string (nulls → -1)."""
    n = len(arr)
    odt = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.frombuffer(arr.buffers()[1], dtype=odt, count=n + 1, offset=arr.offset * np.dtype(odt).itemsize)
    out = np.diff(offs).astype(np.int64)
    if arr.null_count:
        out[~valid(arr)] = -1
    return out


def int_array(values: np.ndarray) -> pa.Array:
    """NumPy → Arrow int64 without the pandas shim."""
    v = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(v), [None, pa.py_buffer(v)])


def mask_array(values: np.ndarray) -> pa.Array:
    """NumPy bool → Arrow boolean without the pandas shim."""
    v = np.ascontiguousarray(values, dtype=bool)
    return pa.Array.from_buffers(pa.bool_(), len(v), [None, pa.py_buffer(np.packbits(v, bitorder="little"))])


def take(arr: pa.Array, rows: np.ndarray) -> pa.Array:
    return call("take", arr, int_array(rows))


def blank_to_null(arr: pa.Array) -> pa.Array:
    """Empty strings → null (strings only)."""
    ln = str_lengths(arr)
    empty = ln == 0
    if not empty.any():
        return arr
    keep = ln > 0
    return pa.Array.from_buffers(arr.type, len(arr), [pa.py_buffer(np.packbits(keep, bitorder="little")),
                                                      *arr.buffers()[1:]], offset=0) \
        if arr.offset == 0 else take_valid(arr, keep)


def take_valid(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    """Null out the rows where `keep` is False (general path)."""
    idx = np.arange(len(arr), dtype=np.int64)
    nulls = pa.nulls(1, arr.type)
    both = pa.concat_arrays([arr, nulls])
    idx[~keep] = len(arr)
    return take(both, idx)


def take_list(col: Any, rows: np.ndarray) -> list[Any]:
    """Python values of `col` (Array or ChunkedArray) at `rows`, in that order.

    A chunked column is gathered chunk by chunk: `take` on a ChunkedArray concatenates the whole
    column first, which costs more than the few rows callers want.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if isinstance(col, pa.Array):
        return take(col, rows).to_pylist()
    chunks = [c for c in col.chunks if len(c)]
    if len(chunks) == 1:
        return take(chunks[0], rows).to_pylist()
    if not chunks or len(rows) == 0:
        return [] if len(rows) == 0 else take(col.combine_chunks(), rows).to_pylist()
    bounds = np.cumsum([0] + [len(c) for c in chunks])
    which = np.searchsorted(bounds, rows, side="right") - 1
    o = np.argsort(which, kind="stable")
    ws, rs = which[o], rows[o]
    cuts = np.flatnonzero(ws[1:] != ws[:-1]) + 1
    vals: list[Any] = []
    for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(rs)].tolist(), strict=True):
        ci = int(ws[a])
        vals += take(chunks[ci], rs[a:b] - bounds[ci]).to_pylist()
    back = np.empty(len(rows), dtype=np.int64)
    back[o] = np.arange(len(rows))
    return list(map(vals.__getitem__, back.tolist()))


def fixed_key(col: Any, rows_ok: np.ndarray | None = None, max_bits: int = 62) -> np.ndarray | None:
    """An exact integer per string for a text column whose values (at the `rows_ok` rows) all have
    the same byte length: the bytes that vary between rows, packed in mixed radix.

    Equal strings get equal keys and different strings different keys (same-length strings order
    like their bytes). Rows outside `rows_ok` get arbitrary values. None when the column does not
    qualify (nulls among the rows, several lengths, a key wider than `max_bits`).
    """
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    n = sum(len(c) for c in chunks)
    width = None
    mats: list[tuple[int, np.ndarray]] = []
    pos = 0
    for ch in chunks:
        k = len(ch)
        if k == 0:
            continue
        typ = ch.type
        if pa.types.is_string(typ) or pa.types.is_binary(typ):
            odt: Any = np.int32
        elif pa.types.is_large_string(typ) or pa.types.is_large_binary(typ):
            odt = np.int64
        else:
            return None
        ok = rows_ok[pos:pos + k] if rows_ok is not None else None
        if ch.null_count:
            nn = valid(ch)
            if ok is None or (ok & ~nn).any():
                return None
        bufs = ch.buffers()
        offs = np.frombuffer(bufs[1], dtype=odt, count=k + 1, offset=ch.offset * np.dtype(odt).itemsize)
        lens = np.diff(offs)
        if ok is None:
            first = 0
        else:
            hit = np.flatnonzero(ok)
            if len(hit) == 0:
                pos += k
                continue
            first = int(hit[0])
        if width is None:
            width = int(lens[first])
            if not 0 < width <= 64:
                return None
        same = lens == width
        if not same.all():
            if ok is None or (ok & ~same).any():
                return None
            start = offs[:-1].astype(np.int64)
            start[~same] = start[first]  # rows not judged: a copy of a judged one (keeps the ranges tight)
            data = np.frombuffer(bufs[2], dtype=np.uint8)
            mat = data[start[:, None] + np.arange(width)]
        else:
            data = np.frombuffer(bufs[2], dtype=np.uint8, count=k * width, offset=int(offs[0]))
            mat = data.reshape(k, width)
        mats.append((pos, np.ascontiguousarray(mat.T)))  # byte j of every row: one contiguous row
        pos += k
    if width is None:
        return None
    lo = [255] * width
    hi = [0] * width
    for _, mt in mats:
        for j, (a, b) in enumerate(zip(mt.min(axis=1).tolist(), mt.max(axis=1).tolist(), strict=True)):
            lo[j] = min(lo[j], a)
            hi[j] = max(hi[j], b)
    cols = [j for j in range(width) if hi[j] > lo[j]]
    span = 1
    raw_max = base = 0  # Horner on the raw bytes, the offsets subtracted once at the end
    for j in cols:
        r = hi[j] - lo[j] + 1
        span *= r
        raw_max = raw_max * r + hi[j]
        base = base * r + lo[j]
    if span.bit_length() > max_bits:
        return None
    out = np.zeros(n, dtype=np.int64)
    acc_type = np.int32 if raw_max < 1 << 31 else np.int64 if raw_max < 1 << 63 else None
    for p, mt in mats:
        if acc_type is None:  # raw values too wide: offset each byte first
            key = out[p:p + mt.shape[1]]
            for j in cols:
                key *= hi[j] - lo[j] + 1
                key += mt[j] - np.uint8(lo[j])
            continue
        acc = np.zeros(mt.shape[1], dtype=acc_type)
        for j in cols:
            acc *= hi[j] - lo[j] + 1
            acc += mt[j]
        acc -= base
        out[p:p + mt.shape[1]] = acc
    return out
