"""Incremental (stream) supervision engine.

Per open case it keeps the case's events (sorted by (timestamp, event_id)) and a small summary
that an in-order event updates in O(1). An out-of-order event triggers a replay of that one
case (O(case length)), never of the history. Findings are a pure function of
(events, now): the engine emits *deltas* — new or updated findings, and retractions
(`Finding.retracted`) when a late event or the passing of time invalidates an earlier one.
Applying all deltas (see `FindingSet`) gives exactly the batch result for the same events and
the same `now`.

Memory: a case is evicted once it has reached an end step and the watermark (max event time
seen minus `allowed_lateness`) has passed its last event. Pattern rules keep only records
inside their windows (split purchases, repeats) or open periods (concentration).
"""

from __future__ import annotations

import datetime as dt
import heapq
from bisect import bisect_left, insort
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from itertools import chain
from pathlib import Path
from typing import Any

from .calendar import FIRST_DAY, WorkCalendar, resolve_calendar
from .events import Event, event_from_mapping, parse_ts, to_ident, to_number
from .findings import Finding, Key, escalate, make
from .model import DAY_US, HOUR_US, Flowchart, FlowSet, load_flows
from .patterns import period_end_us, period_label, period_of, period_start_day, split_flags

NEG_INF = -(1 << 62)
#: Rules attached to one event and its actor: the only ones repeat escalation applies to.
PER_EVENT_RULES = frozenset({"unknown_step", "skipped_step", "order_violation", "step_overdue", "sod_violation",
                             "discretion_out_of_range", "off_hours", "too_fast"})


def _as_us(value: Any, offset_us: int) -> int:
    if isinstance(value, int):
        return value
    return parse_ts(value, offset_us)


def _lateness_us(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, dt.timedelta):
        return int(v / dt.timedelta(microseconds=1))
    return int(v)


class _Case:
    __slots__ = (
        "cid", "evs", "ids", "flow", "ft", "power", "last_ts", "last_day", "last_known", "first_day",
        "counted_us", "stopped_wd", "max_used", "cross", "done", "closed_ts", "applicant", "purchase",
        "pairs", "findings", "volatile", "conc_pairs", "conc_lo", "conc_hi", "conc_gen",
    )

    def __init__(self, cid: str, power: str | None, flow: Flowchart | None, ft: _FlowTab | None = None):
        self.cid = cid
        self.evs: list[Event] = []
        self.ids: set[str] = set()
        self.flow = flow
        self.ft = ft  # the flowchart's lookup tables (engine._ft[flow.idx]) while flow is set
        self.power = power
        self.findings: dict[Key, Finding] = {}
        self.volatile: list[Key] | tuple[()] = ()
        self.reset()

    def reset(self) -> None:
        self.last_ts: int | None = None
        self.last_day = 0
        self.last_known = -1
        self.first_day = 0
        self.counted_us = 0
        self.stopped_wd = 0
        self.max_used = NEG_INF
        self.cross: Event | None = None
        self.done: dict[str, list[int]] = {}
        self.closed_ts: int | None = None
        self.applicant: str | None = None
        self.purchase: tuple[Event, float, str] | None = None
        self.pairs: dict[str, Event] = {}
        # concentration: the pairs dict of the case's entry in its current period, valid for local days
        # [conc_lo, conc_hi) while no period has closed since (conc_gen); a new pair then costs one store
        self.conc_pairs: dict[str, Event] | None = None
        self.conc_lo = self.conc_hi = self.conc_gen = 0


class _FlowTab:
    """Per-flowchart lookup tables for the hot path (plain lists/sets indexed by local step)."""

    __slots__ = ("by_code", "succ", "reach", "is_start", "is_end", "stop", "limit_wd", "limit_us", "min_us",
                 "decision", "discretion", "inc", "codes", "rows", "step_on", "order_on", "skip_on", "over_on", "fast_on",
                 "off_on", "disc_on", "sod_on", "conc_on", "split_on", "case_wd", "case_us", "months")

    def __init__(self, flow: Flowchart):
        p = flow.params
        st = flow.steps
        self.by_code = flow.by_code
        self.succ = [frozenset(x) for x in flow.succ]
        self.reach = flow.reach
        self.is_start = [s.is_start for s in st]
        self.is_end = [s.is_end for s in st]
        self.stop = [s.clock_stop for s in st]
        self.limit_wd = [s.limit_wd for s in st]
        self.limit_us = [s.limit_us for s in st]
        self.min_us = [s.min_us for s in st]
        self.decision = [s.decision for s in st]
        self.discretion = [s.discretion for s in st]
        self.inc = [flow.incompatible.get(i) for i in range(len(st))]
        self.codes = [s.code for s in st]
        # per step, what the hot path checks, with the rule switches folded in (0/None/False = no check)
        over, fast, off, disc, sod = (p.on(r) for r in ("step_overdue", "too_fast", "off_hours",
                                                         "discretion_out_of_range", "sod_violation"))
        self.rows = [(s.clock_stop, s.limit_wd if over else 0, s.limit_us if over and not s.limit_wd else 0,
                      s.min_us if fast else 0, s.decision and off, s.discretion if disc and s.discretion else None,
                      self.inc[i] if sod else None, s.is_end) for i, s in enumerate(st)]
        self.step_on = p.on("unknown_step")
        self.order_on = p.on("order_violation")
        self.skip_on = p.on("skipped_step")
        self.over_on = p.on("step_overdue")
        self.fast_on = p.on("too_fast")
        self.off_on = p.on("off_hours")
        self.disc_on = p.on("discretion_out_of_range")
        self.sod_on = p.on("sod_violation")
        self.conc_on = p.on("concentration")
        self.split_on = p.on("split_purchase")
        self.case_wd = flow.case_limit_wd
        self.case_us = flow.case_limit_us
        self.months = p.period_months


