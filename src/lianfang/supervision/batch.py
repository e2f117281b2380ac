"""Batch engine: every rule over a whole event log at once, vectorised with NumPy/Polars.

Semantics are defined by the per-event rules in stream.py (`SupervisionStream._apply`) and the
per-case function `volatile_findings`; this module computes the same thing column-wise. The
property tests in tests/supervision check that both agree on random logs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from . import _arrow as A
from .calendar import FIRST_DAY, WorkCalendar, resolve_calendar
from .events import EventLog, as_event_log, parse_ts, to_ident
from .findings import Finding, escalate, make, sort_key
from .model import DAY_US, HOUR_US, FlowSet, load_flows
from .patterns import period_label, split_flags
from .stream import PER_EVENT_RULES, _fmt, volatile_findings

BIG = np.iinfo(np.int64).max
#: logs with at least this many events run the pattern rules in a second thread (see `_Batch.run`)
_THREAD_MIN_ROWS = 200_000


class _Ev:
    __slots__ = ("event_id", "ts")

    def __init__(self, event_id: str, ts: int):
        self.event_id = event_id
        self.ts = ts


class _Summary:
    """The per-case summary `volatile_findings` needs (same attribute names as the stream's case)."""

    __slots__ = ("flow", "cid", "power", "closed_ts", "last_ts", "last_day", "last_known", "first_day",
                 "stopped_wd", "counted_us", "max_used", "cross")


#: NUM_RE for RE2 (Arrow): ASCII digits, like the float parser behind it
_NUM_RE2 = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def _combine(col: Any) -> pa.Array:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_string_view(arr.type):
        arr = A.cast(arr, pa.large_string())
    return arr


def _as_ident(a: pa.Array) -> pa.Array:
    """Identifier column as strings with absent values (null, "", NaN) as null — `to_ident` of the stream."""
    if not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
        # non-text identifiers (only possible for DataFrame input): Python's str(), like `to_ident`
        a = pa.array([to_ident(v) for v in a.to_pylist()], type=pa.string())
    return A.blank_to_null(a)


def _codes(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dense int32 codes (first-appearance order; nulls -1) and the dictionary of distinct values.

    A chunked column is encoded chunk by chunk against one dictionary (no concatenation of the text).
    """
    if pa.types.is_dictionary(arr.type):  # already encoded (CSV reader): one dictionary for all chunks
        d = arr.unify_dictionaries() if isinstance(arr, pa.ChunkedArray) else arr
    else:
        d = A.dictionary_encode(arr)
    if isinstance(d, pa.ChunkedArray):
        if d.num_chunks == 0:
            return np.zeros(0, dtype=np.int32), pa.nulls(0, arr.type)
        chunks, dic = [ch.indices for ch in d.chunks], d.chunks[-1].dictionary
    else:
        chunks, dic = [d.indices], d.dictionary
    parts = []
    for ix in chunks:
        c = A.ints(ix, fill=-1) if ix.type.bit_width != 32 or ix.null_count else \
            np.frombuffer(ix.buffers()[1], dtype=np.int32, count=len(ix), offset=ix.offset * 4)
        parts.append(c)
    codes = np.concatenate(parts).astype(np.int32, copy=False) if len(parts) != 1 else parts[0].astype(np.int32)
    return codes, dic


def _encode(arr: pa.Array | pa.ChunkedArray, with_dict: bool = False) -> Any:
    """Dense integer codes (first-appearance order) and the distinct values; nulls get -1."""
    codes, dic = _codes(arr)
    if with_dict:
        return codes, dic.to_pylist(), dic
    return codes, dic.to_pylist()


def _numbers(a: pa.Array) -> np.ndarray:
    """Attribute values as float (NaN = absent/non-numeric): the stream's `to_number` rule."""
    if pa.types.is_integer(a.type) or pa.types.is_floating(a.type) or pa.types.is_decimal(a.type):
        v = A.floats(A.cast(a, pa.float64()))
        return np.where(np.isfinite(v), v, np.nan)
    if not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
        a = A.cast(a, pa.string())
    v = np.full(len(a), np.nan)
    if a.null_count < len(a):
        idx = np.flatnonzero(A.valid(a))
        s = A.take(a, idx) if len(idx) < len(a) else a
        ok = A.bools(A.regex_match(s, _NUM_RE2))
        if not ok.all():  # surrounding blanks are allowed: trim and re-check only those
            bad = np.flatnonzero(~ok)
            t = A.call("utf8_trim_whitespace", A.take(s, bad))
            ok2 = A.bools(A.regex_match(t, _NUM_RE2))
            if ok2.any():
                s = pa.concat_arrays([A.cast(s, t.type), t])
                idx = np.concatenate([idx, idx[bad]])
                ok = np.concatenate([ok, ok2])
        sel = np.flatnonzero(ok)
        if len(sel):
            sub = A.take(s, sel)
            try:
                vals = A.floats(A.cast(sub, pa.float64()))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                vals = np.array([float(x) for x in sub.to_pylist()], dtype=np.float64)
            v[idx[sel]] = vals
    return v


def _str_hash(arr: pa.Array) -> np.ndarray:
    """A 64-bit hash (or exact code) per string, computed from the Arrow buffers with NumPy.

    Equal strings get equal values; different strings collide only by chance (callers re-check).
    """
    n = len(arr)
    if n and arr.null_count == 0 and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        odt = np.int64 if pa.types.is_large_string(arr.type) else np.int32
        bufs = arr.buffers()
        offs = np.frombuffer(bufs[1], dtype=odt, count=n + 1, offset=arr.offset * np.dtype(odt).itemsize)
        ln = int(offs[1] - offs[0])
        if 0 < ln <= 64 and int(offs[-1] - offs[0]) == n * ln and bool((np.diff(offs) == ln).all()):
            data = np.frombuffer(bufs[2], dtype=np.uint8, count=n * ln, offset=int(offs[0]))
            m = data.reshape(n, ln)
            h = np.zeros(n, dtype=np.uint64)
            mult = np.uint64(1_099_511_628_211)
            for j in range(ln):
                h = h * mult + m[:, j]
            return h
    return _encode(arr)[0].astype(np.uint64)


def _dedupe_mask(eid: Any, valid: np.ndarray | None = None) -> np.ndarray | None:
    """Rows to keep: the `valid` rows (None = all) minus repeated event_ids (the first valid row wins).

    Returns None when every row is kept. Ids of one length (the usual case) get an exact integer key
    (`_arrow.fixed_key`): one sort of (key, row) finds the repeats. Otherwise a hash, with strings
    compared only for rows whose hash occurs more than once.
    """
    fk = A.fixed_key(eid, valid)
    n = len(eid)
    rb = max(n, 1).bit_length()
    if fk is not None and int(fk.max()).bit_length() + rb <= 63:
        idx = np.flatnonzero(valid) if valid is not None else None
        packed = (fk if idx is None else fk[idx]) << rb
        packed |= np.arange(n) if idx is None else idx
        packed.sort()
        k = packed >> rb
        dup = k[1:] == k[:-1]
        if not dup.any():
            return None if valid is None else valid.copy()
        keep = np.ones(n, dtype=bool) if valid is None else valid.copy()
        keep[packed[1:][dup] & ((1 << rb) - 1)] = False  # within one key rows ascend: the first is kept
        return keep
    if isinstance(eid, pa.ChunkedArray):
        eid = _combine(eid)
    return _dedupe_hash(eid, valid)


def _dedupe_hash(eid: pa.Array, valid: np.ndarray | None = None) -> np.ndarray | None:
    if valid is not None:  # rejected rows (ids of another shape, or none) would defeat the fast hash
        idx = np.flatnonzero(valid)
        sub = _dedupe_hash(A.take(eid, idx))
        keep = valid.copy()
        if sub is None:
            return keep
        keep[idx[~sub]] = False
        return keep
    h = _str_hash(eid)
    hs = np.sort(h)
    dup_h = hs[1:][hs[1:] == hs[:-1]]
    if len(dup_h) == 0:
        return None
    dup_h = np.unique(dup_h)
    # rows whose hash repeats: a table on the low 20 bits first (one cheap gather per row), then an
    # exact search only for the few rows that pass it
    low = np.uint64((1 << 20) - 1)
    seen_low = np.zeros(1 << 20, dtype=bool)
    seen_low[dup_h & low] = True
    cand = np.flatnonzero(seen_low[h & low])
    pos = np.minimum(np.searchsorted(dup_h, h[cand]), len(dup_h) - 1)
    rows = cand[dup_h[pos] == h[cand]]
    names = A.take(eid, rows).to_pylist()
    seen: set[str] = set()
    drop = []
    for r, name in zip(rows.tolist(), names, strict=True):  # rows ascending: the first occurrence is kept
        if name in seen:
            drop.append(r)
        else:
            seen.add(name)
    if not drop:
        return None
    keep = np.ones(len(eid), dtype=bool)
    keep[drop] = False
    return keep


def _break_ties(order: np.ndarray, same: np.ndarray, eid: pa.Array) -> np.ndarray:
    """Within runs of equal (case, timestamp), order rows by event_id (only the tied rows are touched)."""
    order = order.copy()
    pos = np.flatnonzero(same)
    run_start = pos[np.r_[True, pos[1:] != pos[:-1] + 1]]
    run_end = pos[np.r_[pos[1:] != pos[:-1] + 1, True]] + 1  # inclusive last position of each run
    touched = order[np.unique(np.concatenate([pos, pos + 1]))]
    names = A.take_list(eid, touched)
    lookup = dict(zip(touched.tolist(), names, strict=True))
    for a, b in zip(run_start.tolist(), run_end.tolist(), strict=True):
        seg = order[a:b + 1].tolist()
        seg.sort(key=lambda r: lookup[r])
        order[a:b + 1] = seg
    return order


def _dense(k: np.ndarray) -> np.ndarray:
    """Dense group ids of an int64 key, in key order (one argsort)."""
    o = np.argsort(k)
    ks = k[o]
    new = np.empty(len(k), dtype=bool)
    new[:1] = True
    np.not_equal(ks[1:], ks[:-1], out=new[1:])
    ids = np.empty(len(k), dtype=np.int64)
    ids[o] = np.cumsum(new) - 1
    return ids


def _count_by(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by integer key columns: (group id per row, size of each group id).

    Keys are packed into one int64 (mixed radix); group ids are that packed key when its range is
    small (then counted with bincount), else dense ids from a hash encoding.
    """
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = keys[0].astype(np.int64)
    k = k - k.min()
    for nxt in keys[1:]:
        lo = int(nxt.min())
        span = int(nxt.max()) - lo + 1
        if (int(k.max()) + 1) * span >= 1 << 62:
            k = _dense(k)
        k = k * span + (nxt - lo)
    if int(k.max()) >= 4 * n + 1024:
        k = _dense(k)
    return k, np.bincount(k)


def _group_cumsum(x: np.ndarray, starts: np.ndarray, grp: np.ndarray) -> np.ndarray:
    c = np.cumsum(x)
    base = c[starts] - x[starts]
    return c - base[grp]


def check_log(
    flows: FlowSet | str | Path | Iterable[Mapping[str, Any]],
    events: Any,
    now: Any = None,
    calendar: WorkCalendar | str | Path | Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Run every rule over a whole log. `events`: EventLog, path, DataFrame or iterable of dicts/Events.

    `now` (datetime, ISO text or UTC microseconds): judge open cases against this time (deadline
    warnings and overruns). Without it, open cases are judged only on what happened.
    Returns the findings sorted by (case_id, rule, event_id, ...).
    """
    fs = load_flows(flows, config)
    cal = resolve_calendar(calendar)
    log = as_event_log(events, cal.offset_us)
    if now is not None and not isinstance(now, int):
        now = parse_ts(now, cal.offset_us) if not isinstance(now, dt.datetime) else parse_ts(now)
    return _Batch(fs, cal, log, now).run()


class _Batch:
    def __init__(self, fs: FlowSet, cal: WorkCalendar, log: EventLog, now: int | None):
        self.fs = fs
        self.cal = cal
        self.log = log
        self.now = now
        self.out: list[Finding] = []

    # ------------------------------------------------------------------
    def run(self) -> list[Finding]:
        tab, valid = self.log.arrow_rows()
        if tab.num_rows == 0 or (valid is not None and not valid.any()):
            return []
        self.tab = tab
        self.columns = set(tab.column_names)
        self._cols: dict[str, pa.Array] = {}
        self.eid_col = self._text("event_id")
        self.case_col = self._text("case_id")
        self.keep = _dedupe_mask(self.eid_col, valid)
        self._prepare()
        self.side_out: list[Finding] = []
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if self.n < _THREAD_MIN_ROWS or cpus < 2:
            self._per_event()
            self._per_case()
            self._split()
            self._concentration()
            self.out.extend(self.side_out)
            return self._escalate()
        # the pattern rules need only what _prepare built: on a large log they run beside the per-event
        # and per-case rules (NumPy and Arrow release the GIL in their loops) — 0.2–0.3 s less wall time
        # on a million events when a second core is free, the same when it is busy (≈ 0.1 s more CPU,
        # ≈ 90 MiB more peak memory); findings meet in self.out afterwards, in the sequential order
        import threading

        err: list[BaseException] = []

        def side() -> None:
            try:
                self._split()
                self._concentration()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                err.append(exc)

        th = threading.Thread(target=side, name="supervision-patterns")
        th.start()
        try:
            self._per_event()
            self._per_case()
        finally:
            th.join()
        if err:
            raise err[0]
        self.out.extend(self.side_out)
        return self._escalate()

    def _col(self, name: str) -> pa.Array:
        a = self._cols.get(name)
        if a is None:
            a = self._cols[name] = _combine(self.tab.column(name))
        return a

    def _text(self, name: str) -> Any:
        """A text column as read (chunks kept; string views as one large_string array)."""
        c = self.tab.column(name)
        return _combine(c) if pa.types.is_string_view(c.type) else c

    def _case_key(self) -> np.ndarray:
        """An exact int64 per row for case_id (>= 0 on kept rows): the packed bytes of fixed-length ids,
        else dictionary codes. Names are looked up in the column only for rows with findings."""
        col = self.case_col
        if not pa.types.is_dictionary(col.type):
            fk = A.fixed_key(col, self.keep)
            if fk is not None:
                return fk
        return _codes(col)[0].astype(np.int64)

    def _full_sort(self, ts: np.ndarray, case_k: np.ndarray, ndrop: int) -> tuple:
        """Order by (case, time) whatever the file order: (order, sorted times, sorted case keys, tie mask)."""
        keep = self.keep
        tmin = int(ts.min())
        tk = ts - tmin
        if not (tk % 1_000_000).any():  # whole seconds: a narrower key
            tk //= 1_000_000
        bits = int(tk.max()).bit_length()
        if int(case_k.max()).bit_length() + bits > 62:
            case_k = _dense(case_k)
        if int(case_k.max()).bit_length() + bits <= 62:
            key = (case_k << bits) | tk
            if keep is not None:
                key[~keep] = -1
            order = np.argsort(key)[ndrop:]
            ks = key[order]
            return order, ts[order], case_k[order], ks[1:] == ks[:-1]
        order = np.lexsort((ts, case_k))
        if keep is not None:
            order = order[keep[order]]
        cs, t = case_k[order], ts[order]
        return order, t, cs, (cs[1:] == cs[:-1]) & (t[1:] == t[:-1])

    def _prepare(self) -> None:
        fs, cal = self.fs, self.cal
        ts = A.ints(self._col("ts"), copy=False)
        case_k = self._case_key()
        keep = self.keep
        n_all = len(ts)
        ndrop = 0 if keep is None else n_all - int(keep.sum())
        rb = n_all.bit_length()
        order = None
        if int(case_k.max()).bit_length() + rb <= 63:
            # logs come in time order (or case by case): a sort of (case, row) packed in one int64,
            # in place, usually leaves each case in time order already — checked, else a full sort
            key = case_k << rb
            key |= np.arange(n_all)
            if keep is not None:
                key[~keep] = -1  # dropped rows sort first, then are cut off
            key.sort()
            ks = key[ndrop:]
            o = ks & ((1 << rb) - 1)
            ks >>= rb
            t = ts[o]
            same = ks[1:] == ks[:-1]
            step = t[1:] - t[:-1]
            if not ((step < 0) & same).any():
                order, cs = o, ks
                same &= step == 0
            del key, ks, o, step
        if order is None:
            order, t, cs, same = self._full_sort(ts, case_k, ndrop)
        del case_k
        n = len(order)
        if same.any():
            order = _break_ties(order, same, self.eid_col)
        self.order = order
        self.n = n
        self.t = t
        first = np.empty(n, dtype=bool)
        first[0] = True
        np.not_equal(cs[1:], cs[:-1], out=first[1:])
        del cs, same
        starts = np.flatnonzero(first)
        grp = np.cumsum(first) - 1  # int64: an index array (NumPy casts narrower ones on every use)
        self.first, self.starts, self.grp = first, starts, grp
        self.ends = np.append(starts[1:] - 1, n - 1)
        # flowchart per case = flowchart of the first event's power code
        pow_c, pow_names = _encode(self.tab.column("power_code"))
        pow_flow = np.array([fs.by_power.get(p, -1) if p is not None else -1 for p in pow_names] + [-1], dtype=np.int32)
        self.pow_case = pow_c[order[starts]]  # power code of each case's first event
        self.pow_names = pow_names
        flow_case = pow_flow[self.pow_case]
        self.flow_case = flow_case
        flow_row = flow_case[grp]
        self.flow_row = flow_row
        nf = len(fs.flows)
        # global step ids
        offs = np.cumsum([0] + [len(f.steps) for f in fs.flows])
        G = int(offs[-1])
        self.G = G
        self.goff = offs
        step_c, step_names = _encode(self.tab.column("step_code"))
        U = len(step_names)
        table = np.full((nf + 1, U), -1, dtype=np.int64)
        for f in fs.flows:
            for j, code in enumerate(step_names):
                li = f.by_code.get(code)
                if li is not None:
                    table[f.idx, j] = offs[f.idx] + li
        sc = step_c[order]
        self.step_names, self.sc = step_names, sc
        fr = np.where(flow_row < 0, nf, flow_row)
        g = table[fr, sc]
        self.g = g
        self.valid = flow_row >= 0
        self.known = g >= 0
        # per-global-step attributes (index G = sentinel for unknown)
        self.steps = [st for f in fs.flows for st in f.steps]
        self.step_flow = np.array([f.idx for f in fs.flows for _ in f.steps] + [nf], dtype=np.int64)

        def arr(fn: Any, dtype: Any) -> np.ndarray:
            return np.array([fn(st) for st in self.steps] + [0], dtype=dtype)

        self.is_start = arr(lambda s: s.is_start, bool)
        self.is_end = arr(lambda s: s.is_end, bool)
        self.limit_us = arr(lambda s: s.limit_us, np.int64)
        self.limit_wd = arr(lambda s: s.limit_wd, np.int64)
        self.min_us = arr(lambda s: s.min_us, np.int64)
        self.decision = arr(lambda s: s.decision, bool)
        self.clock_stop = arr(lambda s: s.clock_stop, bool)
        self.gs = np.where(self.known, g, G)
        act_c, self.actor_names, self._actor_dict = _encode(self.tab.column("actor_id"), True)
        self.ac = act_c[order]
        off = cal.offset_us
        day = t + off
        day //= DAY_US
        self.day = day = day.astype(np.int32)  # local day numbers (timestamps are range-checked)
        self.has_prev = ~first
        el = np.empty_like(t)  # time since the previous event of the case (0 on a case's first event)
        el[0] = 0
        np.subtract(t[1:], t[:-1], out=el[1:])
        el[starts] = 0
        self.el = el
        prev_day = np.empty_like(day)  # day of the previous event of the case (own day on the first)
        prev_day[1:] = day[:-1]
        prev_day[starts] = day[starts]
        self.prev_day = prev_day

    def _eids(self, rows: np.ndarray) -> list[str]:
        """event_id of sorted-row positions (looked up in the unsorted column: no full gather)."""
        return A.take_list(self.eid_col, self.order[rows])

    def _cids(self, rows: np.ndarray) -> list[str]:
        """case_id of sorted-row positions."""
        return A.take_list(self.case_col, self.order[rows])

    def _on(self, rule: str) -> np.ndarray:
        return np.array([f.params.on(rule) for f in self.fs.flows] + [False], dtype=bool)

    def _fparam(self, fn: Any, dtype: Any, default: Any = 0) -> np.ndarray:
        return np.array([fn(f) for f in self.fs.flows] + [default], dtype=dtype)

    def _emit_rows(self, rule: str, rows: np.ndarray, build: Any) -> None:
        if len(rows) == 0:
            return
        fs = self.fs
        off = self.cal.offset_us
        eids = self._eids(rows)
        cids = self._cids(rows)
        actor_names, step_names = self.actor_names, self.step_names
        ac, sc, t, fr = self.ac[rows], self.sc[rows], self.t[rows], self.flow_row[rows]
        powers = self.pow_case[self.grp[rows]]
        out = self.out
        for k, r in enumerate(rows.tolist()):
            flow = fs.flows[int(fr[k])]
            a = int(ac[k])
            kw = build(k, r, flow)
            if kw is None:
                continue
            sev = kw.pop("severity", "yellow")
            out.append(make(rule, sev, flow, cids[k], self.pow_names[int(powers[k])],
                            step_names[int(sc[k])], actor_names[a] if a >= 0 else None, eids[k], int(t[k]), off,
                            **kw))

    # ------------------------------------------------------------------
    def _on_step(self, rule: str) -> np.ndarray:
        """Rule switch per global step id (index G = unknown step: False)."""
        return self._on(rule)[self.step_flow]

    def _per_event(self) -> None:
        n, G = self.n, self.G
        g, gs, known, valid, fr = self.g, self.gs, self.known, self.valid, self.flow_row
        cal = self.cal
        nf = len(self.fs.flows)
        # unknown steps (a known step implies a known flowchart)
        cand = np.flatnonzero(valid & ~known)
        self._emit_rows("unknown_step", cand[self._on("unknown_step")[fr[cand]]], lambda k, r, f: {})
        # control flow: previous known step within the case
        # (a case's first row is a mark too, so the fill never reaches into the previous case)
        ff = np.where(known | self.first, np.arange(n), -1)
        np.maximum.accumulate(ff, out=ff)
        self.ff = ff  # last known-step row so far, or the case's first row
        prev_g = np.empty(n, dtype=g.dtype)  # global step of the previous known row, -1 = virtual start
        prev_g[1:] = g[ff[:-1]]
        prev_g[self.starts] = -1
        prev_gs = np.where(prev_g >= 0, prev_g, G)
        # transition class per (previous, current) global step: 0 fine, 1 skipped step, 2 order violation;
        # row G = virtual start (fine only for a start step), column G = unknown step (not judged)
        cls = np.zeros((G + 1, G + 1), dtype=np.int8)
        for f in self.fs.flows:
            o = int(self.goff[f.idx])
            k = len(f.steps)
            blk = np.full((k, k), 2, dtype=np.int8)
            for x in range(k):
                for y in f.reach[x]:
                    blk[x, y] = 1
            for x, y in f.edges:
                blk[x, y] = 0
            cls[o:o + k, o:o + k] = blk
            for y in range(k):
                cls[G, o + y] = 0 if f.steps[y].is_start else 2
        c = cls.ravel()[(prev_gs if (G + 1) ** 2 < 1 << 31 else prev_gs.astype(np.int64)) * (G + 1) + gs]
        ov_on = self._on_step("order_violation")
        m1 = np.flatnonzero((c == 2) & (prev_gs == G))
        self._emit_rows("order_violation", m1[ov_on[gs[m1]]], lambda k, r, f: {})
        m_skip = np.flatnonzero(c == 1)
        m_skip = m_skip[self._on_step("skipped_step")[gs[m_skip]]]
        goff = self.goff

        def skip(k: int, r: int, f: Any) -> dict:
            o = int(goff[f.idx])
            pk, i = int(prev_g[r]) - o, int(g[r]) - o
            return {"related": ",".join(f.steps[j].code for j in f.skipped_between(pk, i))}

        self._emit_rows("skipped_step", m_skip, skip)
        m_ord = np.flatnonzero((c == 2) & (prev_gs != G))
        m_ord = m_ord[ov_on[gs[m_ord]]]
        steps = self.steps
        self._emit_rows("order_violation", m_ord, lambda k, r, f: {"related": steps[int(prev_g[r])].code})
        # step limits (only rows at a step with a limit are looked at)
        hp = self.has_prev & known
        so_on = self._on_step("step_overdue")
        el = self.el
        cand_wd = np.flatnonzero(hp & (so_on & (self.limit_wd > 0))[gs])
        u_wd = cal.used_np(self.prev_day[cand_wd], self.day[cand_wd])
        over_wd = cand_wd[u_wd > self.limit_wd[gs[cand_wd]]]
        cand_h = np.flatnonzero(hp & (so_on & (self.limit_wd == 0) & (self.limit_us > 0))[gs])
        over_h = cand_h[el[cand_h] > self.limit_us[gs[cand_h]]]
        rows = np.union1d(over_wd, over_h)
        lwd = self.limit_wd
        lus = self.limit_us

        def over(k: int, r: int, f: Any) -> dict:
            rr = f.params.red_ratio
            gi = int(gs[r])
            if lwd[gi] > 0:
                uu, lim = int(cal.used(int(self.prev_day[r]), int(self.day[r]))), int(lwd[gi])
                red = (uu - lim) > rr * lim
                d = {"value": float(uu), "limit": float(lim), "unit": "workdays"}
            else:
                e, lim = int(el[r]), int(lus[gi])
                red = (e - lim) > rr * lim
                d = {"value": e / HOUR_US, "limit": lim / HOUR_US, "unit": "hours"}
            d["severity"] = "red" if red else "yellow"
            d["extra"] = (("red_ratio", rr),) if red else ()
            return d

        self._emit_rows("step_overdue", rows, over)
        # too fast
        mn = self.min_us
        cand = np.flatnonzero(hp & (self._on_step("too_fast") & (mn > 0))[gs])
        m_tf = cand[el[cand] < mn[gs[cand]]]
        self._emit_rows("too_fast", m_tf,
                        lambda k, r, f: {"value": int(el[r]) / HOUR_US, "limit": int(mn[gs[r]]) / HOUR_US,
                                         "unit": "hours"})
        # off hours
        off = cal.offset_us
        m_dec = np.flatnonzero((self.decision & self._on_step("off_hours"))[gs])
        if len(m_dec):
            fd = self.step_flow[gs[m_dec]]
            day_d = self.day[m_dec]
            rest = self._fparam(lambda f: f.params.off_rest_days, bool, False)[fd] & ~cal.is_working_np(day_d)
            tod = (self.t[m_dec] + off) % DAY_US
            s0 = self._fparam(lambda f: f.params.off_start_us, np.int64)[fd]
            e0 = self._fparam(lambda f: f.params.off_end_us, np.int64)[fd]
            night = np.where(s0 > e0, (tod >= s0) | (tod < e0), (tod >= s0) & (tod < e0))
            hit = rest | night
            rest_of = dict(zip(m_dec[hit].tolist(), rest[hit].tolist(), strict=True))
            self._emit_rows("off_hours", m_dec[hit], lambda k, r, f: {"extra": (("rest_day", rest_of[r]),)})
        del nf
        # discretion
        attrs: dict[str, list[tuple[int, float | None, float | None]]] = {}
        for gi, st in enumerate(steps):
            for attr, lo, hi in st.discretion:
                attrs.setdefault(attr, []).append((gi, lo, hi))
        dis_on = self._on_step("discretion_out_of_range")
        for attr, rules in attrs.items():
            if attr not in self.columns:
                continue
            lo = np.full(G + 1, np.nan)
            hi = np.full(G + 1, np.nan)
            has = np.zeros(G + 1, dtype=bool)
            for gi, lo_v, hi_v in rules:
                has[gi] = True
                if lo_v is not None:
                    lo[gi] = lo_v
                if hi_v is not None:
                    hi[gi] = hi_v
            cand = np.flatnonzero((has & dis_on)[gs])
            vc, gc = self._numeric_at(attr, cand), gs[cand]
            with np.errstate(invalid="ignore"):
                sel = np.flatnonzero(~np.isnan(vc) & ((vc < lo[gc]) | (vc > hi[gc])))
            rows, vals = cand[sel], vc[sel]

            def disc(k: int, r: int, f: Any, attr: str = attr, lo: np.ndarray = lo, hi: np.ndarray = hi,
                     vals: np.ndarray = vals) -> dict:
                lo_v, hi_v = lo[gs[r]], hi[gs[r]]
                rng = f"[{'-' if np.isnan(lo_v) else _fmt(float(lo_v))}, {'-' if np.isnan(hi_v) else _fmt(float(hi_v))}]"
                return {"attribute": attr, "value": float(vals[k]), "related": rng,
                        "severity": f.params.discretion_severity}

            self._emit_rows("discretion_out_of_range", rows, disc)
        # segregation of duties
        has_inc = np.zeros(G + 1, dtype=bool)
        for f in self.fs.flows:
            o = int(self.goff[f.idx])
            for x in f.incompatible:
                has_inc[o + x] = True
        m_sod = has_inc[gs] & (self.ac >= 0)
        if m_sod.any():
            # per (case, actor): the earliest earlier row at a step incompatible with this row's step.
            # rows are case-major, so sorting by (case, actor) is a nearly-sorted stable sort
            rows = np.flatnonzero(m_sod)
            key = self.grp[rows].astype(np.int64) * (len(self.actor_names) + 1) + self.ac[rows]
            o = np.argsort(key, kind="stable")
            rows, key = rows[o], key[o]
            gr = g[rows]
            # positions grouped by step (stable: (case, actor) order kept within a step)
            by_step = np.argsort(gr.astype(np.int16) if G < 1 << 15 else gr, kind="stable")
            bounds = np.searchsorted(gr[by_step], np.arange(G + 2))

            def at_step(gi: int) -> np.ndarray:
                return by_step[bounds[gi]:bounds[gi + 1]]

            best = np.full(len(rows), BIG, dtype=np.int64)
            firsts: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # step -> (keys, first row), keys sorted
            for f in self.fs.flows:
                o_f = int(self.goff[f.idx])
                for x, ys in f.incompatible.items():
                    selx = at_step(o_f + x)
                    if len(selx) == 0:
                        continue
                    kx, rx = key[selx], rows[selx]
                    cur = best[selx]
                    for y in ys:
                        hit_y = firsts.get(o_f + y)
                        if hit_y is None:
                            sel = at_step(o_f + y)
                            ky = key[sel]
                            u = np.r_[True, ky[1:] != ky[:-1]] if len(ky) else np.zeros(0, dtype=bool)
                            hit_y = firsts[o_f + y] = (ky[u], rows[sel][u])
                        ky_u, ry = hit_y
                        if len(ky_u) == 0:
                            continue
                        pos = np.minimum(np.searchsorted(ky_u, kx), len(ky_u) - 1)
                        cand = np.where(ky_u[pos] == kx, ry[pos], BIG)
                        cur = np.where((cand < rx) & (cand < cur), cand, cur)
                    best[selx] = cur
            hit = best != BIG
            rr, qq_a = rows[hit], best[hit]
            qq = dict(zip(rr.tolist(), qq_a.tolist(), strict=True))
            rr = np.sort(rr[self._on("sod_violation")[fr[rr]]])
            self._emit_rows("sod_violation", rr, lambda k, r, f: {"related": steps[int(g[qq[r]])].code})

    def _at(self, col: str, rows: np.ndarray) -> pa.Array:
        """Values of an attribute column at sorted-row positions (an Arrow array of len(rows))."""
        return _combine(A.take(self.tab.column(col), self.order[rows]))

    def _present(self, col: str) -> np.ndarray:
        """Per sorted row: the attribute is not null."""
        chunks = self.tab.column(col).chunks
        v = np.concatenate([A.valid(ch) for ch in chunks]) if chunks else np.zeros(0, dtype=bool)
        return v[self.order]

    def _numeric_at(self, col: str, rows: np.ndarray) -> np.ndarray:
        """Attribute as float at sorted-row positions (NaN = absent/non-numeric); the stream's `to_number`."""
        return _numbers(self._at(col, rows))

    # ------------------------------------------------------------------
    def _per_case(self) -> None:
        cal, fs = self.cal, self.fs
        starts, ends, grp = self.starts, self.ends, self.grp
        nf = len(fs.flows)
        n = self.n
        fc = self.flow_case
        fcs = np.where(fc < 0, nf, fc)
        gs, known = self.gs, self.known  # a known step implies a known flowchart
        day = self.day
        # closed = reached an end step
        closed = np.zeros(len(starts), dtype=bool)
        closed[grp[np.flatnonzero(known & self.is_end[gs])]] = True
        # case clock: the durations of clock-stop steps are left out (such rows are few)
        stop_rows = np.flatnonzero(known & self.clock_stop[gs] & self.has_prev)
        cum = cal.cum
        inc_wd = np.zeros(n, dtype=np.int64)
        inc_wd[stop_rows] = cum[day[stop_rows] - FIRST_DAY] - cum[self.prev_day[stop_rows] - FIRST_DAY]
        stopped = _group_cumsum(inc_wd, starts, grp)
        del inc_wd
        inc_h = self.el.copy()
        inc_h[stop_rows] = 0
        counted = _group_cumsum(inc_h, starts, grp)
        del inc_h
        first_day = day[starts]
        cwd = self._fparam(lambda f: f.case_limit_wd, np.int64)[fcs]  # per case
        cus = self._fparam(lambda f: f.case_limit_us, np.int64)[fcs]
        lim = np.where(cwd > 0, cwd, cus)
        has_lim = (lim > 0) & (fc >= 0)
        # used per row: working days (first day → this day, minus stopped days) for a working-day limit,
        # else counted time (only rows of cases with a limit matter)
        by_wd = cwd > 0
        if by_wd.any():
            fd_row = first_day[grp]
            u = cum[day - 1 - FIRST_DAY]
            u -= cum[first_day - FIRST_DAY][grp]
            u += 1
            u[day <= fd_row] = 0
            u -= stopped
            used = u if by_wd.all() else np.where(by_wd[grp], u, counted)
            del fd_row, u
        else:
            used = counted
        max_used = np.where(has_lim, np.maximum.reduceat(used, starts), np.iinfo(np.int64).min)
        # first row per case where used > limit
        over = np.flatnonzero(used > np.where(has_lim, lim, np.iinfo(np.int64).max)[grp])
        cross_idx = np.full(len(starts), BIG, dtype=np.int64)
        if len(over):
            og = grp[over]
            head = np.r_[True, og[1:] != og[:-1]]
            cross_idx[og[head]] = over[head]
        del used, over
        pending = ~closed & (self.now is not None) & (fc >= 0)
        if self.now is not None:
            pending &= self.now >= self.t[ends]
        need = np.flatnonzero((fc < 0) | (cross_idx != BIG) | pending)
        ff = self.ff
        goff = self.goff
        eids = self._eids(np.where(cross_idx[need] != BIG, cross_idx[need], 0))
        cids = self._cids(starts[need])
        for k, c in enumerate(need.tolist()):
            s = _Summary()
            f_i = int(fc[c])
            s.flow = fs.flows[f_i] if f_i >= 0 else None
            s.cid = cids[k]
            s.power = self.pow_names[int(self.pow_case[c])]
            e = int(ends[c])
            s.closed_ts = 0 if closed[c] else None
            s.last_ts = int(self.t[e])
            s.last_day = int(self.day[e])
            lk = int(ff[e])
            s.last_known = int(self.g[lk]) - int(goff[f_i]) if f_i >= 0 and self.g[lk] >= 0 else -1
            s.first_day = int(first_day[c])
            s.stopped_wd = int(stopped[e])
            s.counted_us = int(counted[e])
            s.max_used = int(max_used[c])
            ci = int(cross_idx[c])
            s.cross = _Ev(eids[k], int(self.t[ci])) if ci != BIG else None
            self.out.extend(volatile_findings(s, cal, self.now))
        self.closed = closed
        # per-row arrays only the per-event and per-case rules use: freed now, the pattern rules'
        # temporaries reuse their memory (fresh pages cost the kernel zeroing them)
        del self.el, self.prev_day, self.ff, self.has_prev, self.known, self.gs, self.g, self.first

    # ------------------------------------------------------------------
    def _split(self) -> None:
        fs = self.fs
        if not {"amount", "supplier_id"} <= self.columns:
            return
        # the case's purchase: its first row carrying a numeric amount and a supplier (rows with both
        # fields present are few: only those are parsed)
        cand = np.flatnonzero(self._present("amount") & self._present("supplier_id") & self.valid)
        if len(cand) == 0:
            return
        amt = self._numeric_at("amount", cand)
        sup = _as_ident(self._at("supplier_id", cand))
        sel = np.flatnonzero(~np.isnan(amt) & A.valid(sup))
        if len(sel) == 0:
            return
        g = self.grp[cand[sel]]
        sel = sel[np.r_[True, g[1:] != g[:-1]]]  # first per case (rows ascend within a case)
        rows = cand[sel]
        frs = self.flow_row[rows]
        on = self._on("split_purchase")[frs]
        thr = self._fparam(lambda f: np.nan if f.params.split_threshold is None else f.params.split_threshold,
                           np.float64, np.nan)[frs]
        low = self._fparam(lambda f: f.params.split_low, np.float64, np.inf)[frs]
        a = amt[sel]
        near = on & ~np.isnan(thr) & (low <= a) & (a < thr)
        rows, sel, a = rows[near], sel[near], a[near]
        if len(rows) == 0:
            return
        eids = self._eids(rows)
        f_r, t_r = self.flow_row[rows].tolist(), self.t[rows].tolist()
        s_r = A.take(sup, sel).to_pylist()
        c_r = self._cids(rows)
        recs = sorted(zip(f_r, s_r, t_r, c_r, eids, rows.tolist(), a.tolist(), strict=True))
        off = self.cal.offset_us
        i0 = 0
        while i0 < len(recs):
            f_i, s_i = recs[i0][0], recs[i0][1]
            i1 = i0
            while i1 < len(recs) and recs[i1][0] == f_i and recs[i1][1] == s_i:
                i1 += 1
            part = recs[i0:i1]
            i0 = i1
            flow = fs.flows[int(f_i)]
            p = flow.params
            ts = [x[2] for x in part]
            fy, fr_, cnt = split_flags(ts, p.split_window_us, p.split_min_count, p.split_red_count)
            for i, (_, _, _, c, e, r, amount) in enumerate(part):
                if not fy[i]:
                    continue
                a_i = int(self.ac[r])
                self.side_out.append(make("split_purchase", "red" if fr_[i] else "yellow", flow, c,
                                     self.pow_names[int(self.pow_case[self.grp[r]])],
                                     self.step_names[int(self.sc[r])], self.actor_names[a_i] if a_i >= 0 else None,
                                     e, ts[i], off, value=amount, limit=p.split_threshold, related=s_i,
                                     extra=(("count", cnt[i]), ("window_days", p.raw["split_window_days"]))))

    def _concentration(self) -> None:
        fs = self.fs
        if "applicant_id" not in self.columns:
            return
        first_app = self.starts  # the applicant is the one on the case's first event
        col = _as_ident(A.take(self._col("applicant_id"), self.order[first_app]))
        present = A.valid(col)
        has = present & (self.flow_case >= 0)
        case_app = np.full(len(first_app), -1, dtype=np.int64)
        d = A.dictionary_encode(A.filter_mask(col, has))
        app_c, app_names, self._app_dict = A.ints(d.indices, fill=-1), d.dictionary.to_pylist(), d.dictionary
        case_app[has] = app_c
        on_case = self._on("concentration")[np.where(self.flow_case < 0, len(fs.flows), self.flow_case)]
        # pairs: the first event of each actor in each case
        m = self.valid & (self.ac >= 0) & (case_app[self.grp] >= 0) & on_case[self.grp]
        rows = np.flatnonzero(m)
        if len(rows) == 0:
            return
        key = self.grp[rows].astype(np.int64) * (len(self.actor_names) + 1) + self.ac[rows]
        o = np.argsort(key, kind="stable")  # rows are case-major already: timsort runs are long
        ks = key[o]
        first_pair = np.zeros(len(rows), dtype=bool)
        first_pair[o[np.r_[True, ks[1:] != ks[:-1]]]] = True
        rows = rows[first_pair]  # still in row order
        # exclude actor == applicant
        app_as_actor = np.append(A.ints(A.index_in(A.cast(self._app_dict, pa.large_string()),
                                                   A.cast(self._actor_dict, pa.large_string())), fill=-2), -3)
        ca = case_app[self.grp[rows]]
        rows = rows[self.ac[rows] != app_as_actor[ca]]
        if len(rows) == 0:
            return
        off = self.cal.offset_us
        fr = self.flow_row[rows]
        months = self._fparam(lambda f: f.params.period_months, np.int64, 1)[fr]
        day = self.day[rows]
        d0 = int(day.min())
        month_of = np.arange(d0, int(day.max()) + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        pid = month_of[day - d0] // months
        grp = self.grp[rows]
        app = case_app[grp]
        actor = self.ac[rows]
        # distinct (case, period): rows are in case order and time order within a case
        new_cp = np.r_[True, (grp[1:] != grp[:-1]) | (pid[1:] != pid[:-1])]
        cp_f, cp_pid, cp_app = fr[new_cp], pid[new_cp], app[new_cp]
        # n_a: cases per (flowchart, period, applicant); only applicants with >= min_cases can be flagged
        mins = self._fparam(lambda f: f.params.conc_min_cases, np.int64)
        gid_a, n_a_sz = _count_by(cp_f, cp_pid, cp_app)
        n_a_cp = n_a_sz[gid_a]
        if not (n_a_cp >= mins[cp_f]).any():
            return
        # per pair: n_a of its (f, pid, app) via the (case, period) it belongs to
        cp_idx = np.cumsum(new_cp) - 1
        n_a = n_a_cp[cp_idx]
        # N: cases per (flowchart, period)
        gid_t, n_t_sz = _count_by(cp_f, cp_pid)
        n_total = n_t_sz[gid_t][cp_idx]
        # n_o: cases with official o per (flowchart, period); a pair row is one (case, official)
        gid_o, n_o_sz = _count_by(fr, pid, actor)
        n_o = n_o_sz[gid_o]
        cand = n_a >= mins[fr]
        if not cand.any():
            return
        ci = np.flatnonzero(cand)
        gid_ao, n_ao_sz = _count_by(fr[ci], pid[ci], app[ci], actor[ci])
        n_ao = n_ao_sz[gid_ao]
        shares = self._fparam(lambda f: f.params.conc_share, np.float64)
        lifts = self._fparam(lambda f: f.params.conc_lift, np.float64)
        f_arr = fr[ci]
        # NumPy's true division is correctly rounded, exactly like Python's int / int in the stream engine
        share = n_ao / n_a[ci]
        share_o = n_o[ci] / n_total[ci]
        flag = (share >= shares[f_arr]) & (share / share_o >= lifts[f_arr])
        sel = np.flatnonzero(flag)
        if len(sel) == 0:
            return
        rsel = rows[ci[sel]]
        eids = self._eids(rsel)
        cids = self._cids(rsel)
        for k, j in enumerate(sel.tolist()):
            r = int(rsel[k])
            flow = fs.flows[int(f_arr[j])]
            p = flow.params
            sh = float(share[j])
            self.side_out.append(make(
                "concentration", "red" if sh >= p.conc_red_share else "yellow", flow,
                cids[k], self.pow_names[int(self.pow_case[self.grp[r]])],
                self.step_names[int(self.sc[r])], self.actor_names[int(actor[ci[j]])], eids[k], int(self.t[r]), off,
                value=sh, limit=float(share_o[j]), related=app_names[int(app[ci[j]])],
                extra=(("n_applicant", int(n_a[ci[j]])), ("n_pair", int(n_ao[j])),
                       ("period", period_label(int(pid[ci[j]]), p.period_months))),
            ))

    # ------------------------------------------------------------------
    def _escalate(self) -> list[Finding]:
        rules = frozenset().union(*(f.params.repeat_rules for f in self.fs.flows)) & PER_EVENT_RULES
        groups: dict[tuple[str, str], list[int]] = {}
        out = self.out
        for i, f in enumerate(out):
            if f.event_id is not None and f.actor_id is not None and f.rule in rules:
                groups.setdefault((f.rule, f.actor_id), []).append(i)
        for idxs in groups.values():
            if len(idxs) < 2:
                continue
            idxs.sort(key=lambda i: (out[i].ts_us, out[i].case_id, out[i].event_id, out[i].step_code or "",
                                     out[i].attribute or ""))
            for a, b in zip(idxs, idxs[1:], strict=False):
                f = out[b]
                flow = self.fs.by_code.get(f.flowchart_code or "")
                if flow is None or f.rule not in flow.params.repeat_rules:
                    continue
                if f.ts_us - out[a].ts_us <= flow.params.repeat_window_us:
                    out[b] = escalate(f, flow.params.raw["repeat_window_days"], flow)
        out.sort(key=sort_key)
        return out
