"""Findings: what a rule reports, with a stable identity and a Chinese message."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import Any

from .model import HOUR_US, Flowchart

RULES: dict[str, str] = {
    "unknown_power": "未知事项",
    "unknown_step": "未知环节",
    "skipped_step": "跳过环节",
    "order_violation": "流转顺序违规",
    "step_overdue": "环节超时",
    "case_overdue": "办件超时",
    "sod_violation": "不相容岗位未分离",
    "discretion_out_of_range": "超出裁量基准",
    "split_purchase": "疑似拆分采购",
    "concentration": "经办集中度异常",
    "off_hours": "非工作时间决策",
    "too_fast": "办理过快",
}
SEVERITIES = ("warning", "yellow", "red")
SEVERITY_ZH = {"warning": "预警", "yellow": "黄牌", "red": "红牌"}
SEVERITY_RANK = {"warning": 0, "yellow": 1, "red": 2}

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_TZ_CACHE: dict[int, dt.timezone] = {}

Key = tuple[str, str, str | None, str | None, str | None, str | None]


def _iso_local_dt(ts_us: int, offset_us: int) -> str:
    tz = _TZ_CACHE.get(offset_us)
    if tz is None:
        tz = _TZ_CACHE[offset_us] = dt.timezone(dt.timedelta(microseconds=offset_us))
    return (_EPOCH + dt.timedelta(microseconds=ts_us)).astimezone(tz).isoformat()


_DAY_US = 86_400_000_000
_DATE_CACHE: dict[int, str] = {}
_SUFFIX: dict[int, str | None] = {}


def iso_local(ts_us: int, offset_us: int) -> str:
    """`datetime.isoformat()` of the instant in the fixed offset, without building datetimes.

    Same text as `_iso_local_dt` (checked in the tests); offsets that are not whole minutes take that path.
    """
    suffix = _SUFFIX.get(offset_us, "")
    if suffix == "":
        if offset_us % 60_000_000:
            suffix = None
        else:
            suffix = _iso_local_dt(0, offset_us)[-6:]
        _SUFFIX[offset_us] = suffix
    if suffix is None:
        return _iso_local_dt(ts_us, offset_us)
    day, rem = divmod(ts_us + offset_us, _DAY_US)
    date = _DATE_CACHE.get(day)
    if date is None:
        try:
            date = _DATE_CACHE[day] = dt.date.fromordinal(day + 719_163).isoformat()
        except (ValueError, OverflowError):
            return _iso_local_dt(ts_us, offset_us)
    sec, us = divmod(rem, 1_000_000)
    m, s = divmod(sec, 60)
    h, m = divmod(m, 60)
    if us:
        return f"{date}T{h:02d}:{m:02d}:{s:02d}.{us:06d}{suffix}"
    return f"{date}T{h:02d}:{m:02d}:{s:02d}{suffix}"


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    case_id: str
    power_code: str | None
    flowchart_code: str | None
    step_code: str | None
    actor_id: str | None
    event_id: str | None
    timestamp: str | None
    attribute: str | None = None
    value: float | None = None
    limit: float | None = None
    unit: str | None = None
    related: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    message: str = ""
    retracted: bool = False
    ts_us: int | None = field(default=None, compare=True, repr=False)

    @property
    def key(self) -> Key:
        """Stable identity: the same deviation always has the same key in batch and stream."""
        return (self.rule, self.case_id, self.event_id, self.step_code, self.actor_id, self.attribute)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "case_id": self.case_id,
            "rule": self.rule,
            "rule_name": RULES.get(self.rule, self.rule),
            "severity": self.severity,
            "severity_name": SEVERITY_ZH.get(self.severity, self.severity),
            "power_code": self.power_code,
            "flowchart_code": self.flowchart_code,
            "step_code": self.step_code,
            "actor_id": self.actor_id,
            "event_id": self.event_id,
            "timestamp": self.timestamp,
            "attribute": self.attribute,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "related": self.related,
            "details": dict(self.extra) if self.extra else None,
            "message": self.message,
        }
        if self.retracted:
            d["retracted"] = True
        return d

    def to_json(self) -> str:
        """`json.dumps(self.to_dict(), ensure_ascii=False)`, built directly (the CLI writes one per line)."""
        j = _json_value
        s = _json_str
        pc, fc, sc, ac, ei, ts, at, un, rl = (self.power_code, self.flowchart_code, self.step_code, self.actor_id,
                                              self.event_id, self.timestamp, self.attribute, self.unit, self.related)
        return (f'{{"case_id": {j(self.case_id)}, "rule": {s(self.rule)}, '
                f'"rule_name": {s(RULES.get(self.rule, self.rule))}, "severity": {s(self.severity)}, '
                f'"severity_name": {s(SEVERITY_ZH.get(self.severity, self.severity))}, '
                f'"power_code": {s(pc) if type(pc) is str else j(pc)}, '
                f'"flowchart_code": {s(fc) if type(fc) is str else j(fc)}, '
                f'"step_code": {s(sc) if type(sc) is str else j(sc)}, '
                f'"actor_id": {s(ac) if type(ac) is str else j(ac)}, '
                f'"event_id": {s(ei) if type(ei) is str else j(ei)}, '
                f'"timestamp": {s(ts) if type(ts) is str else j(ts)}, '
                f'"attribute": {s(at) if type(at) is str else j(at)}, "value": {j(self.value)}, '
                f'"limit": {j(self.limit)}, "unit": {s(un) if type(un) is str else j(un)}, '
                f'"related": {s(rl) if type(rl) is str else j(rl)}, '
                f'"details": {_json_any(dict(self.extra)) if self.extra else "null"}, '
                f'"message": {j(self.message)}{_RETRACTED if self.retracted else ""}}}')

    def retraction(self) -> Finding:
        return replace(self, retracted=True)


_json_any = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_json_str = json.encoder.encode_basestring  # the C function json.dumps uses with ensure_ascii=False


def _json_value(v: Any) -> str:
    """One JSON value, as json.dumps(v, ensure_ascii=False) writes it."""
    if v is None:
        return "null"
    t = type(v)
    if t is str:
        return _json_str(v)
    if t is float and v == v and v not in (_INF, -_INF):
        return float.__repr__(v)
    return _json_any(v)


_INF = float("inf")
_RETRACTED = ', "retracted": true'


def sort_key(f: Finding) -> tuple:
    return (f.case_id, f.rule, f.event_id or "", f.step_code or "", f.actor_id or "", f.attribute or "")


class FindingSet:
    """Consumer-side store: apply stream deltas (new/updated/retracted) to get the current set."""

    def __init__(self) -> None:
        self.items: dict[Key, Finding] = {}

    def apply(self, delta: list[Finding]) -> None:
        for f in delta:
            if f.retracted:
                self.items.pop(f.key, None)
            else:
                self.items[f.key] = f

    def sorted(self) -> list[Finding]:
        return sorted(self.items.values(), key=sort_key)

    def __len__(self) -> int:
        return len(self.items)


# ---- messages ------------------------------------------------------------------


def _fmt_num(v: float | None) -> str:
    if v is None:
        return "-"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _names(flow: Flowchart | None, codes: str | None) -> str:
    if not codes:
        return ""
    return "、".join(f"「{flow.step_name(c) if flow else c}」" for c in codes.split(","))


def _span(value: float | None, unit: str | None) -> str:
    if unit == "workdays":
        return f"{_fmt_num(value)} 个工作日"
    return f"{(value or 0.0):.1f} 小时"


def render(f: Finding, flow: Flowchart | None) -> str:
    """The Chinese explanation of a finding, built only from the finding's own fields."""
    r = f.rule
    step = f"「{flow.step_name(f.step_code) if flow else f.step_code}」"
    x = dict(f.extra)
    if r == "unknown_power":
        msg = f"事项编码「{f.power_code}」不在任何流程图中，无法对办件 {f.case_id} 开展电子监察"
    elif r == "unknown_step":
        msg = f"环节编码「{f.step_code}」不属于流程图「{flow.name if flow else ''}」"
    elif r == "skipped_step":
        msg = f"办件进入{step}前跳过了流程图规定的环节{_names(flow, f.related)}"
    elif r == "order_violation":
        if f.related is None:
            starts = ",".join(flow.steps[i].code for i in sorted(flow.start)) if flow else ""
            msg = f"办件的首个环节为{step}，不是流程图规定的起始环节{_names(flow, starts)}"
        else:
            msg = f"从{_names(flow, f.related)}流转到{step}不符合流程图规定的顺序（逆序或不可达）"
    elif r in ("step_overdue", "case_overdue"):
        what = f"环节{step}" if r == "step_overdue" else "办件"
        used, lim = _span(f.value, f.unit), _span(f.limit, f.unit)
        if f.event_id is None and f.severity == "warning":
            msg = f"{what}即将到期：已用 {used}，时限 {lim}"
        elif f.event_id is None:
            msg = f"{what}已超过时限仍未办结：已用 {used}，时限 {lim}"
        else:
            msg = f"{what}用时 {used}，超过时限 {lim}"
        if r == "case_overdue" and x.get("stopped"):
            msg += f"（已扣除中止计时 {_fmt_num(x['stopped'])}{'个工作日' if f.unit == 'workdays' else ' 小时'}）"
        if f.severity == "red" and not x.get("repeat"):
            msg += f"，超时超过时限的 {round(x.get('red_ratio', 0.5) * 100)}%"
    elif r == "sod_violation":
        msg = (
            f"同一人员（{f.actor_id}）在本办件中既办理了{_names(flow, f.related)}又办理了{step}，"
            f"违反不相容岗位分离要求"
        )
    elif r == "discretion_out_of_range":
        msg = f"环节{step}的「{f.attribute}」为 {_fmt_num(f.value)}，超出裁量基准范围 {f.related}"
    elif r == "split_purchase":
        msg = (
            f"{_fmt_num(x.get('window_days'))} 天内向供应商「{f.related}」发生 {x.get('count')} 笔"
            f"接近审批限额（{_fmt_num(f.limit)} 元）的采购，本笔 {_fmt_num(f.value)} 元，疑似拆分采购规避审批"
        )
    elif r == "concentration":
        msg = (
            f"申请人「{f.related}」{x.get('period')}共 {x.get('n_applicant')} 件办件，其中 {x.get('n_pair')} 件"
            f"（{(f.value or 0) * 100:.1f}%）由 {f.actor_id} 经办，远高于其总体经办占比 {(f.limit or 0) * 100:.1f}%"
        )
    elif r == "off_hours":
        when = "休息日" if x.get("rest_day") else "夜间"
        msg = f"决策环节{step}在{when}办理（{f.timestamp}）"
    elif r == "too_fast":
        msg = f"环节{step}仅用时 {_span(f.value, 'hours')}，低于合理最短用时 {_span(f.limit, 'hours')}"
    else:  # pragma: no cover - every rule has a template
        msg = RULES.get(r, r)
    if x.get("repeat"):
        msg += f"；该人员 {_fmt_num(x['repeat'])} 天内再次发生同类问题，升级为红牌"
    return msg


def make(
    rule: str,
    severity: str,
    flow: Flowchart | None,
    case_id: str,
    power_code: str | None,
    step_code: str | None = None,
    actor_id: str | None = None,
    event_id: str | None = None,
    ts_us: int | None = None,
    offset_us: int = 0,
    attribute: str | None = None,
    value: float | None = None,
    limit: float | None = None,
    unit: str | None = None,
    related: str | None = None,
    extra: tuple[tuple[str, Any], ...] = (),
) -> Finding:
    f = Finding(rule, severity, case_id, power_code, flow.code if flow else None, step_code, actor_id, event_id,
                None if ts_us is None else iso_local(ts_us, offset_us), attribute, value, limit, unit, related, extra,
                "", False, ts_us)
    f.message = render(f, flow)
    return f


def escalate(f: Finding, window_days: float, flow: Flowchart | None) -> Finding:
    """The red-card version of a base finding repeated by the same actor within the window."""
    g = replace(f, severity="red", extra=(*f.extra, ("repeat", window_days)))
    return replace(g, message=render(g, flow))


def hours(us: int) -> float:
    return us / HOUR_US