class _Repeat:
    """Repeat escalation: per (rule, actor) the event-bound findings sorted by time."""

    def __init__(self, flows: FlowSet):
        self.flows = flows
        self.groups: dict[tuple[str, str], list[tuple[tuple, Finding]]] = {}
        self.red: set[Key] = set()
        self.heap: list[tuple[int, tuple[str, str]]] = []
        self.wmax = max((f.params.repeat_window_us for f in flows.flows), default=0)

    @staticmethod
    def skey(f: Finding) -> tuple:
        return (f.ts_us, f.case_id, f.event_id, f.step_code or "", f.attribute or "")

    def _flag(self, lst: list[tuple[tuple, Finding]], i: int) -> list[Finding]:
        if i >= len(lst):
            return []
        f = lst[i][1]
        flow = self.flows.by_code.get(f.flowchart_code or "")
        on = False
        if i > 0 and flow is not None and f.rule in flow.params.repeat_rules:
            on = f.ts_us - lst[i - 1][0][0] <= flow.params.repeat_window_us
        was = f.key in self.red
        if on == was:
            return []
        if on:
            self.red.add(f.key)
        else:
            self.red.discard(f.key)
        return [f]

    def add(self, f: Finding) -> list[Finding]:
        g = (f.rule, f.actor_id)
        lst = self.groups.setdefault(g, [])
        sk = self.skey(f)
        i = bisect_left(lst, sk, key=lambda e: e[0])
        lst.insert(i, (sk, f))
        heapq.heappush(self.heap, (f.ts_us, g))
        return self._flag(lst, i) + self._flag(lst, i + 1)

    def remove(self, f: Finding) -> list[Finding]:
        g = (f.rule, f.actor_id)
        lst = self.groups.get(g)
        if not lst:
            return []
        sk = self.skey(f)
        i = bisect_left(lst, sk, key=lambda e: e[0])
        if i >= len(lst) or lst[i][0] != sk:
            return []
        del lst[i]
        self.red.discard(f.key)
        return self._flag(lst, i)

    def final(self, f: Finding) -> Finding:
        if f.key in self.red:
            flow = self.flows.by_code.get(f.flowchart_code or "")
            return escalate(f, flow.params.raw["repeat_window_days"] if flow else 0, flow)
        return f

    def evict(self, horizon: int) -> None:
        cut = horizon - self.wmax
        while self.heap and self.heap[0][0] < cut:
            _, g = heapq.heappop(self.heap)
            lst = self.groups.get(g)
            while lst and lst[0][0][0] < cut:
                self.red.discard(lst[0][1].key)
                del lst[0]
            if lst is not None and not lst:
                del self.groups[g]


