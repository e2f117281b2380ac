"""Queries and figures behind the supervision screens (电子监察). Plain functions
over a unit's events and findings; the views only pick the unit and check who
asks. Working days are counted with the engine's calendar, the same way the
engine counts them (lianfang.supervision.calendar)."""

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone

from lianfang.access.policy import scope_for, visible
from lianfang.flows.models import Flowchart, Step
from lianfang.orgs.models import Department, Person, Unit
from lianfang.powers.models import Power
from lianfang.supervision import default_calendar
from lianfang.supervision.findings import RULES, SEVERITY_ZH
from lianfang.supervision.model import DAY_US

from .models import CaseEvent, Finding, Severity

SEVERITIES = ("warning", "yellow", "red")
# Quarterly ranking: points deducted per finding, scaled to every PER_CASES cases of the
# department (per 100 cases, a department with a red card on one case in ten would
# already score 0, and most departments would tie there).
DEDUCTIONS = {"warning": 2, "yellow": 5, "red": 10}
PER_CASES = 10
LEADERSHIP = "leaders"  # the department bucket of posts outside any department (unit leaders)


# ---------------------------------------------------------------- who may see what


def supervised_units(user):
    """Units whose supervision data the user may see: superusers all; otherwise
    the units where they are head, office, discipline or coordination group."""
    scope = scope_for(user)
    units = Unit.objects.filter(is_active=True)
    if not scope.superuser:
        units = units.filter(pk__in=scope.oversight_units | scope.edit_units)
    return units.order_by("path")


def can_manage_tokens(user, unit) -> bool:
    """Issuing and revoking event-API tokens: the unit's steering office and superusers."""
    scope = scope_for(user)
    return scope.superuser or unit.pk in scope.manage_units


def can_run_engine(user, unit) -> bool:
    return can_manage_tokens(user, unit)


# ---------------------------------------------------------------- lookups


@dataclass
class UnitIndex:
    """Names and links of one unit, loaded once per request."""

    unit: Unit
    charts: dict[str, Flowchart] = field(default_factory=dict)  # power code -> flowchart
    step_names: dict[tuple[int, str], str] = field(default_factory=dict)
    step_dept: dict[tuple[int, str], int | None] = field(default_factory=dict)
    power_dept: dict[str, int | None] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)  # person code -> name

    def chart_for(self, power_code: str) -> Flowchart | None:
        return self.charts.get(power_code)

    def department_name(self, dept_id) -> str:
        if dept_id in (None, LEADERSHIP):
            return "单位领导及其他"
        return self.departments.get(dept_id, "—")

    def person(self, code: str) -> str:
        if not code:
            return "—"
        name = self.people.get(code)
        return f"{name}（{code}）" if name else code


def unit_index(unit) -> UnitIndex:
    index = UnitIndex(unit=unit)
    for fc in Flowchart.objects.filter(unit=unit).prefetch_related("powers").order_by("code"):
        for code in [p.code for p in fc.powers.all()] + list(fc.unlinked_power_codes or []):
            index.charts.setdefault(code, fc)
    for fc_id, code, name, dept in Step.objects.filter(flowchart__unit=unit).values_list(
            "flowchart_id", "code", "name", "post__department_id"):
        index.step_names[fc_id, code] = name
        index.step_dept[fc_id, code] = dept
    for code, dept in Power.objects.filter(unit=unit).order_by("catalogue__year").values_list("code", "department_id"):
        index.power_dept[code] = dept
    index.departments = dict(Department.objects.filter(unit=unit).values_list("pk", "name"))
    index.people = dict(Person.objects.values_list("code", "name"))
    return index


# ---------------------------------------------------------------- figures


def open_statuses():
    from lianfang.alerts.models import AlertStatus

    return [AlertStatus.OPEN, AlertStatus.HANDLING]


def figures(user, unit) -> dict:
    from lianfang.alerts.models import Alert

    events = visible(user, CaseEvent.objects.filter(unit=unit))
    cases = case_states(user, unit)
    findings = visible(user, Finding.objects.filter(unit=unit, retracted=False))
    by_severity = dict(findings.values_list("severity").annotate(n=Count("pk")))
    return {
        "events": events.count(),
        "cases": len(cases),
        "closed": sum(1 for c in cases.values() if c.closed),
        "open": sum(1 for c in cases.values() if not c.closed),
        "findings": {s: by_severity.get(s, 0) for s in SEVERITIES},
        "findings_total": sum(by_severity.values()),
        "alerts_open": visible(user, Alert.objects.filter(unit=unit, status__in=open_statuses())).count(),
        "last_event": events.order_by("-at").values_list("at", flat=True).first(),
    }


