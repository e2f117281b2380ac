"""Event logs: CSV, XES (IEEE 1849) and JSON lines into one validated table.

The table (a Polars DataFrame) has the core columns `event_id, case_id, power_code,
step_code, actor_id` (strings), `ts` (int64 microseconds since the epoch, UTC) and
`ts_text` is not kept. Any other column is an attribute (`amount`, `applicant_id`,
`supplier_id`, discretion attributes ...). Malformed rows are dropped and reported
as `Issue`s; they never stop the run.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .calendar import MAX_US, MIN_US
from .model import os_reason

if TYPE_CHECKING:  # polars is imported lazily: the CSV → batch path runs on PyArrow + NumPy only
    import polars as pl
    import pyarrow as pa

CORE = ("event_id", "case_id", "power_code", "step_code", "actor_id", "timestamp")
REQUIRED = ("event_id", "case_id", "power_code", "step_code", "timestamp")
# read as dictionary columns from CSV (few distinct values); case_id stays text: the batch engine packs
# fixed-length ids into integers itself, cheaper than the reader's per-block dictionaries
DICT_COLUMNS = ("power_code", "step_code", "actor_id")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
NUM_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_NUM = re.compile(NUM_RE)


class LogError(ValueError):
    """The event log cannot be read at all (missing file, no header, missing columns)."""


@dataclass(frozen=True, slots=True)
class Issue:
    record: int | None  # 1-based record number in the source (data rows; may be approximate for CSV)
    reason: str

    def __str__(self) -> str:
        return f"第 {self.record} 条记录：{self.reason}" if self.record is not None else self.reason


class Event:
    """One event, normalised. `ts` is microseconds since the epoch (UTC)."""

    __slots__ = ("event_id", "case_id", "power_code", "step_code", "actor_id", "ts", "attrs")

    def __init__(
        self,
        event_id: str,
        case_id: str,
        power_code: str | None,
        step_code: str,
        actor_id: str | None,
        ts: int,
        attrs: Mapping[str, Any] | None = None,
    ):
        self.event_id = event_id
        self.case_id = case_id
        self.power_code = power_code
        self.step_code = step_code
        self.actor_id = actor_id
        self.ts = ts
        self.attrs = dict(attrs) if attrs else {}

    def __repr__(self) -> str:
        return f"Event({self.event_id!r}, {self.case_id!r}, {self.step_code!r}, ts={self.ts})"


def parse_ts(value: Any, naive_offset_us: int = 8 * 3_600_000_000) -> int:
    """ISO 8601 text (or a datetime) to UTC microseconds. Naive times are taken in the calendar's zone."""
    if isinstance(value, dt.datetime):
        d = value
    else:
        d = dt.datetime.fromisoformat(str(value).strip())
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone(dt.timedelta(microseconds=naive_offset_us)))
    td = d - _EPOCH
    us = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    if not MIN_US <= us <= MAX_US:
        raise ValueError("时间超出支持范围")
    return us


def to_number(v: Any) -> float | None:
    """Attribute value as a number, or None. Same semantics as the batch engine's cast."""
    if type(v) is str:  # the common case first (CSV/JSON text)
        s = v.strip()
        return float(s) if _NUM.match(s) else None
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    s = str(v).strip()
    return float(s) if _NUM.match(s) else None


def to_ident(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    s = str(v)
    return s if s != "" else None


def event_from_mapping(rec: Mapping[str, Any], naive_offset_us: int = 8 * 3_600_000_000) -> Event:
    """Build an Event from a dict (a JSON line, a CSV row); raises ValueError with a Chinese reason."""
    vals = {}
    for k in REQUIRED:
        v = rec.get(k)
        if v is None or v == "":
            raise ValueError(f"缺少必填字段 {k}")
        vals[k] = v
    try:
        ts = parse_ts(vals["timestamp"], naive_offset_us)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"时间格式无效：{vals['timestamp']!r}") from exc
    attrs = {k: v for k, v in rec.items() if k not in CORE and k != "ts" and v is not None and v != ""}
    return Event(
        str(vals["event_id"]),
        str(vals["case_id"]),
        str(vals["power_code"]),
        str(vals["step_code"]),
        to_ident(rec.get("actor_id")),
        ts,
        attrs,
    )