class _Split:
    """split_purchase: near-threshold purchases per (flowchart, supplier), kept for 2 windows."""

    def __init__(self, engine: SupervisionStream):
        self.e = engine
        self.groups: dict[tuple[int, str], list[tuple[int, str, str]]] = {}
        self.recs: dict[tuple[int, str, str], tuple[Event, float, str, Flowchart, str | None]] = {}
        self.by_case: dict[str, tuple[tuple[int, str], tuple[int, str, str]]] = {}
        self.emitted: dict[tuple[int, str, str], Finding] = {}
        self.heap: list[tuple[int, tuple[int, str]]] = []

    def update(self, case: _Case, out: list[Finding]) -> None:
        flow = case.flow
        new = None
        if flow is not None and case.purchase is not None and flow.params.on("split_purchase"):
            ev, amt, sup = case.purchase
            p = flow.params
            if p.split_threshold is not None and p.split_low <= amt < p.split_threshold:
                new = ((flow.idx, sup), (ev.ts, case.cid, ev.event_id))
        old = self.by_case.get(case.cid)
        if old == new:
            return
        touched = []
        if old is not None:
            g, sk = old
            lst = self.groups[g]
            i = bisect_left(lst, sk)
            if i < len(lst) and lst[i] == sk:
                del lst[i]
            self.recs.pop(sk, None)
            f = self.emitted.pop(sk, None)
            if f is not None:
                out.append(f.retraction())
            del self.by_case[case.cid]
            touched.append(g)
        if new is not None:
            g, sk = new
            insort(self.groups.setdefault(g, []), sk)
            ev, amt, sup = case.purchase  # type: ignore[misc]
            self.recs[sk] = (ev, amt, sup, flow, case.power)  # type: ignore[assignment]
            self.by_case[case.cid] = new
            heapq.heappush(self.heap, (sk[0], g))
            if g not in touched:
                touched.append(g)
        for g in touched:
            self._recompute(g, out)

    def _recompute(self, g: tuple[int, str], out: list[Finding]) -> None:
        lst = self.groups.get(g, [])
        if not lst:
            return
        flow = self.e.flows.flows[g[0]]
        p = flow.params
        w = p.split_window_us
        ts = [sk[0] for sk in lst]
        fy, fr, cnt = split_flags(ts, w, p.split_min_count, p.split_red_count)
        frozen = self.e._horizon() - w
        off = self.e.cal.offset_us
        for i, sk in enumerate(lst):
            if sk[0] < frozen:
                continue
            old = self.emitted.get(sk)
            if not fy[i]:
                if old is not None:
                    del self.emitted[sk]
                    out.append(old.retraction())
                continue
            ev, amt, sup, fl, power = self.recs[sk]
            f = make("split_purchase", "red" if fr[i] else "yellow", fl, sk[1], power, ev.step_code, ev.actor_id,
                     ev.event_id, ev.ts, off, value=amt, limit=p.split_threshold, related=sup,
                     extra=(("count", cnt[i]), ("window_days", p.raw["split_window_days"])))
            if old != f:
                self.emitted[sk] = f
                out.append(f)

    def evict(self, horizon: int) -> None:
        while self.heap:
            t, g = self.heap[0]
            w = self.e.flows.flows[g[0]].params.split_window_us
            if t >= horizon - 2 * w:
                break
            heapq.heappop(self.heap)
            lst = self.groups.get(g)
            while lst and lst[0][0] < horizon - 2 * w:
                sk = lst.pop(0)
                rec = self.recs.pop(sk, None)
                self.emitted.pop(sk, None)
                if rec is not None and self.by_case.get(sk[1], (None, None))[1] == sk:
                    del self.by_case[sk[1]]
            if lst is not None and not lst:
                del self.groups[g]


class _Concentration:
    """concentration: (case, official) pairs per (flowchart, period); judged when the period closes."""

    def __init__(self, engine: SupervisionStream):
        self.e = engine
        self.periods: dict[tuple[int, int], dict[str, tuple[str, str | None, dict[str, Event]]]] = {}
        self.by_case: dict[str, set[tuple[int, int]]] = {}
        self.next_end = -(1 << 62)  # earliest end of an open period (lower bound)
        self._pid: dict[tuple[int, int], tuple[int, int, int]] = {}  # (day, months) -> (period, first day, end day)
        self.gen = 0  # +1 whenever periods are closed: the pair caches on cases are then stale

    def update(self, case: _Case) -> None:
        flow = case.flow
        contrib: dict[tuple[int, int], dict[str, Event]] = {}
        if flow is not None and case.applicant is not None and flow.params.on("concentration"):
            k = flow.params.period_months
            off = self.e.cal.offset_us
            for actor, ev in case.pairs.items():
                if actor == case.applicant:
                    continue
                contrib.setdefault((flow.idx, period_of(ev.ts, off, k)), {})[actor] = ev
        old = self.by_case.get(case.cid, set())
        for pk in old - contrib.keys():
            d = self.periods.get(pk)
            if d is not None:
                d.pop(case.cid, None)
        for pk, pairs in contrib.items():
            d = self.periods.get(pk)
            if d is None:
                d = self.periods[pk] = {}
                end = period_end_us(pk[1], self.e.cal.offset_us, flow.params.period_months)  # type: ignore[union-attr]
                if end < self.next_end:
                    self.next_end = end
            d[case.cid] = (case.applicant, case.power, pairs)  # type: ignore[assignment]
        if contrib:
            self.by_case[case.cid] = set(contrib)
        else:
            self.by_case.pop(case.cid, None)

    def add_pair(self, case: _Case, ev: Event) -> None:
        """An in-order event adds one (case, official) pair; remembers the entry on the case (see _Case)."""
        flow = case.flow
        if flow is None or case.applicant is None or ev.actor_id == case.applicant or \
                flow.idx in self.e._conc_off:
            return
        day = case.last_day  # the local day of `ev`, the case's last event (set by _apply)
        k = flow.params.period_months
        per = self._pid.get((day, k))
        if per is None:
            pid = period_of(ev.ts, self.e.cal.offset_us, k)
            per = self._pid[(day, k)] = (pid, period_start_day(pid, k), period_start_day(pid + 1, k))
        pid, lo, hi = per
        pk = (flow.idx, pid)
        d = self.periods.get(pk)
        if d is None:
            d = self.periods[pk] = {}
            end = period_end_us(pk[1], self.e.cal.offset_us, flow.params.period_months)
            if end < self.next_end:
                self.next_end = end
        entry = d.get(case.cid)
        if entry is None:
            entry = d[case.cid] = (case.applicant, case.power, {ev.actor_id: ev})  # type: ignore[assignment]
            known = self.by_case.get(case.cid)
            if known is None:
                self.by_case[case.cid] = {pk}
            else:
                known.add(pk)
        else:
            entry[2][ev.actor_id] = ev  # type: ignore[index]
        case.conc_pairs, case.conc_lo, case.conc_hi, case.conc_gen = entry[2], lo, hi, self.gen  # type: ignore[index]

    def close(self, horizon: int | None, out: list[Finding]) -> None:
        if horizon is not None and horizon < self.next_end:
            return
        off = self.e.cal.offset_us
        self.next_end = 1 << 62
        self.gen += 1
        for pk in sorted(self.periods):
            flow = self.e.flows.flows[pk[0]]
            k = flow.params.period_months
            end = period_end_us(pk[1], off, k)
            if horizon is not None and end > horizon:
                self.next_end = min(self.next_end, end)
                continue
            out.extend(concentration_findings(flow, pk[1], self.periods.pop(pk), off))

    def forget(self, cid: str) -> None:
        self.by_case.pop(cid, None)