# ---------------------------------------------------------------- cases and their clocks


@dataclass
class CaseState:
    case_id: str
    power_code: str
    first_at: dt.datetime
    last_at: dt.datetime
    last_step: str
    steps: list[str]
    days: list[int]
    closed: bool = False


def _day(moment: dt.datetime) -> int:
    cal = default_calendar()
    return (int(moment.timestamp() * 1_000_000) + cal.offset_us) // DAY_US


def case_states(user, unit) -> dict[str, CaseState]:
    """Every case of the unit with its visited steps, closed when it reached an end step."""
    ends: dict[int, set[str]] = defaultdict(set)
    for fc_id, code in Step.objects.filter(flowchart__unit=unit, is_end=True).values_list("flowchart_id", "code"):
        ends[fc_id].add(code)
    charts: dict[str, int] = {}
    for fc in Flowchart.objects.filter(unit=unit).prefetch_related("powers").order_by("code"):
        for code in [p.code for p in fc.powers.all()] + list(fc.unlinked_power_codes or []):
            charts.setdefault(code, fc.pk)
    cases: dict[str, CaseState] = {}
    rows = visible(user, CaseEvent.objects.filter(unit=unit)).order_by("case_id", "at", "event_id").values_list(
        "case_id", "power_code", "step_code", "at")
    for case_id, power, step, at in rows.iterator(chunk_size=5000):
        state = cases.get(case_id)
        if state is None:
            state = cases[case_id] = CaseState(case_id, power, at, at, step, [], [])
        state.steps.append(step)
        state.days.append(_day(at))
        state.last_at, state.last_step = at, step
        if step in ends.get(charts.get(power, -1), ()):
            state.closed = True
    return cases


def clock_colour(ratio: float) -> str:
    """Progress-bar colour: green up to 80 % of the limit, orange up to 100 %, red beyond."""
    if ratio > 1:
        return "danger"
    if ratio >= 0.8:
        return "warning"
    return "success"


def open_case_clocks(user, unit, *, as_of: dt.datetime | None = None, index: UnitIndex | None = None) -> list[dict]:
    """Open cases with the working days used of the case limit and of the current
    step's limit (the next step's, as the engine judges pending cases), most urgent
    first."""
    from lianfang.flows.serialize import export_unit
    from lianfang.supervision import load_flows

    as_of = as_of or timezone.now()
    cal = default_calendar()
    index = index or unit_index(unit)
    flows = load_flows(export_unit(unit)) if Flowchart.objects.filter(unit=unit).exists() else None
    now_day = _day(as_of)
    out = []
    for state in case_states(user, unit).values():
        if state.closed:
            continue
        flow = flows.flow_for(state.power_code) if flows else None
        if flow is None:
            continue
        # working days spent in clock-stop steps do not count (补正、听证、公示 …)
        stopped = 0
        for i in range(1, len(state.steps)):
            k = flow.by_code.get(state.steps[i])
            if k is not None and flow.steps[k].clock_stop:
                stopped += cal.cum_at(state.days[i]) - cal.cum_at(state.days[i - 1])
        last = flow.by_code.get(state.last_step, -1)
        stop_pending = flow.all_succ_stop[last] if last >= 0 else flow.start_all_stop
        row = {
            "case_id": state.case_id, "power_code": state.power_code, "flowchart": index.chart_for(state.power_code),
            "flowchart_name": flow.name, "last_step": flow.step_name(state.last_step), "last_at": state.last_at,
            "first_at": state.first_at, "case_used": None, "case_limit": None, "step_used": None, "step_limit": None,
            "next_step": "", "paused": stop_pending,
        }
        if flow.case_limit_wd:
            used = cal.used(state.days[0], now_day) - stopped
            if stop_pending:
                used -= cal.cum_at(now_day) - cal.cum_at(state.days[-1])
            row["case_used"], row["case_limit"] = used, flow.case_limit_wd
        succ = flow.succ[last] if last >= 0 else tuple(sorted(flow.start))
        timed = [s for s in succ if flow.steps[s].limit_wd]
        if timed and not stop_pending:
            step = max(timed, key=lambda s: flow.steps[s].limit_wd)
            row["next_step"] = "、".join(flow.steps[s].name for s in succ)
            row["step_used"] = cal.used(state.days[-1], now_day)
            row["step_limit"] = flow.steps[step].limit_wd
        elif succ and not stop_pending:
            row["next_step"] = "、".join(flow.steps[s].name for s in succ)
            hours = [flow.steps[s].limit_us for s in succ if flow.steps[s].limit_us]
            if hours:
                row["step_used_hours"] = round((as_of - state.last_at).total_seconds() / 3600, 1)
                row["step_limit_hours"] = max(hours) / 3_600_000_000
        ratios = []
        if row["case_limit"]:
            row["case_ratio"] = row["case_used"] / row["case_limit"]
            ratios.append(row["case_ratio"])
        if row["step_limit"]:
            row["step_ratio"] = row["step_used"] / row["step_limit"]
            ratios.append(row["step_ratio"])
        elif row.get("step_limit_hours"):
            row["step_ratio"] = row["step_used_hours"] / row["step_limit_hours"]
            ratios.append(row["step_ratio"])
        row["ratio"] = max(ratios) if ratios else 0.0
        for key in ("case", "step"):
            ratio = row.get(f"{key}_ratio")
            if ratio is not None:
                row[f"{key}_pct"] = min(100, round(ratio * 100))
                row[f"{key}_colour"] = clock_colour(ratio)
        row["colour"] = clock_colour(row["ratio"])
        out.append(row)
    out.sort(key=lambda r: (-r["ratio"], r["case_id"]))
    return out