class EventLog:
    """A validated event table plus the list of rejected records.

    The table is held as a Polars DataFrame (`df`) or a PyArrow Table (`table`, what the CSV reader
    produces); each view is built from the other on first access. The CSV reader keeps the table as
    parsed (rejected rows still in it, some columns dictionary-encoded) with a mask of the valid rows:
    the batch engine works on that directly (`arrow_rows`), and `table` makes the canonical table
    only when someone asks for it.
    """

    def __init__(self, df: pl.DataFrame | None = None, issues: list[Issue] | None = None, source: str = "",
                 table: pa.Table | None = None, keep: Any = None):
        if df is None and table is None:
            raise ValueError("EventLog needs a DataFrame or an Arrow table")
        self._df = df
        self._table = table
        self._keep = keep  # NumPy bool mask of the valid rows of `_table`, None = all valid
        self.issues: list[Issue] = issues if issues is not None else []
        self.source = source

    @property
    def df(self) -> pl.DataFrame:
        if self._df is None:
            import polars as pl

            df = pl.from_arrow(self.table)
            assert isinstance(df, pl.DataFrame)
            self._df = df
        return self._df

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            assert self._df is not None
            self._table = self._df.to_arrow()
        elif self._keep is not None or _has_dictionary(self._table):
            self._table = _canonical(self._table, self._keep)
            self._keep = None
        return self._table

    def arrow_rows(self) -> tuple[pa.Table, Any]:
        """(table, mask of the valid rows or None): the table as read, without filtering it."""
        if self._table is None:
            return self.table, None
        return self._table, self._keep

    @property
    def columns(self) -> list[str]:
        return list(self._df.columns) if self._df is not None else list(self._table.column_names)  # type: ignore

    @property
    def attributes(self) -> list[str]:
        return [c for c in self.columns if c not in ("event_id", "case_id", "power_code", "step_code",
                                                     "actor_id", "ts")]

    def __len__(self) -> int:
        if self._df is not None:
            return self._df.height
        return int(self._keep.sum()) if self._keep is not None else self._table.num_rows  # type: ignore[union-attr]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], naive_offset_us: int = 8 * 3_600_000_000,
                     source: str = "") -> EventLog:
        evs: list[Event] = []
        issues: list[Issue] = []
        for i, rec in enumerate(records, 1):
            if not isinstance(rec, Mapping):
                issues.append(Issue(i, "不是 JSON 对象"))
                continue
            try:
                evs.append(event_from_mapping(rec, naive_offset_us))
            except ValueError as exc:
                issues.append(Issue(i, str(exc)))
        return cls(events_to_frame(evs), issues, source)

    def events(self) -> Iterator[Event]:
        return iter_events(self.df)


def events_to_frame(evs: list[Event]) -> pl.DataFrame:
    import polars as pl

    cols: dict[str, list[Any]] = {k: [] for k in ("event_id", "case_id", "power_code", "step_code", "actor_id", "ts")}
    attr_names: list[str] = []
    seen: set[str] = set()
    for e in evs:
        for k in e.attrs:
            if k not in seen:
                seen.add(k)
                attr_names.append(k)
    attrs: dict[str, list[Any]] = {k: [] for k in attr_names}
    for e in evs:
        cols["event_id"].append(e.event_id)
        cols["case_id"].append(e.case_id)
        cols["power_code"].append(e.power_code)
        cols["step_code"].append(e.step_code)
        cols["actor_id"].append(e.actor_id)
        cols["ts"].append(e.ts)
        for k in attr_names:
            v = e.attrs.get(k)
            attrs[k].append(None if v is None else (v if isinstance(v, str) else json.dumps(v)
                                                    if isinstance(v, list | dict) else str(v)))
    schema = {k: pl.String for k in cols}
    schema["ts"] = pl.Int64
    df = pl.DataFrame(cols, schema=schema)
    if attr_names:
        df = df.with_columns(pl.Series(k, v, dtype=pl.String) for k, v in attrs.items())
    return df