def concentration_findings(flow: Flowchart, pid: int, cases: Mapping[str, tuple[str, str | None, dict[str, Event]]],
                           offset_us: int) -> list[Finding]:
    p = flow.params
    # counts by C-level Counter updates; (applicant, official) pairs only for applicants that can be flagged
    live = [(app, pairs) for app, _power, pairs in cases.values() if pairs]
    n_total = len(live)
    n_a = Counter(app for app, _ in live)
    n_o = Counter(chain.from_iterable(pairs for _, pairs in live))  # iterating a pairs dict gives its officials
    big = {a for a, c in n_a.items() if c >= p.conc_min_cases}
    if not big:
        return []
    n_ao: Counter[tuple[str, str]] = Counter()
    for app, _power, pairs in cases.values():
        if app in big:
            n_ao.update((app, actor) for actor in pairs)
    out = []
    label = period_label(pid, p.period_months)
    for cid, (app, power, pairs) in cases.items():
        if app not in big:
            continue
        na = n_a[app]
        for actor, ev in pairs.items():
            nao = n_ao[(app, actor)]
            share = nao / na
            share_o = n_o[actor] / n_total
            if share >= p.conc_share and share / share_o >= p.conc_lift:
                out.append(make("concentration", "red" if share >= p.conc_red_share else "yellow", flow, cid, power,
                                ev.step_code, actor, ev.event_id, ev.ts, offset_us, value=share, limit=share_o,
                                related=app, extra=(("n_applicant", na), ("n_pair", nao), ("period", label))))
    return out