# ---------------------------------------------------------------- findings


def findings_queryset(user, unit, *, rule="", severity="", department="", actor="", case="", retracted=False):
    """The unit's findings the user may see, filtered. `department` is a
    department id, or "leaders" for steps of posts outside any department."""
    qs = visible(user, Finding.objects.filter(unit=unit)).annotate(
        dept=Coalesce("step__post__department_id", "power__department_id"))
    if not retracted:
        qs = qs.filter(retracted=False)
    if rule:
        qs = qs.filter(rule=rule)
    if severity in SEVERITIES:
        qs = qs.filter(severity=severity)
    if department == LEADERSHIP:
        qs = qs.filter(dept__isnull=True)
    elif department:
        try:
            qs = qs.filter(dept=int(department))
        except ValueError:
            qs = qs.none()
    if actor:
        qs = qs.filter(actor_id=actor)
    if case:
        qs = qs.filter(case_id=case)
    return qs.select_related("flowchart", "step", "power").order_by("-occurred_at", "-pk")


def _severity_counts(qs, key: str) -> list[dict]:
    table: dict = defaultdict(Counter)
    for value, severity, n in qs.values_list(key, "severity").annotate(n=Count("pk")).order_by():
        table[value][severity] += n
    rows = []
    for value, counts in table.items():
        rows.append({"key": value, **{s: counts.get(s, 0) for s in SEVERITIES}, "total": sum(counts.values())})
    rows.sort(key=lambda r: (-r["red"], -r["yellow"], -r["total"], str(r["key"])))
    return rows


def findings_by_rule(qs) -> list[dict]:
    rows = _severity_counts(qs, "rule")
    for row in rows:
        row["label"] = RULES.get(row["key"], row["key"])
    return rows


def findings_by_department(qs, index: UnitIndex) -> list[dict]:
    rows = _severity_counts(qs, "dept")
    for row in rows:
        row["label"] = index.department_name(row["key"])
        row["key"] = LEADERSHIP if row["key"] is None else row["key"]
    return rows


def findings_by_actor(qs, index: UnitIndex) -> list[dict]:
    rows = _severity_counts(qs.exclude(actor_id=""), "actor_id")
    for row in rows:
        row["label"] = index.person(row["key"])
    return rows


def rule_choices() -> list[tuple[str, str]]:
    return list(RULES.items())


def severity_choices() -> list[tuple[str, str]]:
    return [(s, SEVERITY_ZH[s]) for s in SEVERITIES]


# ---------------------------------------------------------------- the case timeline


ATTRIBUTE_LABELS = {"applicant": "当事人", "applicant_id": "当事人编号", "amount": "金额（元）", "multiple": "倍数",
                    "supplier_id": "供应商"}


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"


