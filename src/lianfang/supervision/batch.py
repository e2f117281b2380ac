"""Batch engine: every rule over a whole event log at once, vectorised with NumPy/Polars.

Semantics are defined by the per-event rules in stream.py (`SupervisionStream._apply`) and the
per-case function `volatile_findings`; this module computes the same thing column-wise. The
property tests in tests/supervision check that both agree on random logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .calendar import FIRST_DAY, WorkCalendar, resolve_calendar
from .events import NUM_RE, EventLog, as_event_log, parse_ts
from .findings import Finding, escalate, make, sort_key
from .model import DAY_US, HOUR_US, FlowSet, load_flows
from .patterns import period_label, split_flags
from .stream import PER_EVENT_RULES, _fmt, volatile_findings

BIG = np.iinfo(np.int64).max


class _Ev:
    __slots__ = ("event_id", "ts")

    def __init__(self, event_id: str, ts: int):
        self.event_id = event_id
        self.ts = ts


class _Summary:
    """The per-case summary `volatile_findings` needs (same attribute names as the stream's case)."""

    __slots__ = ("flow", "cid", "power", "closed_ts", "last_ts", "last_day", "last_known", "first_day",
                 "stopped_wd", "counted_us", "max_used", "cross")


def _encode(s: pl.Series) -> tuple[np.ndarray, list[Any]]:
    """Dense integer codes (first-appearance order) and the distinct values; nulls get -1."""
    import pyarrow.compute as pc

    arr = pc.dictionary_encode(s.rechunk().to_arrow())
    if hasattr(arr, "combine_chunks"):
        arr = arr.combine_chunks()
    if arr.null_count:
        idx = pl.from_arrow(arr.indices).fill_null(-1).to_numpy()  # type: ignore[union-attr]
    else:
        idx = arr.indices.to_numpy()
    return idx.astype(np.int64), arr.dictionary.to_pylist()


def _dedupe_mask(df: pl.DataFrame) -> np.ndarray | None:
    """Rows to keep when event_ids repeat (the first row wins); None when all are distinct.

    Hash first; strings are compared only for rows whose hash occurs more than once.
    """
    dup = df["event_id"].hash().is_duplicated()
    if not dup.any():
        return None
    rows = np.flatnonzero(dup.to_numpy())
    names = df["event_id"].gather(pl.Series(rows)).to_list()
    seen: set[str] = set()
    drop = []
    for r, name in zip(rows.tolist(), names, strict=True):  # rows ascending: the first occurrence is kept
        if name in seen:
            drop.append(r)
        else:
            seen.add(name)
    if not drop:
        return None
    keep = np.ones(df.height, dtype=bool)
    keep[drop] = False
    return keep


def _break_ties(order: np.ndarray, same: np.ndarray, eid: pl.Series) -> np.ndarray:
    """Within runs of equal (case, timestamp), order rows by event_id (only the tied rows are touched)."""
    order = order.copy()
    pos = np.flatnonzero(same)
    run_start = pos[np.r_[True, pos[1:] != pos[:-1] + 1]]
    run_end = pos[np.r_[pos[1:] != pos[:-1] + 1, True]] + 1  # inclusive last position of each run
    names = eid.gather(pl.Series(order[np.unique(np.concatenate([pos, pos + 1]))])).to_list()
    lookup = dict(zip(order[np.unique(np.concatenate([pos, pos + 1]))].tolist(), names, strict=True))
    for a, b in zip(run_start.tolist(), run_end.tolist(), strict=True):
        seg = order[a:b + 1].tolist()
        seg.sort(key=lambda r: lookup[r])
        order[a:b + 1] = seg
    return order


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
        df = self.log.df
        if df.height == 0:
            return []
        self.keep = _dedupe_mask(df)
        self.df = df
        self._num_cache: dict[str, np.ndarray] = {}
        self._prepare()
        self._per_event()
        self._per_case()
        self._split()
        self._concentration()
        return self._escalate()

    def _prepare(self) -> None:
        df = self.df
        fs, cal = self.fs, self.cal
        case_c, self.case_names = _encode(df["case_id"])
        ts = df["ts"].to_numpy().astype(np.int64)
        tmin = int(ts.min())
        ncase = len(self.case_names)
        tk = ts - tmin
        if not (tk % 1_000_000).any():  # whole seconds: a narrower key
            tk = tk // 1_000_000
        bits = int(tk.max()).bit_length()
        if bits + max(ncase, 1).bit_length() <= 62:
            key = (case_c << bits) | tk
            if self.keep is not None:
                key = np.where(self.keep, key, -1)  # dropped duplicates sort first, then are cut off
            order = np.argsort(key)
            if self.keep is not None:
                order = order[int((~self.keep).sum()):]
            ks = key[order]
        else:
            order = np.lexsort((ts, case_c))
            if self.keep is not None:
                order = order[self.keep[order]]
            ks = None
        n = len(order)
        same = (case_c[order][1:] == case_c[order][:-1]) & (ts[order][1:] == ts[order][:-1]) if ks is None \
            else ks[1:] == ks[:-1]
        if same.any():
            order = _break_ties(order, same, df["event_id"])
        self.order = order
        self.n = n
        cs = case_c[order]
        t = ts[order]
        self.t = t
        first = np.empty(n, dtype=bool)
        first[0] = True
        first[1:] = cs[1:] != cs[:-1]
        starts = np.flatnonzero(first)
        grp = np.cumsum(first) - 1
        self.first, self.starts, self.grp, self.cs = first, starts, grp, cs
        self.ends = np.append(starts[1:] - 1, n - 1)
        # flowchart per case = flowchart of the first event's power code
        pow_c, pow_names = _encode(df["power_code"])
        pow_flow = np.array([fs.by_power.get(p, -1) if p is not None else -1 for p in pow_names] + [-1], dtype=np.int64)
        self.pow_c_sorted = pow_c[order]
        self.pow_names = pow_names
        flow_case = pow_flow[self.pow_c_sorted[starts]]
        self.flow_case = flow_case
        flow_row = flow_case[grp]
        self.flow_row = flow_row
        nf = len(fs.flows)
        # global step ids
        offs = np.cumsum([0] + [len(f.steps) for f in fs.flows])
        G = int(offs[-1])
        self.G = G
        self.goff = offs
        step_c, step_names = _encode(df["step_code"])
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
        act_c, self.actor_names = _encode(df["actor_id"])
        self.ac = act_c[order]
        self.eid_col = df["event_id"].rechunk()
        off = cal.offset_us
        self.day = (t + off) // DAY_US
        self.has_prev = ~first
        prev_t = np.empty_like(t)
        prev_t[0] = 0
        prev_t[1:] = t[:-1]
        self.el = np.where(self.has_prev, t - prev_t, 0)
        prev_day = np.empty_like(self.day)
        prev_day[0] = 0
        prev_day[1:] = self.day[:-1]
        self.prev_day = np.where(self.has_prev, prev_day, self.day)

    def _eids(self, rows: np.ndarray) -> list[str]:
        """event_id of sorted-row positions (looked up in the unsorted column: no full gather)."""
        return self.eid_col.gather(pl.Series(self.order[rows])).to_list()

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
        case_names, actor_names, step_names = self.case_names, self.actor_names, self.step_names
        cs, ac, sc, t, fr = self.cs[rows], self.ac[rows], self.sc[rows], self.t[rows], self.flow_row[rows]
        powers = self.pow_c_sorted[self.starts[self.grp[rows]]]
        out = self.out
        for k, r in enumerate(rows.tolist()):
            flow = fs.flows[int(fr[k])]
            a = int(ac[k])
            kw = build(k, r, flow)
            if kw is None:
                continue
            sev = kw.pop("severity", "yellow")
            out.append(make(rule, sev, flow, case_names[int(cs[k])], self.pow_names[int(powers[k])],
                            step_names[int(sc[k])], actor_names[a] if a >= 0 else None, eids[k], int(t[k]), off,
                            **kw))

    # ------------------------------------------------------------------
    def _per_event(self) -> None:
        n, G = self.n, self.G
        g, gs, known, valid, fr = self.g, self.gs, self.known, self.valid, self.flow_row
        frs = np.where(fr < 0, len(self.fs.flows), fr)
        cal = self.cal
        # unknown steps
        m = valid & ~known & self._on("unknown_step")[frs]
        self._emit_rows("unknown_step", np.flatnonzero(m), lambda k, r, f: {})
        # control flow: previous known step within the case
        a = np.where(known, np.arange(n), -1)
        ff = np.maximum.accumulate(a)
        prev_idx = np.empty(n, dtype=np.int64)
        prev_idx[0] = -1
        prev_idx[1:] = ff[:-1]
        prev_idx[prev_idx < self.starts[self.grp]] = -1
        self.ff = ff
        prev_g = np.where(prev_idx >= 0, g[np.maximum(prev_idx, 0)], -1)
        edges = []
        reach = []
        for f in self.fs.flows:
            o = int(self.goff[f.idx])
            edges += [(o + x) * (G + 1) + (o + y) for x, y in f.edges]
            reach += [(o + x) * (G + 1) + (o + y) for x in range(len(f.steps)) for y in f.reach[x]]
        edges_a = np.array(sorted(edges), dtype=np.int64)
        reach_a = np.array(sorted(reach), dtype=np.int64)
        code = prev_g * (G + 1) + g
        kv = valid & known
        first_known = kv & (prev_g < 0)
        ov_on = self._on("order_violation")[frs]
        m1 = first_known & ~self.is_start[gs] & ov_on
        self._emit_rows("order_violation", np.flatnonzero(m1), lambda k, r, f: {})
        later = kv & (prev_g >= 0)
        is_edge = np.isin(code, edges_a) & later
        reachable = np.isin(code, reach_a) & later
        m_skip = later & ~is_edge & reachable & self._on("skipped_step")[frs]
        goff = self.goff

        def skip(k: int, r: int, f: Any) -> dict:
            o = int(goff[f.idx])
            pk, i = int(prev_g[r]) - o, int(g[r]) - o
            return {"related": ",".join(f.steps[j].code for j in f.skipped_between(pk, i))}

        self._emit_rows("skipped_step", np.flatnonzero(m_skip), skip)
        m_ord = later & ~is_edge & ~reachable & ov_on
        steps = self.steps
        self._emit_rows("order_violation", np.flatnonzero(m_ord),
                        lambda k, r, f: {"related": steps[int(prev_g[r])].code})
        # step limits
        hp = self.has_prev & kv
        so_on = self._on("step_overdue")[frs]
        ratio = self._fparam(lambda f: f.params.red_ratio, np.float64)[frs]
        lwd = self.limit_wd[gs]
        lus = self.limit_us[gs]
        el = self.el
        u = cal.used_np(self.prev_day, self.day)
        m_wd = hp & so_on & (lwd > 0) & (u > lwd)
        m_h = hp & so_on & (lwd == 0) & (lus > 0) & (el > lus)
        rows = np.flatnonzero(m_wd | m_h)

        def over(k: int, r: int, f: Any) -> dict:
            rr = float(ratio[r])
            if lwd[r] > 0:
                uu, lim = int(u[r]), int(lwd[r])
                red = (uu - lim) > rr * lim
                d = {"value": float(uu), "limit": float(lim), "unit": "workdays"}
            else:
                e, lim = int(el[r]), int(lus[r])
                red = (e - lim) > rr * lim
                d = {"value": e / HOUR_US, "limit": lim / HOUR_US, "unit": "hours"}
            d["severity"] = "red" if red else "yellow"
            d["extra"] = (("red_ratio", rr),) if red else ()
            return d

        self._emit_rows("step_overdue", rows, over)
        # too fast
        mn = self.min_us[gs]
        m_tf = hp & (mn > 0) & (el < mn) & self._on("too_fast")[frs]
        self._emit_rows("too_fast", np.flatnonzero(m_tf),
                        lambda k, r, f: {"value": int(el[r]) / HOUR_US, "limit": int(mn[r]) / HOUR_US, "unit": "hours"})
        # off hours
        off = cal.offset_us
        m_dec = kv & self.decision[gs] & self._on("off_hours")[frs]
        if m_dec.any():
            rest_flag = self._fparam(lambda f: f.params.off_rest_days, bool, False)[frs]
            rest = rest_flag & ~cal.is_working_np(self.day)
            tod = (self.t + off) % DAY_US
            s0 = self._fparam(lambda f: f.params.off_start_us, np.int64)[frs]
            e0 = self._fparam(lambda f: f.params.off_end_us, np.int64)[frs]
            night = np.where(s0 > e0, (tod >= s0) | (tod < e0), (tod >= s0) & (tod < e0))
            m_off = m_dec & (rest | night)
            self._emit_rows("off_hours", np.flatnonzero(m_off), lambda k, r, f: {"extra": (("rest_day", bool(rest[r])),)})
        # discretion
        attrs: dict[str, list[tuple[int, float | None, float | None]]] = {}
        for gi, st in enumerate(steps):
            for attr, lo, hi in st.discretion:
                attrs.setdefault(attr, []).append((gi, lo, hi))
        dis_on = self._on("discretion_out_of_range")[frs]
        sev_arr = self._fparam(lambda f: f.params.discretion_severity, object, "red")[frs]
        for attr, rules in attrs.items():
            if attr not in self.df.columns:
                continue
            v = self._numeric(attr)
            lo = np.full(G + 1, np.nan)
            hi = np.full(G + 1, np.nan)
            has = np.zeros(G + 1, dtype=bool)
            for gi, lo_v, hi_v in rules:
                has[gi] = True
                if lo_v is not None:
                    lo[gi] = lo_v
                if hi_v is not None:
                    hi[gi] = hi_v
            with np.errstate(invalid="ignore"):
                m_d = kv & has[gs] & dis_on & ~np.isnan(v) & ((v < lo[gs]) | (v > hi[gs]))
            rows = np.flatnonzero(m_d)

            def disc(k: int, r: int, f: Any, attr: str = attr, lo: np.ndarray = lo, hi: np.ndarray = hi,
                     v: np.ndarray = v) -> dict:
                lo_v, hi_v = lo[gs[r]], hi[gs[r]]
                rng = f"[{'-' if np.isnan(lo_v) else _fmt(float(lo_v))}, {'-' if np.isnan(hi_v) else _fmt(float(hi_v))}]"
                return {"attribute": attr, "value": float(v[r]), "related": rng, "severity": sev_arr[r]}

            self._emit_rows("discretion_out_of_range", rows, disc)
        # segregation of duties
        inc_pairs = []
        has_inc = np.zeros(G + 1, dtype=bool)
        for f in self.fs.flows:
            o = int(self.goff[f.idx])
            for x, ys in f.incompatible.items():
                has_inc[o + x] = True
                inc_pairs += [(o + x) * (G + 1) + (o + y) for y in ys]
        m_sod = kv & has_inc[gs] & (self.ac >= 0)
        if m_sod.any():
            rows = np.flatnonzero(m_sod)
            key = self.grp[rows] * (len(self.actor_names) + 1) + self.ac[rows]
            rows = rows[pl.Series(key).is_duplicated().to_numpy()]  # a violation needs >= 2 rows per (case, actor)
            sub = pl.DataFrame({"grp": self.grp[rows], "ac": self.ac[rows], "r": rows, "g": g[rows]})
            j = sub.join(sub, on=["grp", "ac"], suffix="_q").filter(pl.col("r_q") < pl.col("r"))
            j = j.filter((pl.col("g_q") * (G + 1) + pl.col("g")).is_in(pl.Series(inc_pairs, dtype=pl.Int64).implode()))
            first_q = j.group_by("r").agg(pl.col("r_q").min()).sort("r")
            rr = first_q["r"].to_numpy()
            qq = dict(zip(rr.tolist(), first_q["r_q"].to_list(), strict=True))
            sod_on = self._on("sod_violation")[frs]
            rr = rr[sod_on[rr]]
            self._emit_rows("sod_violation", rr, lambda k, r, f: {"related": steps[int(g[qq[r]])].code})

    def _numeric(self, col: str) -> np.ndarray:
        hit = self._num_cache.get(col)
        if hit is not None:
            return hit
        s = self.df[col]
        if s.dtype.is_numeric():
            v = s.cast(pl.Float64)
            v = v.fill_nan(None)
            v = pl.select(pl.when(v.is_infinite()).then(None).otherwise(v)).to_series()
        else:
            s = s.cast(pl.String)
            if (s.str.len_bytes() != s.str.strip_chars().str.len_bytes()).any():
                s = s.str.strip_chars()
            v = s.cast(pl.Float64, strict=False)
            cand = v.is_not_null()
            if cand.any():  # the cast accepts a few spellings (inf, nan...) the stream rejects: re-check those
                ok = s.filter(cand).str.contains(NUM_RE)
                if not ok.all():
                    bad = np.flatnonzero(cand.to_numpy())[~ok.to_numpy()]
                    v = v.scatter(pl.Series(bad), None)
        res = v.fill_null(np.nan).to_numpy()[self.order]
        self._num_cache[col] = res
        return res

    def _ident(self, col: str) -> tuple[np.ndarray, list[Any]]:
        s = self.df[col]
        if s.dtype != pl.String:
            if s.dtype.is_float():
                s = s.fill_nan(None)
            s = s.cast(pl.String)
        s = pl.select(pl.when(s == "").then(None).otherwise(s)).to_series()
        c, names = _encode(s)
        return c[self.order], names

    # ------------------------------------------------------------------
    def _per_case(self) -> None:
        cal, fs = self.cal, self.fs
        starts, ends, grp = self.starts, self.ends, self.grp
        nf = len(fs.flows)
        fc = self.flow_case
        fcs = np.where(fc < 0, nf, fc)
        frs = fcs[grp]
        gs, known = self.gs, self.known
        kv = known & self.valid
        # closed = reached an end step
        end_row = (kv & self.is_end[gs]).astype(np.int64)
        closed = np.maximum.reduceat(end_row, starts) > 0
        # case clock
        stop = kv & self.clock_stop[gs]
        hp = self.has_prev
        cum = cal.cum
        inc_wd = np.where(hp & stop, cum[self.day - FIRST_DAY] - cum[self.prev_day - FIRST_DAY], 0)
        stopped = _group_cumsum(inc_wd, starts, grp)
        inc_h = np.where(hp & ~stop, self.el, 0)
        counted = _group_cumsum(inc_h, starts, grp)
        first_day = self.day[starts]
        cwd = self._fparam(lambda f: f.case_limit_wd, np.int64)[frs]
        cus = self._fparam(lambda f: f.case_limit_us, np.int64)[frs]
        used = np.where(cwd > 0, cal.used_np(first_day[grp], self.day) - stopped, np.where(cus > 0, counted, 0))
        lim = np.where(cwd > 0, cwd, cus)
        has_lim = (lim > 0) & self.valid
        n = self.n
        cross_idx = np.minimum.reduceat(np.where(has_lim & (used > lim), np.arange(n), BIG), starts)
        max_used = np.maximum.reduceat(np.where(has_lim, used, np.iinfo(np.int64).min), starts)
        pending = ~closed & (self.now is not None) & (fc >= 0)
        if self.now is not None:
            pending &= self.now >= self.t[ends]
        need = np.flatnonzero((fc < 0) | (cross_idx != BIG) | pending)
        ff = self.ff
        goff = self.goff
        eids = self._eids(np.where(cross_idx[need] != BIG, cross_idx[need], 0))
        for k, c in enumerate(need.tolist()):
            s = _Summary()
            f_i = int(fc[c])
            s.flow = fs.flows[f_i] if f_i >= 0 else None
            s.cid = self.case_names[int(self.cs[starts[c]])]
            s.power = self.pow_names[int(self.pow_c_sorted[starts[c]])]
            e = int(ends[c])
            s.closed_ts = 0 if closed[c] else None
            s.last_ts = int(self.t[e])
            s.last_day = int(self.day[e])
            lk = int(ff[e])
            s.last_known = int(self.g[lk]) - int(goff[f_i]) if lk >= starts[c] and f_i >= 0 else -1
            s.first_day = int(first_day[c])
            s.stopped_wd = int(stopped[e])
            s.counted_us = int(counted[e])
            s.max_used = int(max_used[c])
            ci = int(cross_idx[c])
            s.cross = _Ev(eids[k], int(self.t[ci])) if ci != BIG else None
            self.out.extend(volatile_findings(s, cal, self.now))
        self.closed = closed

    # ------------------------------------------------------------------
    def _first_row(self, mask: np.ndarray) -> np.ndarray:
        return np.minimum.reduceat(np.where(mask, np.arange(self.n), BIG), self.starts)

    def _split(self) -> None:
        fs = self.fs
        if not {"amount", "supplier_id"} <= set(self.df.columns):
            return
        amt = self._numeric("amount")
        sup_c, sup_names = self._ident("supplier_id")
        valid = self.valid
        fr = self.first_row_amt = self._first_row(valid & ~np.isnan(amt) & (sup_c >= 0))
        cases = np.flatnonzero(fr != BIG)
        if len(cases) == 0:
            return
        rows = fr[cases]
        nf = len(fs.flows)
        frs = self.flow_row[rows]
        on = self._on("split_purchase")[frs]
        thr = self._fparam(lambda f: np.nan if f.params.split_threshold is None else f.params.split_threshold,
                           np.float64, np.nan)[frs]
        low = self._fparam(lambda f: f.params.split_low, np.float64, np.inf)[frs]
        a = amt[rows]
        near = on & ~np.isnan(thr) & (low <= a) & (a < thr)
        rows = rows[near]
        if len(rows) == 0:
            return
        del nf
        sub = pl.DataFrame({"f": self.flow_row[rows], "s": sup_c[rows], "t": self.t[rows],
                            "c": [self.case_names[int(x)] for x in self.cs[rows]], "r": rows})
        eids = self._eids(rows)
        sub = sub.with_columns(e=pl.Series(eids)).sort(["f", "s", "t", "c", "e"])
        off = self.cal.offset_us
        for (f_i, s_i), part in sub.group_by(["f", "s"], maintain_order=True):
            flow = fs.flows[int(f_i)]
            p = flow.params
            ts = part["t"].to_list()
            fy, fr_, cnt = split_flags(ts, p.split_window_us, p.split_min_count, p.split_red_count)
            for i, (r, c, e) in enumerate(zip(part["r"].to_list(), part["c"].to_list(), part["e"].to_list(),
                                              strict=True)):
                if not fy[i]:
                    continue
                a_i = int(self.ac[r])
                self.out.append(make("split_purchase", "red" if fr_[i] else "yellow", flow, c,
                                     self.pow_names[int(self.pow_c_sorted[self.starts[self.grp[r]]])],
                                     self.step_names[int(self.sc[r])], self.actor_names[a_i] if a_i >= 0 else None,
                                     e, ts[i], off, value=float(amt[r]), limit=p.split_threshold,
                                     related=sup_names[int(s_i)],
                                     extra=(("count", cnt[i]), ("window_days", p.raw["split_window_days"]))))

    def _concentration(self) -> None:
        fs = self.fs
        if "applicant_id" not in self.df.columns:
            return
        col = self.df["applicant_id"]
        if col.dtype != pl.String:
            col = (col.fill_nan(None) if col.dtype.is_float() else col).cast(pl.String)
        present = (col.is_not_null() & (col != "")).to_numpy()[self.order]
        first_app = self.starts  # the applicant is the one on the case's first event
        has = present[first_app] & (self.flow_case >= 0)
        case_app = np.full(len(first_app), -1, dtype=np.int64)
        app_c, app_names = _encode(col.gather(pl.Series(self.order[first_app[has]])))
        case_app[has] = app_c
        on_case = self._on("concentration")[np.where(self.flow_case < 0, len(fs.flows), self.flow_case)]
        # pairs: the first event of each actor in each case
        m = self.valid & (self.ac >= 0) & (case_app[self.grp] >= 0) & on_case[self.grp]
        rows = np.flatnonzero(m)
        if len(rows) == 0:
            return
        key = self.grp[rows] * (len(self.actor_names) + 1) + self.ac[rows]
        o = np.argsort(key, kind="stable")  # rows are case-major already: timsort runs are long
        ks = key[o]
        firsts = np.r_[True, ks[1:] != ks[:-1]]
        rows = np.sort(rows[o[firsts]])
        # exclude actor == applicant
        actor_code = {a: i for i, a in enumerate(self.actor_names)}
        app_as_actor = np.array([actor_code.get(a, -2) for a in app_names] + [-3], dtype=np.int64)
        ca = case_app[self.grp[rows]]
        rows = rows[self.ac[rows] != app_as_actor[ca]]
        if len(rows) == 0:
            return
        off = self.cal.offset_us
        fr = self.flow_row[rows]
        months = self._fparam(lambda f: f.params.period_months, np.int64, 1)[fr]
        day = (self.t[rows] + off) // DAY_US
        pid = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) // months
        grp = self.grp[rows]
        app = case_app[grp]
        # distinct (case, period): rows are in case order and time order within a case
        new_cp = np.r_[True, (grp[1:] != grp[:-1]) | (pid[1:] != pid[:-1])]
        cp = pl.DataFrame({"f": fr[new_cp], "pid": pid[new_cp], "app": app[new_cp]})
        n_a = cp.group_by("f", "pid", "app").agg(n_a=pl.len())
        mins = self._fparam(lambda f: f.params.conc_min_cases, np.int64)
        n_a = n_a.filter(pl.Series(n_a["n_a"].to_numpy() >= mins[n_a["f"].to_numpy()]))
        if n_a.height == 0:
            return
        n_total = cp.group_by("f", "pid").agg(n_total=pl.len())
        pairs = pl.DataFrame({"f": fr, "pid": pid, "app": app, "actor": self.ac[rows], "r": rows})
        n_o = pairs.group_by("f", "pid", "actor").agg(n_o=pl.len())
        cand = pairs.join(n_a, on=["f", "pid", "app"])
        n_ao = cand.group_by("f", "pid", "app", "actor").agg(n_ao=pl.len())
        stats = (cand.join(n_ao, on=["f", "pid", "app", "actor"]).join(n_o, on=["f", "pid", "actor"])
                 .join(n_total, on=["f", "pid"]))
        shares = self._fparam(lambda f: f.params.conc_share, np.float64)
        lifts = self._fparam(lambda f: f.params.conc_lift, np.float64)
        f_arr = stats["f"].to_numpy()
        # NumPy's true division is correctly rounded, exactly like Python's int / int in the stream engine
        share = stats["n_ao"].to_numpy().astype(np.int64) / stats["n_a"].to_numpy().astype(np.int64)
        share_o = stats["n_o"].to_numpy().astype(np.int64) / stats["n_total"].to_numpy().astype(np.int64)
        stats = stats.with_columns(share=pl.Series(share), share_o=pl.Series(share_o))
        flag = (share >= shares[f_arr]) & (share / share_o >= lifts[f_arr])
        sel = stats.filter(pl.Series(flag))
        if sel.height == 0:
            return
        eids = self._eids(sel["r"].to_numpy())
        for k, row in enumerate(sel.iter_rows(named=True)):
            flow = fs.flows[row["f"]]
            p = flow.params
            r = row["r"]
            sh = row["share"]
            self.out.append(make(
                "concentration", "red" if sh >= p.conc_red_share else "yellow", flow,
                self.case_names[int(self.cs[r])], self.pow_names[int(self.pow_c_sorted[self.starts[self.grp[r]]])],
                self.step_names[int(self.sc[r])], self.actor_names[row["actor"]], eids[k], int(self.t[r]), off,
                value=sh, limit=row["share_o"], related=app_names[row["app"]],
                extra=(("n_applicant", row["n_a"]), ("n_pair", row["n_ao"]),
                       ("period", period_label(row["pid"], p.period_months))),
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