class SupervisionStream:
    """Incremental engine: `feed(event)`, `tick(now)`, `finish()` each return a list of deltas.

    allowed_lateness: how far behind the watermark (max event time seen) an event may arrive and
    still be judged exactly like batch. `None` = unbounded (nothing is evicted before `finish()`).
    Events of unknown (already evicted or never seen) cases older than the watermark minus the
    lateness are dropped and counted in `stats["late_dropped"]`.
    """

    def __init__(
        self,
        flows: FlowSet | str | Path | Iterable[Mapping[str, Any]],
        calendar: WorkCalendar | str | Path | Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        allowed_lateness: dt.timedelta | int | None = dt.timedelta(days=1),
        now: Any = None,
    ):
        self.flows = load_flows(flows, config)
        self.cal = resolve_calendar(calendar)
        self.lateness = _lateness_us(allowed_lateness)
        self.now: int | None = None if now is None else _as_us(now, self.cal.offset_us)
        self.wm: int = NEG_INF
        self.cases: dict[str, _Case] = {}
        self._closing: list[tuple[int, str]] = []
        self._repeat = _Repeat(self.flows)
        self._repeat_rules = frozenset().union(*(f.params.repeat_rules for f in self.flows.flows)) & PER_EVENT_RULES
        self._split = _Split(self)
        self._conc = _Concentration(self)
        self._last_h = NEG_INF
        self._evict_at = (1 << 63) if self.lateness is None else NEG_INF  # evict when wm exceeds this
        self.stats: Counter[str] = Counter()
        self.issues: deque[str] = deque(maxlen=1000)
        self._out: list[Finding] = []
        self._ft = [_FlowTab(f) for f in self.flows.flows]
        self._flow_of = {p: self.flows.flows[i] for p, i in self.flows.by_power.items()}  # flows.flow_for
        self._conc_off = {f.idx for f in self.flows.flows if not f.params.on("concentration")}
        self._off = self.cal.offset_us
        self._split_w2min = 2 * min((f.params.split_window_us for f in self.flows.flows), default=0)
        self._cum = self.cal.cum_l

    # ---- public API ------------------------------------------------------------
    def feed(self, event: Event | Mapping[str, Any]) -> list[Finding]:
        """Process one event; returns the finding deltas it causes."""
        if type(event) is not Event and not isinstance(event, Event):
            try:
                event = event_from_mapping(event, self.cal.offset_us)
            except ValueError as exc:
                self.stats["malformed"] += 1
                self.issues.append(str(exc))
                return []
        # the hot path, in one function (a call per event is a measurable share of its cost)
        self._out = out = []
        ev: Event = event  # type: ignore[assignment]
        t = ev.ts
        eid = ev.event_id
        case = self.cases.get(ev.case_id)
        if case is None:
            if self.lateness is not None and t < self.wm - self.lateness:
                self.stats["late_dropped"] += 1
                return out
            p = ev.power_code
            flow = None if p is None else self._flow_of.get(p)
            case = self.cases[ev.case_id] = _Case(ev.case_id, p, flow, None if flow is None else self._ft[flow.idx])
            evs = case.evs
            last = None
        else:
            if eid in case.ids:
                self.stats["duplicates"] += 1
                return out
            evs = case.evs
            last = evs[-1]  # a held case has at least one event
        if t > self.wm:
            self.wm = t
        case.ids.add(eid)
        if last is None or t > last.ts or (t == last.ts and eid > last.event_id):
            # in-order arrival (the common case): append and update the summary in O(1)
            evs.append(ev)
            if case.flow is not None:
                was_closed = case.closed_ts is not None
                buy0 = case.purchase
                new: list[Finding] = []
                self._apply(case, ev, new)
                if new:
                    for f in new:
                        self._set(case, f)
                if self.now is not None or case.cross is not None or case.volatile:
                    self._refresh_volatile(case)
                if case.purchase is not buy0:
                    self._split.update(case, self._out)
                a = ev.actor_id
                if a is not None and a not in case.pairs:  # a new (case, official) pair
                    case.pairs[a] = ev
                    cp = case.conc_pairs
                    if cp is not None and case.conc_lo <= case.last_day < case.conc_hi and \
                            case.conc_gen == self._conc.gen:
                        if a != case.applicant:  # same period as the case's last pair: one store
                            cp[a] = ev
                    else:
                        self._conc.add_pair(case, ev)
                if not was_closed and case.closed_ts is not None:
                    heapq.heappush(self._closing, (t, case.cid))
            elif len(evs) == 1:  # unknown power: one finding for the case, on its first event
                self._refresh_volatile(case)
                heapq.heappush(self._closing, (t, case.cid))
        else:
            self.stats["rebuilds"] += 1
            insort(evs, ev, key=lambda e: (e.ts, e.event_id))
            self._rebuild(case)
        if self.wm > self._evict_at:
            self._maybe_evict()
        return out

    def feed_many(self, events: Iterable[Event | Mapping[str, Any]]) -> list[Finding]:
        res: list[Finding] = []
        for e in events:
            res.extend(self.feed(e))
        return res

    def tick(self, now: Any) -> list[Finding]:
        """Advance the wall clock: (re)computes deadline warnings/overruns of all open cases."""
        self.now = _as_us(now, self.cal.offset_us)
        self._out = []
        for case in list(self.cases.values()):
            if case.flow is not None and case.closed_ts is None:
                self._refresh_volatile(case)
        return self._out

    def finish(self) -> list[Finding]:
        """End of input: close every pattern period and release all state."""
        self._out = out = []
        self._conc.close(None, out)
        self.cases.clear()
        self._closing.clear()
        self._split = _Split(self)
        self._conc = _Concentration(self)
        self._repeat = _Repeat(self.flows)
        return out

    @property
    def open_cases(self) -> int:  # cases held in memory (open, or closed but within the lateness)
        return len(self.cases)

    def state_size(self) -> dict[str, int]:
        return {
            "cases": len(self.cases),
            "events_held": sum(len(c.evs) for c in self.cases.values()),
            "repeat_entries": sum(len(v) for v in self._repeat.groups.values()),
            "split_records": len(self._split.recs),
            "concentration_cases": sum(len(v) for v in self._conc.periods.values()),
        }

    # ---- internals -------------------------------------------------------------
    def _horizon(self) -> int:
        if self.lateness is None or self.wm == NEG_INF:
            return NEG_INF
        return self.wm - self.lateness

    def _rebuild(self, case: _Case) -> None:
        was_closed = case.closed_ts is not None
        first = case.evs[0]
        case.power = first.power_code
        case.flow = self.flows.flow_for(first.power_code)
        case.ft = None if case.flow is None else self._ft[case.flow.idx]
        case.reset()
        new: list[Finding] = []
        if case.flow is not None:
            pairs = case.pairs
            for ev in case.evs:
                self._apply(case, ev, new)
                a = ev.actor_id
                if a is not None and a not in pairs:
                    pairs[a] = ev
        fresh = {f.key: f for f in new}
        for k in [k for k in case.findings if k not in fresh and k not in case.volatile]:
            self._unset(case, k)
        for f in new:
            self._set(case, f)
        self._refresh_volatile(case)
        self._split.update(case, self._out)
        self._conc.update(case)
        if case.flow is None:
            heapq.heappush(self._closing, (case.evs[-1].ts, case.cid))
        if not was_closed and case.closed_ts is not None:
            heapq.heappush(self._closing, (case.evs[-1].ts, case.cid))

    # -- finding bookkeeping (escalation-aware) --
    def _escalatable(self, f: Finding) -> bool:
        return f.event_id is not None and f.actor_id is not None and f.rule in self._repeat_rules

    def _set(self, case: _Case, f: Finding) -> None:
        old = case.findings.get(f.key)
        if old == f:
            return
        case.findings[f.key] = f
        out = self._out
        if self._escalatable(f):
            flips: list[Finding] = []
            if old is not None:
                flips += self._repeat.remove(old)
            flips += self._repeat.add(f)
            out.append(self._repeat.final(f))
            for g in flips:
                if g.key != f.key:
                    out.append(self._repeat.final(g))
        else:
            out.append(f)

    def _unset(self, case: _Case, key: Key) -> None:
        f = case.findings.pop(key, None)
        if f is None:
            return
        self._out.append(f.retraction())
        if self._escalatable(f):
            for g in self._repeat.remove(f):
                self._out.append(self._repeat.final(g))

    # -- the per-event rules: the exact semantics batch.py vectorises --
    def _apply(self, case: _Case, ev: Event, out: list[Finding]) -> None:
        flow: Flowchart = case.flow  # type: ignore[assignment]  # callers check it is not None
        ft: _FlowTab = case.ft  # type: ignore[assignment]
        off = self._off
        cum = self._cum
        fd = FIRST_DAY
        ts = ev.ts
        # same as (ts + off) // DAY_US: two divisors below 2**30 take CPython's one-digit division,
        # DAY_US its general long division (≈ 4 times the work)
        day = (ts + off) // 1_000_000 // 86_400
        prev_ts = case.last_ts
        prev_day = case.last_day
        step_code = ev.step_code
        i = ft.by_code.get(step_code)
        if prev_ts is None:
            case.first_day = day
        if i is None:
            if ft.step_on:
                out.append(make("unknown_step", "yellow", flow, case.cid, case.power, step_code, ev.actor_id,
                                ev.event_id, ts, off))
            stop = False
        else:
            stop, lwd, lus, mn, dec, disc, inc, is_end = ft.rows[i]
            pk = case.last_known
            if pk == -1:
                if not ft.is_start[i] and ft.order_on:
                    out.append(make("order_violation", "yellow", flow, case.cid, case.power, step_code, ev.actor_id,
                                    ev.event_id, ts, off))
            elif i not in ft.succ[pk]:
                if i in ft.reach[pk]:
                    if ft.skip_on:
                        sk = ",".join(flow.steps[j].code for j in flow.skipped_between(pk, i))
                        out.append(make("skipped_step", "yellow", flow, case.cid, case.power, step_code,
                                        ev.actor_id, ev.event_id, ts, off, related=sk))
                elif ft.order_on:
                    out.append(make("order_violation", "yellow", flow, case.cid, case.power, step_code,
                                    ev.actor_id, ev.event_id, ts, off, related=ft.codes[pk]))
            case.last_known = i
            if prev_ts is not None:
                el = ts - prev_ts
                if lwd:
                    u = cum[day - 1 - fd] - cum[prev_day - fd] + 1 if day > prev_day else 0
                    if u > lwd:
                        p = flow.params
                        red = (u - lwd) > p.red_ratio * lwd
                        out.append(make("step_overdue", "red" if red else "yellow", flow, case.cid, case.power,
                                        step_code, ev.actor_id, ev.event_id, ts, off, value=float(u),
                                        limit=float(lwd), unit="workdays",
                                        extra=(("red_ratio", p.red_ratio),) if red else ()))
                elif lus and el > lus:
                    p = flow.params
                    red = (el - lus) > p.red_ratio * lus
                    out.append(make("step_overdue", "red" if red else "yellow", flow, case.cid, case.power,
                                    step_code, ev.actor_id, ev.event_id, ts, off, value=el / HOUR_US,
                                    limit=lus / HOUR_US, unit="hours",
                                    extra=(("red_ratio", p.red_ratio),) if red else ()))
                if mn and el < mn:
                    out.append(make("too_fast", "yellow", flow, case.cid, case.power, step_code, ev.actor_id,
                                    ev.event_id, ts, off, value=el / HOUR_US, limit=mn / HOUR_US, unit="hours"))
            if dec:
                p = flow.params
                rest = p.off_rest_days and not self.cal.is_working(day)
                tod = (ts + off) % DAY_US
                if p.off_start_us > p.off_end_us:
                    night = tod >= p.off_start_us or tod < p.off_end_us
                else:
                    night = p.off_start_us <= tod < p.off_end_us
                if rest or night:
                    out.append(make("off_hours", "yellow", flow, case.cid, case.power, step_code, ev.actor_id,
                                    ev.event_id, ts, off, extra=(("rest_day", rest),)))
            if disc:
                p = flow.params
                attrs = ev.attrs
                for attr, lo, hi in disc:
                    v = attrs.get(attr)
                    if v is None:  # absent: not judged (skip the number parsing)
                        continue
                    v = to_number(v)
                    if v is not None and ((lo is not None and v < lo) or (hi is not None and v > hi)):
                        rng = f"[{'-' if lo is None else _fmt(lo)}, {'-' if hi is None else _fmt(hi)}]"
                        out.append(make("discretion_out_of_range", p.discretion_severity, flow, case.cid,
                                        case.power, step_code, ev.actor_id, ev.event_id, ts, off, attribute=attr,
                                        value=v, related=rng))
            if inc is not None:  # a step with incompatible steps (and sod_violation on)
                a = ev.actor_id
                if a is not None:
                    done = case.done.get(a)
                    if done is None:
                        case.done[a] = [i]
                    else:
                        for j in done:
                            if j in inc:
                                out.append(make("sod_violation", "yellow", flow, case.cid, case.power,
                                                step_code, a, ev.event_id, ts, off, related=ft.codes[j]))
                                break
                        done.append(i)
            if is_end and case.closed_ts is None:
                case.closed_ts = ts
        # case clock (clock_stop steps excluded)
        case_wd = ft.case_wd
        if case_wd:
            if stop and prev_ts is not None:
                case.stopped_wd += cum[day - fd] - cum[prev_day - fd]
            d0 = case.first_day
            used = (cum[day - 1 - fd] - cum[d0 - fd] + 1 if day > d0 else 0) - case.stopped_wd
            if used > case.max_used:
                case.max_used = used
            if case.cross is None and used > case_wd:
                case.cross = ev
        elif ft.case_us:
            if prev_ts is not None and not stop:
                case.counted_us += ts - prev_ts
            used = case.counted_us
            if used > case.max_used:
                case.max_used = used
            if case.cross is None and used > ft.case_us:
                case.cross = ev
        elif prev_ts is not None and not stop:
            case.counted_us += ts - prev_ts
        case.last_ts = ts
        case.last_day = day
        # attributes for pattern rules: the applicant is the one on the case's first event; the purchase
        # is the earliest event carrying both an amount and a supplier
        attrs = ev.attrs
        if attrs:
            if prev_ts is None:
                case.applicant = to_ident(attrs.get("applicant_id"))
            if case.purchase is None:
                amt = attrs.get("amount")
                if amt is not None:
                    amt = to_number(amt)
                    sup = to_ident(attrs.get("supplier_id"))
                    if amt is not None and sup is not None:
                        case.purchase = (ev, amt, sup)

    def _volatile(self, case: _Case) -> list[Finding]:
        return volatile_findings(case, self.cal, self.now)

    def _refresh_volatile(self, case: _Case) -> None:
        fresh = self._volatile(case)
        keys = [f.key for f in fresh]
        for k in case.volatile:
            if k not in keys:
                # a volatile key may coincide with an event-bound one only for case_overdue at the cross event
                self._unset(case, k)
        case.volatile = keys
        for f in fresh:
            self._set(case, f)

    def _maybe_evict(self) -> None:
        h = self._horizon()
        if h <= self._last_h:
            return
        self._last_h = h
        self._evict_at = h + self.lateness  # type: ignore[operator]
        closing, cases, conc_cases = self._closing, self.cases, self._conc.by_case
        evicted = 0
        while closing and closing[0][0] < h:
            t, cid = heapq.heappop(closing)
            case = cases.get(cid)
            if case is None or (case.closed_ts is None and case.flow is not None):
                continue
            last = case.evs[-1].ts
            if last >= h:
                heapq.heappush(closing, (last, cid))
                continue
            del cases[cid]
            conc_cases.pop(cid, None)  # what _Concentration.forget does
            evicted += 1
        if evicted:
            self.stats["evicted"] += evicted
        rep = self._repeat
        if rep.heap and rep.heap[0][0] < h - rep.wmax:
            rep.evict(h)
        sp = self._split
        if sp.heap and sp.heap[0][0] < h - self._split_w2min:
            sp.evict(h)
        if h >= self._conc.next_end:
            self._conc.close(h, self._out)