def case_timeline(user, unit, case_id: str, index: UnitIndex | None = None) -> dict | None:
    """The case's events in order with elapsed times and findings, and its
    flowchart drawn with the visited steps numbered and deviations marked."""
    index = index or unit_index(unit)
    events = list(visible(user, CaseEvent.objects.filter(unit=unit, case_id=case_id)).order_by("at", "event_id"))
    if not events:
        return None
    cal = default_calendar()
    findings = list(findings_queryset(user, unit, case=case_id, retracted=True))
    by_event: dict[str, list[Finding]] = defaultdict(list)
    case_level = []
    for f in findings:
        if f.event_id and not f.retracted:
            by_event[f.event_id].append(f)
        elif not f.retracted:
            case_level.append(f)
    chart = index.chart_for(events[0].power_code)
    rows = []
    prev = None
    for number, event in enumerate(events, 1):
        step_name = index.step_names.get((chart.pk, event.step_code), event.step_code) if chart else event.step_code
        row = {"n": number, "event": event, "step_name": step_name, "actor": index.person(event.actor_id),
               "findings": by_event.get(event.event_id, []), "elapsed": "", "workdays": None}
        if prev is not None:
            row["elapsed"] = _hours(event.at - prev.at)
            row["workdays"] = cal.used(_day(prev.at), _day(event.at))
        row["attributes"] = [(ATTRIBUTE_LABELS.get(k, k), v) for k, v in (event.attributes or {}).items()]
        rows.append(row)
        prev = event
    svg = ""
    closed = False
    if chart is not None:
        from lianfang.flows.serialize import flowcharts_with_everything, to_flowmodel

        fc = flowcharts_with_everything(Flowchart.objects.filter(pk=chart.pk)).first()
        model = to_flowmodel(fc, with_risks=False)
        ends = set(model["end"])
        closed = any(e.step_code in ends for e in events)
        svg = timeline_svg(model, [e.step_code for e in events], findings)
    return {"events": rows, "findings": [f for f in findings if not f.retracted], "case_findings": case_level,
            "retracted": [f for f in findings if f.retracted], "chart": chart, "svg": svg, "closed": closed,
            "power_code": events[0].power_code, "first": events[0], "last": events[-1],
            "actors": sorted({e.actor_id for e in events if e.actor_id})}


def timeline_svg(model: dict, visited: list[str], findings: list[Finding]) -> str:
    """The flowchart SVG with the case drawn on it: visited steps tinted and
    numbered in the order of the events, steps with findings outlined in red,
    steps the case skipped outlined dashed."""
    from lianfang.flowmodel.layout import layout
    from lianfang.flowmodel.svg import render_svg, svg_node_size

    lay = layout(model, direction="TB", lanes=True, node_size=svg_node_size)
    base = render_svg(model, layout=lay, markers={}, title="")
    known = {s["code"] for s in model["steps"]}
    numbers: dict[str, list[int]] = defaultdict(list)
    for n, code in enumerate(visited, 1):
        if code in known:
            numbers[code].append(n)
    flagged = {f.step_code for f in findings if f.step_code and not f.retracted}
    skipped: set[str] = set()
    for f in findings:
        if f.rule == "skipped_step" and not f.retracted:
            skipped.update(c for c in ((f.details or {}).get("related") or "").split(",") if c)
    overlay = ['<g class="lf-case-overlay">']
    for code in sorted(known):
        node = lay.step_node(code)
        x, y, w, h = node.x, node.y, node.w, node.h
        if code in skipped:
            overlay.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="{w + 8:.1f}" height="{h + 8:.1f}" rx="8" '
                           'fill="none" stroke="#ea580c" stroke-width="2.5" stroke-dasharray="6 4">'
                           f'<title>{escape("被跳过的环节")}</title></rect>')
        if code in numbers:
            colour = "#dc2626" if code in flagged else "#1f5fa8"
            overlay.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
                           f'fill="{colour}" fill-opacity="0.10" stroke="{colour}" stroke-width="3" '
                           'pointer-events="none"/>')
            label = ",".join(str(n) for n in numbers[code][:4]) + ("…" if len(numbers[code]) > 4 else "")
            width = max(22.0, 8.0 + 7.5 * len(label))
            cy = y + h / 2  # on the left edge, clear of the 监督点/裁量 pills along the top
            overlay.append(f'<g class="lf-visit" data-step="{escape(code)}">'
                           f'<rect x="{x - width / 2:.1f}" y="{cy - 11:.1f}" width="{width:.1f}" height="22" rx="11" '
                           f'fill="{colour}" stroke="#ffffff"/>'
                           f'<text x="{x:.1f}" y="{cy + 4.5:.1f}" font-size="12" text-anchor="middle" '
                           f'fill="#ffffff" font-weight="bold">{escape(label)}</text></g>')
            if code in flagged:
                overlay.append(f'<g class="lf-flag"><circle cx="{x + w:.1f}" cy="{y + h:.1f}" r="10" fill="#dc2626" '
                               f'stroke="#ffffff"/><text x="{x + w:.1f}" y="{y + h + 5:.1f}" font-size="14" '
                               'text-anchor="middle" fill="#ffffff" font-weight="bold">!</text></g>')
    overlay.append("</g>")
    cut = base.rfind("</svg>")
    return base[:cut] + "\n".join(overlay) + "\n</svg>"