def iter_events(df: pl.DataFrame) -> Iterator[Event]:
    core = ("event_id", "case_id", "power_code", "step_code", "actor_id", "ts")
    attr_names = [c for c in df.columns if c not in core]
    for row in df.iter_rows(named=True):
        attrs = {k: row[k] for k in attr_names if row[k] is not None and row[k] != ""}
        yield Event(row["event_id"], row["case_id"], row["power_code"], row["step_code"],
                    to_ident(row["actor_id"]), row["ts"], attrs)


# ---- readers ---------------------------------------------------------------------


def _finish_strings(df: pl.DataFrame, issues: list[Issue], naive_offset_us: int, rownum: pl.Series) -> pl.DataFrame:
    """Validate a table of string columns (incl. `timestamp`) into the canonical schema."""
    import polars as pl

    missing = [c for c in ("event_id", "case_id", "power_code", "step_code", "timestamp") if c not in df.columns]
    if missing:
        raise LogError(f"事件日志缺少必需列：{', '.join(missing)}")
    if "actor_id" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("actor_id"))
    req = [pl.col(c).is_null() | (pl.col(c) == "") for c in REQUIRED]
    bad_req = df.select(pl.any_horizontal(*req)).to_series()
    ts = _parse_ts_column(df["timestamp"], naive_offset_us)
    bad_ts = ts.is_null() & ~bad_req
    if bad_req.any() or bad_ts.any():
        sub = df.with_columns(_bad_req=bad_req, _bad_ts=bad_ts, _row=rownum).filter(
            pl.col("_bad_req") | pl.col("_bad_ts"))
        for row in sub.iter_rows(named=True):
            if row["_bad_req"]:
                miss = [c for c in REQUIRED if row[c] is None or row[c] == ""]
                issues.append(Issue(row["_row"], f"缺少必填字段 {', '.join(miss)}"))
            else:
                issues.append(Issue(row["_row"], f"时间格式无效：{row['timestamp']!r}"))
    keep = ~(bad_req | bad_ts)
    out = df.with_columns(ts=ts).drop("timestamp")
    if not keep.all():
        out = out.filter(keep)
    core = ["event_id", "case_id", "power_code", "step_code", "actor_id", "ts"]
    out = out.with_columns(
        pl.when(pl.col("actor_id") == "").then(None).otherwise(pl.col("actor_id")).alias("actor_id"))
    return out.select(core + [c for c in out.columns if c not in core])


ISO_RE = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:?\d\d)$"


def _parse_ts_column(s: pl.Series, naive_offset_us: int) -> pl.Series:
    """Arrow's ISO 8601 parser for text with an explicit offset; Python's fromisoformat for the rest.

    Both accept the same strings with an offset and give the same instant, so the result does not
    depend on which path a row took.
    """
    import polars as pl

    def py(values: list[Any]) -> list[int | None]:
        out: list[int | None] = []
        for v in values:
            try:
                out.append(None if v is None else parse_ts(v, naive_offset_us))
            except (ValueError, TypeError):
                out.append(None)
        return out

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a runtime dependency
        return pl.Series("ts", py(s.to_list()), dtype=pl.Int64)
    arr = s.to_arrow()
    target = pa.timestamp("us", tz="UTC")
    try:
        out = pl.Series("ts", pc.cast(arr, target)).dt.epoch("us")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        mask = pc.fill_null(pc.match_substring_regex(arr, ISO_RE), False)
        try:
            fast = pl.Series("ts", pc.cast(pc.filter(arr, mask), target)).dt.epoch("us")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pl.Series("ts", py(s.to_list()), dtype=pl.Int64)
        m = pl.Series(mask)
        rest = s.filter(~m)
        slow = pl.Series("ts", py(rest.to_list()), dtype=pl.Int64)
        idx_fast = pl.arg_where(m, eager=True)
        idx_slow = pl.arg_where(~m, eager=True)
        out = pl.Series("ts", [None] * s.len(), dtype=pl.Int64).scatter(idx_fast, fast).scatter(idx_slow, slow)
    bad = out.is_not_null() & ((out < MIN_US) | (out > MAX_US))
    if bad.any():
        out = pl.select(pl.when(bad).then(None).otherwise(out).alias("ts")).to_series()
    return out.rename("ts")