def volatile_findings(case: Any, cal: WorkCalendar, now: int | None) -> list[Finding]:
    """Findings that depend on the case as a whole or on `now` (case_overdue, pending deadlines)."""
    flow = case.flow
    off = cal.offset_us
    if flow is None:
        return [make("unknown_power", "yellow", None, case.cid, case.power)]
    res: list[Finding] = []
    p = flow.params
    pending = case.closed_ts is None and now is not None and case.last_ts is not None and now >= case.last_ts
    now_day = (now + off) // DAY_US if pending else 0  # type: ignore[operator]
    pk = case.last_known
    stop_pending = flow.all_succ_stop[pk] if pk >= 0 else flow.start_all_stop
    if p.on("case_overdue") and (flow.case_limit_wd or flow.case_limit_us):
        if flow.case_limit_wd:
            lim = flow.case_limit_wd
            unit = "workdays"
            used_now = None
            if pending:
                used_now = cal.used(case.first_day, now_day) - case.stopped_wd
                if stop_pending:
                    used_now -= cal.cum_at(now_day) - cal.cum_at(case.last_day)
            conv = float
        else:
            lim = flow.case_limit_us
            unit = "hours"
            used_now = None
            if pending:
                used_now = case.counted_us + (0 if stop_pending else now - case.last_ts)  # type: ignore[operator]

            def conv(x: int) -> float:
                return x / HOUR_US
        top = case.max_used if used_now is None else max(case.max_used, used_now)
        if case.cross is not None:
            red = (top - lim) > p.red_ratio * lim
            e = case.cross
            res.append(make("case_overdue", "red" if red else "yellow", flow, case.cid, case.power, None, None,
                            e.event_id, e.ts, off, value=conv(top), limit=conv(lim), unit=unit,
                            extra=(("red_ratio", p.red_ratio),) if red else ()))
        elif used_now is not None:
            sev = None
            if used_now > lim:
                sev = "red" if (used_now - lim) > p.red_ratio * lim else "yellow"
            elif (lim - used_now) <= (p.warn_workdays if unit == "workdays" else min(p.warn_us, lim // 4)):
                sev = "warning"
            if sev is not None:
                res.append(make("case_overdue", sev, flow, case.cid, case.power, value=conv(used_now),
                                limit=conv(lim), unit=unit,
                                extra=(("red_ratio", p.red_ratio),) if sev == "red" else ()))
    if pending and p.on("step_overdue"):
        succ = flow.succ[pk] if pk >= 0 else tuple(sorted(flow.start))
        if succ and all(flow.steps[s].limit_wd or flow.steps[s].limit_us for s in succ):
            best = -1
            best_dl = NEG_INF
            for s in succ:
                st = flow.steps[s]
                if st.limit_wd:
                    dl = (cal.deadline_day(case.last_day, st.limit_wd) + 1) * DAY_US - off
                else:
                    dl = case.last_ts + st.limit_us  # type: ignore[operator]
                if dl > best_dl:
                    best, best_dl = s, dl
            st = flow.steps[best]
            if st.limit_wd:
                u = cal.used(case.last_day, now_day)
                lim, val, unit, warn = st.limit_wd, u, "workdays", p.warn_workdays
                vf, lf = float(u), float(lim)
            else:
                u = now - case.last_ts  # type: ignore[operator]
                lim, val, unit, warn = st.limit_us, u, "hours", min(p.warn_us, st.limit_us // 4)
                vf, lf = u / HOUR_US, lim / HOUR_US
            sev = None
            if val > lim:
                sev = "red" if (val - lim) > p.red_ratio * lim else "yellow"
            elif lim - val <= warn:
                sev = "warning"
            if sev is not None:
                res.append(make("step_overdue", sev, flow, case.cid, case.power, st.code, value=vf, limit=lf,
                                unit=unit, extra=(("red_ratio", p.red_ratio),) if sev == "red" else ()))
    return res



def _fmt(v: float) -> str:
    return f"{int(v)}" if float(v).is_integer() else f"{v:g}"


def run_stream(flows: Any, events: Iterable[Event | Mapping[str, Any]], now: Any = None, **kw: Any) -> list[Finding]:
    """Convenience: feed everything, optionally tick(now), finish; return the final finding set."""
    from .findings import FindingSet

    eng = SupervisionStream(flows, **kw)
    fs = FindingSet()
    for e in events:
        fs.apply(eng.feed(e))
    if now is not None:
        fs.apply(eng.tick(now))
    fs.apply(eng.finish())
    return fs.sorted()
