"""Flow model: flowcharts exported by `lianfang flows export`, compiled for fast checking.

The JSON is a list of flowchart objects (see docs/supervision.md). Everything the
rules need is precomputed here once: local step indexes, the edge set, the
transitive closure (for skipped-vs-order decisions), limits in integer
microseconds, and the merged rule parameters.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US


class FlowModelError(ValueError):
    """The flow model JSON is unusable; the message is in Chinese for end users."""


def os_reason(exc: OSError) -> str:
    """A short Chinese reason for a file error."""
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有访问权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录"
    return f"系统错误（{exc.strerror or type(exc).__name__}）"


#: Documented defaults of every rule parameter (docs/supervision.md, "Parameters").
DEFAULT_PARAMS: dict[str, Any] = {
    # deadlines
    "warn_workdays": 1,  # warn when <= this many working days remain
    "warn_hours": 24.0,  # hour limits: warn when <= min(warn_hours, limit/4) remain
    "red_overrun_ratio": 0.5,  # overrun strictly above ratio * limit -> red
    # off_hours
    "off_hours_start": "20:00",
    "off_hours_end": "07:00",
    "off_hours_rest_days": True,
    # split_purchase
    "split_threshold": 1_000_000.0,  # approval threshold (yuan); null disables the rule
    "split_margin": 0.2,  # "just under" = [threshold * (1 - margin), threshold)
    "split_window_days": 30,
    "split_min_count": 2,
    "split_red_count": 3,
    # concentration
    "concentration_period": "quarter",  # month | quarter | year
    "concentration_min_cases": 5,
    "concentration_share": 0.6,
    "concentration_lift": 2.0,
    "concentration_red_share": 0.9,
    # discretion
    "discretion_severity": "red",
    # repeat escalation
    "repeat_window_days": 90,
    "repeat_rules": ["sod_violation", "too_fast", "off_hours", "skipped_step", "order_violation"],
    # switches
    "disabled_rules": [],
}

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _hhmm_to_us(value: Any, name: str) -> int:
    try:
        hh, mm = str(value).split(":")
        h, m = int(hh), int(mm)
        if not (0 <= h <= 24 and 0 <= m < 60):
            raise ValueError
    except ValueError as exc:
        raise FlowModelError(f"参数 {name} 应为 HH:MM 格式，实际为 {value!r}") from exc
    return (h * 60 + m) * 60_000_000


@dataclass(frozen=True, slots=True)
class Params:
    """Rule parameters of one flowchart after merging defaults, config and `params`."""

    raw: Mapping[str, Any]
    warn_workdays: int
    warn_us: int
    red_ratio: float
    off_start_us: int
    off_end_us: int
    off_rest_days: bool
    split_threshold: float | None
    split_low: float
    split_window_us: int
    split_min_count: int
    split_red_count: int
    period_months: int
    conc_min_cases: int
    conc_share: float
    conc_lift: float
    conc_red_share: float
    discretion_severity: str
    repeat_window_us: int
    repeat_rules: frozenset[str]
    disabled: frozenset[str]

    @classmethod
    def build(cls, *layers: Mapping[str, Any] | None) -> Params:
        raw: dict[str, Any] = dict(DEFAULT_PARAMS)
        for layer in layers:
            if layer:
                raw.update(layer)
        try:
            period = str(raw["concentration_period"])
            if period not in PERIOD_MONTHS:
                raise FlowModelError(f"参数 concentration_period 只能是 month/quarter/year，实际为 {period!r}")
            thr = raw["split_threshold"]
            thr = None if thr is None else float(thr)
            sev = str(raw["discretion_severity"])
            if sev not in ("yellow", "red"):
                raise FlowModelError(f"参数 discretion_severity 只能是 yellow/red，实际为 {sev!r}")
            return cls(
                raw=raw,
                warn_workdays=int(raw["warn_workdays"]),
                warn_us=round(float(raw["warn_hours"]) * HOUR_US),
                red_ratio=float(raw["red_overrun_ratio"]),
                off_start_us=_hhmm_to_us(raw["off_hours_start"], "off_hours_start"),
                off_end_us=_hhmm_to_us(raw["off_hours_end"], "off_hours_end"),
                off_rest_days=bool(raw["off_hours_rest_days"]),
                split_threshold=thr,
                split_low=(thr * (1.0 - float(raw["split_margin"]))) if thr is not None else math.inf,
                split_window_us=round(float(raw["split_window_days"]) * DAY_US),
                split_min_count=int(raw["split_min_count"]),
                split_red_count=int(raw["split_red_count"]),
                period_months=PERIOD_MONTHS[period],
                conc_min_cases=int(raw["concentration_min_cases"]),
                conc_share=float(raw["concentration_share"]),
                conc_lift=float(raw["concentration_lift"]),
                conc_red_share=float(raw["concentration_red_share"]),
                discretion_severity=sev,
                repeat_window_us=round(float(raw["repeat_window_days"]) * DAY_US),
                repeat_rules=frozenset(raw["repeat_rules"] or ()),
                disabled=frozenset(raw["disabled_rules"] or ()),
            )
        except FlowModelError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise FlowModelError(f"规则参数无效：{exc}") from exc

    def on(self, rule: str) -> bool:
        return rule not in self.disabled


@dataclass(slots=True)
class Step:
    idx: int  # local index in its flowchart
    code: str
    name: str
    post: str | None
    limit_us: int  # 0 = no elapsed-hours limit
    limit_wd: int  # 0 = no working-day limit (takes precedence over limit_us)
    min_us: int  # 0 = no too_fast check
    clock_stop: bool
    decision: bool
    kind: str | None
    is_start: bool = False
    is_end: bool = False
    # discretion rules: (attribute, min or None, max or None)
    discretion: list[tuple[str, float | None, float | None]] = field(default_factory=list)


@dataclass(slots=True)
class Flowchart:
    idx: int
    code: str
    name: str
    power_codes: tuple[str, ...]
    steps: list[Step]
    by_code: dict[str, int]
    start: frozenset[int]
    end: frozenset[int]
    edges: frozenset[tuple[int, int]]
    succ: list[tuple[int, ...]]
    reach: list[frozenset[int]]  # reach[i] = steps reachable from i by a path of length >= 1
    case_limit_us: int
    case_limit_wd: int
    incompatible: dict[int, frozenset[int]]  # step -> steps it is incompatible with
    params: Params
    all_succ_stop: list[bool]  # every successor of step i (or of the virtual start, index -1) is clock_stop
    start_all_stop: bool = False
    _paths: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)

    def step_name(self, code: str | None) -> str:
        if code is None:
            return ""
        i = self.by_code.get(code)
        return self.steps[i].name if i is not None else code

    def skipped_between(self, a: int, b: int) -> tuple[int, ...]:
        """Intermediate steps on one shortest path a -> ... -> b (deterministic BFS order)."""
        key = (a, b)
        hit = self._paths.get(key)
        if hit is not None:
            return hit
        prev: dict[int, int] = {}
        seen = set()
        dq = deque([a])
        found = False
        while dq and not found:
            x = dq.popleft()
            for y in self.succ[x]:
                if y in seen:
                    continue
                seen.add(y)
                prev[y] = x
                if y == b:
                    found = True
                    break
                dq.append(y)
        path: list[int] = []
        if found:
            y = prev[b]
            while y != a:
                path.append(y)
                y = prev[y]
            path.reverse()
        res = tuple(path)
        self._paths[key] = res
        return res


class FlowSet:
    """All flowcharts plus the power_code -> flowchart index."""

    def __init__(self, flows: list[Flowchart], warnings: list[str] | None = None):
        self.flows = flows
        self.by_power: dict[str, int] = {}
        self.warnings = list(warnings or [])
        for f in flows:
            for p in f.power_codes:
                if p in self.by_power and self.by_power[p] != f.idx:
                    self.warnings.append(f"事项编码 {p} 出现在多个流程图中，采用第一个（{flows[self.by_power[p]].code}）")
                    continue
                self.by_power[p] = f.idx
        self.by_code = {f.code: f for f in flows}

    def __len__(self) -> int:
        return len(self.flows)

    def flow_for(self, power_code: str | None) -> Flowchart | None:
        if power_code is None:
            return None
        i = self.by_power.get(power_code)
        return None if i is None else self.flows[i]


def _num(v: Any, what: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        try:
            v = float(v)
        except (TypeError, ValueError) as exc:
            raise FlowModelError(f"{what} 应为数字，实际为 {v!r}") from exc
    if math.isnan(v) or v < 0:
        raise FlowModelError(f"{what} 不能为负数或 NaN：{v!r}")
    return float(v)


def _closure(n: int, succ: list[tuple[int, ...]]) -> list[frozenset[int]]:
    out = []
    for s in range(n):
        seen: set[int] = set()
        stack = list(succ[s])
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            stack.extend(succ[x])
        out.append(frozenset(seen))
    return out


def compile_flowchart(idx: int, obj: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> Flowchart:
    if not isinstance(obj, Mapping):
        raise FlowModelError(f"第 {idx + 1} 个流程图不是 JSON 对象")
    missing = [k for k in ("power_code", "name", "steps", "start", "end", "transitions") if k not in obj]
    if missing:
        raise FlowModelError(f"第 {idx + 1} 个流程图缺少字段：{', '.join(missing)}")
    name = str(obj["name"])
    code = str(obj.get("flowchart_code") or obj.get("power_code") or f"flow-{idx + 1}")
    label = f"流程图「{name}」"
    powers: list[str] = []
    if obj.get("power_code") is not None:
        powers.append(str(obj["power_code"]))
    for p in obj.get("power_codes") or ():
        if p is not None and str(p) not in powers:
            powers.append(str(p))
    steps: list[Step] = []
    by_code: dict[str, int] = {}
    if not isinstance(obj["steps"], list) or not obj["steps"]:
        raise FlowModelError(f"{label} 没有环节")
    for s in obj["steps"]:
        if not isinstance(s, Mapping) or "code" not in s:
            raise FlowModelError(f"{label} 的环节缺少 code")
        sc = str(s["code"])
        if sc in by_code:
            raise FlowModelError(f"{label} 的环节编码重复：{sc}")
        lh = _num(s.get("limit_hours"), f"{label} 环节 {sc} 的 limit_hours")
        lw = _num(s.get("limit_workdays"), f"{label} 环节 {sc} 的 limit_workdays")
        mh = _num(s.get("min_hours"), f"{label} 环节 {sc} 的 min_hours")
        by_code[sc] = len(steps)
        steps.append(
            Step(
                idx=len(steps),
                code=sc,
                name=str(s.get("name") or sc),
                post=s.get("post"),
                limit_us=round(lh * HOUR_US) if lh else 0,
                limit_wd=math.ceil(lw) if lw else 0,
                min_us=round(mh * HOUR_US) if mh else 0,
                clock_stop=bool(s.get("clock_stop", False)),
                decision=bool(s.get("decision", False)),
                kind=s.get("kind"),
            )
        )

    def ref(c: Any, where: str) -> int:
        i = by_code.get(str(c))
        if i is None:
            raise FlowModelError(f"{label} 的 {where} 引用了不存在的环节：{c}")
        return i

    start = frozenset(ref(c, "start") for c in obj["start"])
    end = frozenset(ref(c, "end") for c in obj["end"])
    if not start:
        raise FlowModelError(f"{label} 没有起始环节")
    edges: set[tuple[int, int]] = set()
    for t in obj["transitions"]:
        if not isinstance(t, list | tuple) or len(t) != 2:
            raise FlowModelError(f"{label} 的 transitions 项应为 [from, to]：{t!r}")
        edges.add((ref(t[0], "transitions"), ref(t[1], "transitions")))
    n = len(steps)
    succ_l: list[list[int]] = [[] for _ in range(n)]
    for a, b in sorted(edges):
        succ_l[a].append(b)
    succ = [tuple(x) for x in succ_l]
    for i in start:
        steps[i].is_start = True
    for i in end:
        steps[i].is_end = True
    incompatible: dict[int, set[int]] = {}
    for pair in obj.get("incompatible_steps") or ():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise FlowModelError(f"{label} 的 incompatible_steps 项应为 [code, code]：{pair!r}")
        a, b = ref(pair[0], "incompatible_steps"), ref(pair[1], "incompatible_steps")
        incompatible.setdefault(a, set()).add(b)
        incompatible.setdefault(b, set()).add(a)
    for d in obj.get("discretion") or ():
        if not isinstance(d, Mapping) or "step" not in d or "attribute" not in d:
            raise FlowModelError(f"{label} 的 discretion 项缺少 step/attribute：{d!r}")
        i = ref(d["step"], "discretion")
        lo = d.get("min")
        hi = d.get("max")
        lo = None if lo is None else float(lo)
        hi = None if hi is None else float(hi)
        if lo is None and hi is None or any(a == str(d["attribute"]) for a, _, _ in steps[i].discretion):
            continue
        steps[i].discretion.append((str(d["attribute"]), lo, hi))
    clh = _num(obj.get("case_limit_hours"), f"{label} 的 case_limit_hours")
    clw = _num(obj.get("case_limit_workdays"), f"{label} 的 case_limit_workdays")
    params = Params.build(config, obj.get("params") if isinstance(obj.get("params"), Mapping) else None)
    all_stop = [bool(succ[i]) and all(steps[j].clock_stop for j in succ[i]) for i in range(n)]
    return Flowchart(
        idx=idx,
        code=code,
        name=name,
        power_codes=tuple(powers),
        steps=steps,
        by_code=by_code,
        start=start,
        end=end,
        edges=frozenset(edges),
        succ=succ,
        reach=_closure(n, succ),
        case_limit_us=round(clh * HOUR_US) if clh else 0,
        case_limit_wd=math.ceil(clw) if clw else 0,
        incompatible={k: frozenset(v) for k, v in incompatible.items()},
        params=params,
        all_succ_stop=all_stop,
        start_all_stop=all(steps[j].clock_stop for j in sorted(start)),
    )


def load_flows(
    source: str | Path | Iterable[Mapping[str, Any]] | FlowSet, config: Mapping[str, Any] | None = None
) -> FlowSet:
    """Compile a flow model from a path, a JSON string, or already-parsed objects."""
    if isinstance(source, FlowSet):
        return source
    data: Any
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("[")):
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise FlowModelError(f"无法读取流程图文件 {source}：{os_reason(exc)}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FlowModelError(f"流程图文件不是合法 JSON（第 {exc.lineno} 行）：{exc.msg}") from exc
    elif isinstance(source, str):
        try:
            data = json.loads(source)
        except json.JSONDecodeError as exc:
            raise FlowModelError(f"流程图不是合法 JSON：{exc.msg}") from exc
    else:
        data = list(source)
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise FlowModelError("流程图文件应为流程图对象的 JSON 数组")
    return FlowSet([compile_flowchart(i, o, config) for i, o in enumerate(data)])