def _ts_chunk(arr: Any, naive_offset_us: int) -> tuple[Any, Any]:
    """One chunk of ISO-8601 text to (int64 µs array, valid mask) — NumPy arrays.

    Fast path: Arrow casts the whole chunk (every row has an explicit offset). Otherwise rows that
    look like ISO 8601 with an offset go through Arrow and the rest through Python's parser
    (`parse_ts`), exactly as the stream engine parses them; both give the same instant.
    """
    import numpy as np
    import pyarrow as pa

    from . import _arrow as A

    n = len(arr)
    target = pa.timestamp("us", tz="UTC")
    try:
        c = A.cast(A.cast(arr, target), pa.int64())
        return A.ints(c, copy=False), A.valid(c)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    m = A.bools(A.regex_match(arr, ISO_RE))
    vals = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    fast_idx = np.flatnonzero(m)
    slow_idx = np.flatnonzero(~m)
    try:
        fast = A.cast(A.cast(A.filter_mask(arr, m), target), pa.int64())
        vals[fast_idx] = A.ints(fast)
        ok[fast_idx] = A.valid(fast)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        slow_idx = np.arange(n)
    texts = A.take(arr, slow_idx).to_pylist() if len(slow_idx) else []
    for i, v in zip(slow_idx.tolist(), texts, strict=True):
        if v is None:
            continue
        try:
            vals[i] = parse_ts(v, naive_offset_us)
            ok[i] = True
        except (ValueError, TypeError):
            pass
    return vals, ok


def _has_dictionary(table: Any) -> bool:
    import pyarrow as pa

    return any(pa.types.is_dictionary(t) for t in table.schema.types)


def _canonical(table: Any, keep: Any) -> Any:
    """Valid rows only, dictionary columns as plain strings: the table users of `EventLog.table` expect."""
    import pyarrow as pa

    from . import _arrow as A

    if keep is not None:
        table = table.filter(A.mask_array(keep))
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


def _cells(table: Any, rows: Any, names: Iterable[str]) -> dict[str, list[Any]]:
    """Python values of a few rows of a chunked table (for messages about rejected rows)."""
    import numpy as np

    from . import _arrow as A

    if len(rows) > 1000:  # many rejected rows: one gather per column
        return {c: A.take(table.column(c), rows).to_pylist() for c in names}
    # a few rows: slice them out (a take would concatenate the whole column first)
    return {c: [table.column(c)[int(r)].as_py() for r in np.asarray(rows).tolist()] for c in names}


def _finish_arrow(table: Any, issues: list[Issue], naive_offset_us: int) -> tuple[Any, Any]:
    """Validate a CSV table (empty fields already null) into the canonical columns.

    Same rows as `_finish_strings` (the Polars path used for DataFrame input), without Polars.
    Returns the table *unfiltered* and the mask of its valid rows (None = all valid): filtering
    every column of a large log only to drop a few bad rows costs more than all the rules.
    """
    import numpy as np
    import pyarrow as pa

    from . import _arrow as A

    names = table.column_names
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise LogError(f"事件日志缺少必需列：{', '.join(missing)}")
    n = table.num_rows
    if "actor_id" not in names:
        table = table.append_column("actor_id", pa.nulls(n, pa.string()))
    bad_req = np.zeros(n, dtype=bool)
    for c in REQUIRED:
        col = table.column(c)
        if col.null_count:
            bad_req |= ~np.concatenate([A.valid(ch) for ch in col.chunks])
    ts = np.empty(n, dtype=np.int64)
    ok = np.empty(n, dtype=bool)
    pos = 0
    for ch in table.column("timestamp").chunks:
        v, good = _ts_chunk(ch, naive_offset_us)
        ts[pos:pos + len(ch)] = v
        ok[pos:pos + len(ch)] = good
        pos += len(ch)
    ok &= ts >= MIN_US
    ok &= ts <= MAX_US
    bad_ts = ~ok & ~bad_req
    keep = ~(bad_req | bad_ts)
    if keep.all():
        keep = None
    else:
        rows = np.flatnonzero(~keep)
        vals = _cells(table, rows, REQUIRED)
        for k, r in enumerate(rows.tolist()):
            if bad_req[r]:
                miss = [c for c in REQUIRED if vals[c][k] is None or vals[c][k] == ""]
                issues.append(Issue(r + 1, f"缺少必填字段 {', '.join(miss)}"))
            else:
                issues.append(Issue(r + 1, f"时间格式无效：{vals['timestamp'][k]!r}"))
        if keep.any():  # rejected rows get a valid time so they do not widen the batch's sort key
            ts[~keep] = ts.min(where=keep, initial=MAX_US)
    core = ["event_id", "case_id", "power_code", "step_code", "actor_id"]
    cols = [table.column(c) for c in core] + [A.int_array(ts)]
    out_names = core + ["ts"]
    for c in table.column_names:
        if c not in core and c not in ("timestamp", "ts"):
            cols.append(table.column(c))
            out_names.append(c)
    return pa.table(cols, names=out_names), keep