# ---------------------------------------------------------------- quarterly ranking


def quarter_of(moment: dt.datetime) -> tuple[int, int]:
    local = timezone.localtime(moment)
    return local.year, (local.month - 1) // 3 + 1


def quarters(user, unit) -> list[tuple[int, int]]:
    dates = visible(user, CaseEvent.objects.filter(unit=unit)).dates("at", "month")
    return sorted({(d.year, (d.month - 1) // 3 + 1) for d in dates}, reverse=True)


def department_ranking(user, unit, year: int, quarter: int, index: UnitIndex | None = None) -> list[dict]:
    """Departments of the unit ranked by score for the cases that started in the
    quarter. A case counts for every department whose posts handled one of its
    steps; a finding counts for the department of its step's post (or of the
    power, for whole-case findings). Score = 100 − (2×预警 + 5×黄牌 + 10×红牌) ×
    PER_CASES ÷ cases, i.e. the points per PER_CASES cases, never below 0."""
    index = index or unit_index(unit)
    cases: dict = defaultdict(set)
    in_quarter = set()
    for state in case_states(user, unit).values():
        if quarter_of(state.first_at) != (year, quarter):
            continue
        in_quarter.add(state.case_id)
        chart = index.chart_for(state.power_code)
        depts = {index.step_dept.get((chart.pk, s)) if chart else None for s in state.steps}
        if not depts or depts == {None}:
            depts = {index.power_dept.get(state.power_code)}
        for d in depts:
            cases[d].add(state.case_id)
    qs = findings_queryset(user, unit).filter(case_id__in=in_quarter) if in_quarter else Finding.objects.none()
    counts: dict = defaultdict(Counter)
    if in_quarter:
        for dept, severity, n in qs.values_list("dept", "severity").annotate(n=Count("pk")).order_by():
            counts[dept][severity] += n
    rows = []
    for dept in set(cases) | set(counts):
        n_cases = len(cases.get(dept, ()))
        c = counts.get(dept, Counter())
        points = sum(DEDUCTIONS[s] * c.get(s, 0) for s in SEVERITIES)
        deducted = points * PER_CASES / n_cases if n_cases else float(points)
        rows.append({
            "department": index.department_name(dept), "key": LEADERSHIP if dept is None else dept,
            "cases": n_cases, **{s: c.get(s, 0) for s in SEVERITIES}, "points": points,
            "deducted": round(deducted, 1), "score": round(max(0.0, 100 - deducted), 1),
        })
    rows.sort(key=lambda r: (-r["score"], -r["cases"], r["department"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def severity_label(value: str) -> str:
    return Severity(value).label if value in Severity.values else value


STALE_AFTER = dt.timedelta(days=3)


def default_as_of(user, unit, now: dt.datetime | None = None) -> tuple[dt.datetime, bool]:
    """When the clocks stop: now; but when the unit's business systems have sent
    nothing for days, the end of the day of the last event (an open case may well
    have moved on unreported). Returns (moment, stale)."""
    now = now or timezone.now()
    last = visible(user, CaseEvent.objects.filter(unit=unit)).order_by("-at").values_list("at", flat=True).first()
    if last is None or now - last <= STALE_AFTER:
        return now, False
    day = timezone.localtime(last).date()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59))), True


def parse_as_of(text: str | None) -> dt.datetime | None:
    """'YYYY-MM-DD' → the end of that day in local time."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def pct(part: int, whole: int) -> int:
    return math.floor(part * 100 / whole) if whole else 0