def read_csv(path: str | Path, naive_offset_us: int = 8 * 3_600_000_000) -> EventLog:
    import csv

    issues: list[Issue] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except OSError as exc:
        raise LogError(f"无法读取事件日志 {path}：{os_reason(exc)}") from exc
    except UnicodeDecodeError as exc:
        raise LogError(f"事件日志 {path} 不是 UTF-8 编码的 CSV") from exc
    if not header:
        raise LogError(f"事件日志 {path} 为空或没有表头")
    header = [h.strip() for h in header]
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def on_invalid(row: Any) -> str:
        num = row.number if row.number is not None and row.number >= 0 else None
        issues.append(Issue(num - 1 if num else None, f"列数不对（应为 {row.expected_columns} 列，实际 "
                                                      f"{row.actual_columns} 列）"))
        return "skip"

    # the code columns the batch engine groups by arrive dictionary-encoded: the reader's threads
    # encode block by block, so the engine only unifies the block dictionaries
    coded = pa.dictionary(pa.int32(), pa.string())
    types = {h: coded if h in DICT_COLUMNS else pa.string() for h in header}
    try:
        # multithreaded reader; every column is text and an empty field (quoted or not) is null,
        # which is what validation wants (required fields non-empty, actor/attributes "" = absent)
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, encoding="utf8",
                                           block_size=4 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types,
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True),
        )
    except Exception as exc:  # noqa: BLE001 - pyarrow raises a variety of errors for unreadable files
        raise LogError(f"无法解析 CSV 事件日志 {path}：{str(exc).splitlines()[0]}") from exc
    table, keep = _finish_arrow(table, issues, naive_offset_us)
    return EventLog(issues=issues, source=str(path), table=table, keep=keep)


def read_jsonl(path: str | Path, naive_offset_us: int = 8 * 3_600_000_000) -> EventLog:
    recs: list[Any] = []
    issues: list[Issue] = []
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise LogError(f"无法读取事件日志 {path}：{os_reason(exc)}") from exc
    with fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                recs.append((i, json.loads(line)))
            except json.JSONDecodeError as exc:
                issues.append(Issue(i, f"不是合法 JSON：{exc.msg}"))
    evs: list[Event] = []
    for i, rec in recs:
        if not isinstance(rec, Mapping):
            issues.append(Issue(i, "不是 JSON 对象"))
            continue
        try:
            evs.append(event_from_mapping(rec, naive_offset_us))
        except ValueError as exc:
            issues.append(Issue(i, str(exc)))
    return EventLog(events_to_frame(evs), issues, str(path))


_XES_VALUE_TAGS = {"string", "date", "int", "float", "boolean", "id"}


def read_xes(path: str | Path, naive_offset_us: int = 8 * 3_600_000_000) -> EventLog:
    """IEEE 1849 XES: trace concept:name = case, event concept:name = step, org:resource = actor."""
    try:
        from defusedxml.ElementTree import iterparse
    except ImportError:  # pragma: no cover - defusedxml is a project dependency
        from xml.etree.ElementTree import iterparse  # noqa: S405

    evs: list[Event] = []
    issues: list[Issue] = []

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def attrs_of(elem: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ch in elem:
            t = local(ch.tag)
            if t in _XES_VALUE_TAGS and "key" in ch.attrib:
                out[ch.attrib["key"]] = ch.attrib.get("value")
        return out

    n_event = 0
    try:
        trace_attrs: dict[str, Any] = {}
        pending: list[tuple[int, dict[str, Any]]] = []
        depth = 0
        for kind, elem in iterparse(str(path), events=("start", "end")):
            t = local(elem.tag)
            if kind == "start":
                if t == "trace":
                    pending = []
                    trace_attrs = {}
                depth += 1
                continue
            depth -= 1
            if t == "event":
                n_event += 1
                pending.append((n_event, attrs_of(elem)))
                elem.clear()
            elif t == "trace":
                trace_attrs = attrs_of(elem)
                case_id = trace_attrs.get("concept:name")
                for k, (num, a) in enumerate(pending):
                    rec = {
                        "event_id": a.get("identity:id") or a.get("event_id")
                        or (f"{case_id}#{k + 1}" if case_id else None),
                        "case_id": case_id,
                        "power_code": a.get("power_code") or trace_attrs.get("power_code"),
                        "step_code": a.get("concept:name"),
                        "actor_id": a.get("org:resource"),
                        "timestamp": a.get("time:timestamp"),
                    }
                    for key, v in a.items():
                        if key in ("concept:name", "org:resource", "time:timestamp", "lifecycle:transition",
                                   "identity:id", "power_code", "event_id"):
                            continue
                        rec[key] = v
                    for key, v in trace_attrs.items():
                        if key not in ("concept:name", "power_code") and key not in rec:
                            rec[key] = v
                    try:
                        evs.append(event_from_mapping(rec, naive_offset_us))
                    except ValueError as exc:
                        issues.append(Issue(num, f"事件 {exc}"))
                pending = []
                elem.clear()
    except OSError as exc:
        raise LogError(f"无法读取事件日志 {path}：{os_reason(exc)}") from exc
    except Exception as exc:  # noqa: BLE001 - ParseError and defusedxml's security errors
        raise LogError(f"XES 文件无法解析：{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    return EventLog(events_to_frame(evs), issues, str(path))


def read_events(path: str | Path, naive_offset_us: int = 8 * 3_600_000_000) -> EventLog:
    """Read an event log, choosing the format by extension, then by content."""
    p = Path(path)
    if not p.exists() or not p.is_file():
        raise LogError(f"事件日志不存在：{path}")
    ext = "".join(p.suffixes[-1:]).lower()
    if ext in (".csv", ".txt"):
        return read_csv(p, naive_offset_us)
    if ext == ".xes" or ext == ".xml":
        return read_xes(p, naive_offset_us)
    if ext in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(p, naive_offset_us)
    try:
        with open(p, "rb") as fh:
            head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise LogError(f"无法读取事件日志 {path}：{os_reason(exc)}") from exc
    if head.startswith(b"<"):
        return read_xes(p, naive_offset_us)
    if head.startswith(b"{"):
        return read_jsonl(p, naive_offset_us)
    return read_csv(p, naive_offset_us)


def as_event_log(events: Any, naive_offset_us: int = 8 * 3_600_000_000) -> EventLog:
    """Accept an EventLog, a path, a canonical DataFrame or an iterable of dicts/Events."""
    if isinstance(events, EventLog):
        return events
    if isinstance(events, str | Path):
        return read_events(events, naive_offset_us)
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(events, pl.DataFrame):
        if "ts" in events.columns and events.schema["ts"].is_integer():
            return EventLog(events)
        rownum = pl.int_range(1, events.height + 1, eager=True, dtype=pl.Int64)
        issues: list[Issue] = []
        df = events.with_columns(pl.col(c).cast(pl.String) for c in ("event_id", "case_id", "power_code",
                                                                      "step_code", "timestamp") if c in events.columns)
        return EventLog(_finish_strings(df, issues, naive_offset_us, rownum), issues)
    items = list(events)
    if items and all(isinstance(e, Event) for e in items):
        return EventLog(events_to_frame(items))
    return EventLog.from_records(items, naive_offset_us)
