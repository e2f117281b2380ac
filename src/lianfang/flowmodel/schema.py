"""The flow-model interchange format: validation, normalisation and JSON helpers.

A flow-model document is a JSON list of flowchart objects; see docs/flow-model.md
for the full description of every key.  Everything here works on plain dicts.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from .graph import dead_steps, strongly_connected, unreachable_steps
from .text import fold_space

REQUIRED_FLOWCHART_KEYS = (
    "flowchart_code",
    "power_code",
    "name",
    "steps",
    "start",
    "end",
    "transitions",
    "case_limit_hours",
    "incompatible_steps",
    "discretion",
)
REQUIRED_STEP_KEYS = ("code", "name", "post", "limit_hours")
RISK_LEVELS = ("高", "中", "低")
STEP_BOOL_KEYS = ("supervision_point", "discretion_point", "clock_stop", "decision", "post_linked")
STEP_TEXT_KEYS = ("description", "decides", "kind", "event_trigger")
STEP_NUMBER_KEYS = ("limit_hours", "limit_workdays", "min_hours")
FLOWCHART_NUMBER_KEYS = ("case_limit_hours", "case_limit_workdays")
FLOWCHART_TEXT_KEYS = ("note", "source")


class FlowModelError(ValueError):
    """The data is not a valid flow-model document; ``problems`` lists every problem in Chinese."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _label(fc: dict, index: int) -> str:
    code = fc.get("flowchart_code") if isinstance(fc, dict) else None
    name = fc.get("name") if isinstance(fc, dict) else None
    if isinstance(name, str) and name.strip() and isinstance(code, str) and code.strip():
        return f"流程图「{name.strip()}」（{code.strip()}）"
    if isinstance(code, str) and code.strip():
        return f"流程图 {code.strip()}"
    return f"第 {index + 1} 个流程图"


def _step_label(step: dict, index: int) -> str:
    code = step.get("code")
    name = step.get("name")
    if isinstance(code, str) and isinstance(name, str) and name.strip():
        return f"步骤「{fold_space(name)}」（{code}）"
    if isinstance(code, str) and code.strip():
        return f"步骤 {code}"
    return f"第 {index + 1} 个步骤"


class _Checker:
    """Collects problems and warnings for one flowchart while normalising it."""

    def __init__(self, fc: dict, index: int):
        self.where = _label(fc, index)
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.where}：{text}")

    def warning(self, text: str) -> None:
        self.warnings.append(f"{self.where}：{text}")

    def number(self, obj: dict, key: str, what: str) -> None:
        value = obj.get(key)
        if value is None:
            return
        if not is_number(value):
            self.problem(f"{what}的 {key} 应为数字或 null，实际为 {json.dumps(value, ensure_ascii=False)}")
        elif value < 0:
            self.problem(f"{what}的 {key} 不能为负数（{value}）")

    def text(self, obj: dict, key: str, what: str, required: bool = False) -> None:
        value = obj.get(key)
        if value is None and not required:
            return
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(f"{what}的 {key} 应为非空文字")

    def boolean(self, obj: dict, key: str, what: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.problem(f"{what}的 {key} 应为 true 或 false")


def _pairs(ck: _Checker, fc: dict, key: str, codes: set[str], what: str) -> list[list[str]]:
    value = fc.get(key)
    if not isinstance(value, list):
        ck.problem(f"{key}（{what}）应为列表")
        return []
    pairs = []
    seen = set()
    for i, pair in enumerate(value):
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(c, str) for c in pair):
            ck.problem(f"{key} 的第 {i + 1} 项应为两个步骤编码组成的列表 [编码, 编码]")
            continue
        a, b = pair
        for c in (a, b):
            if c not in codes:
                ck.problem(f"{what} [{a}, {b}] 指向不存在的步骤 {c}")
        if (a, b) in seen:
            ck.problem(f"{what} [{a}, {b}] 重复")
        seen.add((a, b))
        pairs.append([a, b])
    return pairs


def _check_steps(ck: _Checker, fc: dict) -> list[str]:
    steps = fc.get("steps")
    if not isinstance(steps, list) or not steps:
        ck.problem("steps 应为非空的步骤列表")
        return []
    codes: list[str] = []
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            ck.problem(f"第 {i + 1} 个步骤不是对象")
            continue
        what = _step_label(step, i)
        missing = [k for k in REQUIRED_STEP_KEYS if k not in step]
        if missing:
            ck.problem(f"{what}缺少必填项：{'、'.join(missing)}")
        code = step.get("code")
        if not isinstance(code, str) or not code.strip():
            ck.problem(f"{what}的编码 code 应为非空文字")
        elif code in codes:
            ck.problem(f"步骤编码 {code} 重复")
        else:
            codes.append(code)
        ck.text(step, "name", what, required="name" in step)
        post = step.get("post")
        if post is not None and not isinstance(post, str):
            ck.problem(f"{what}的岗位 post 应为文字或 null")
        for key in STEP_NUMBER_KEYS:
            ck.number(step, key, what)
        lo, hi = step.get("min_hours"), step.get("limit_hours")
        if is_number(lo) and is_number(hi) and lo > hi:
            ck.problem(f"{what}的最短时限 min_hours（{lo}）大于时限 limit_hours（{hi}）")
        for key in STEP_BOOL_KEYS:
            ck.boolean(step, key, what)
        for key in STEP_TEXT_KEYS:
            ck.text(step, key, what)
        _check_risk_points(ck, step, what)
    return codes


def _check_risk_points(ck: _Checker, step: dict, what: str) -> None:
    risks = step.get("risk_points")
    if risks is None:
        return
    if not isinstance(risks, list):
        ck.problem(f"{what}的 risk_points 应为列表")
        return
    for j, risk in enumerate(risks):
        if not isinstance(risk, dict):
            ck.problem(f"{what}的第 {j + 1} 个风险点不是对象")
            continue
        if not isinstance(risk.get("title"), str) or not risk["title"].strip():
            ck.problem(f"{what}的第 {j + 1} 个风险点缺少名称 title")
        if risk.get("level") not in RISK_LEVELS:
            ck.problem(f"{what}的第 {j + 1} 个风险点等级 level 应为 高、中 或 低")
        code = risk.get("code")
        if code is not None and not isinstance(code, str):
            ck.problem(f"{what}的第 {j + 1} 个风险点编码 code 应为文字")


def _code_list(ck: _Checker, fc: dict, key: str, codes: set[str], what: str) -> list[str]:
    value = fc.get(key)
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        ck.problem(f"{key}（{what}）应为步骤编码列表")
        return []
    for c in value:
        if c not in codes:
            ck.problem(f"{what} {c} 不是本流程图的步骤")
    if not value:
        ck.problem(f"没有{what}（{key} 为空）")
    return [c for c in value if c in codes]


def _check_discretion(ck: _Checker, fc: dict, codes: set[str]) -> None:
    items = fc.get("discretion")
    if not isinstance(items, list):
        ck.problem("discretion（自由裁量）应为列表")
        return
    for i, item in enumerate(items):
        what = f"第 {i + 1} 个自由裁量项"
        if not isinstance(item, dict):
            ck.problem(f"{what}不是对象")
            continue
        missing = [k for k in ("step", "attribute", "min", "max") if k not in item]
        if missing:
            ck.problem(f"{what}缺少必填项：{'、'.join(missing)}")
        if "step" in item and item["step"] not in codes:
            ck.problem(f"{what}指向不存在的步骤 {item['step']}")
        if "attribute" in item and (not isinstance(item["attribute"], str) or not item["attribute"].strip()):
            ck.problem(f"{what}的 attribute 应为非空文字")
        for key in ("min", "max"):
            value = item.get(key)
            if value is not None and not is_number(value):
                ck.problem(f"{what}的 {key} 应为数字或 null")
        lo, hi = item.get("min"), item.get("max")
        if is_number(lo) and is_number(hi) and lo > hi:
            ck.problem(f"{what}（{item.get('attribute')}）的下限 min（{lo}）大于上限 max（{hi}）")


def _check_labels(ck: _Checker, fc: dict, transitions: list[list[str]]) -> None:
    labels = fc.get("transition_labels")
    if labels is None:
        return
    if not isinstance(labels, list):
        ck.problem("transition_labels 应为列表")
        return
    known = {tuple(t) for t in transitions}
    for i, item in enumerate(labels):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            ck.problem(f"transition_labels 第 {i + 1} 项应为 {{from, to, label}} 对象")
            continue
        if (item.get("from"), item.get("to")) not in known:
            ck.problem(f"流转说明「{item['label']}」指向不存在的流转 [{item.get('from')}, {item.get('to')}]")


def _check_graph(ck: _Checker, steps: list[dict], start, end, transitions) -> None:
    codes = [s["code"] for s in steps if isinstance(s, dict) and isinstance(s.get("code"), str)]
    names = {
        s["code"]: s.get("name") for s in steps if isinstance(s, dict) and isinstance(s.get("code"), str)
    }

    def show(code: str) -> str:
        return f"「{names.get(code)}」（{code}）"

    if not start or not end:
        return
    for code in unreachable_steps(codes, start, transitions):
        ck.warning(f"步骤{show(code)}从开始步骤无法到达")
    dead = dead_steps(codes, end, transitions)
    if not dead:
        return
    reported: set[str] = set()
    for component in strongly_connected(dead, transitions):
        loop = len(component) > 1 or [component[0], component[0]] in transitions
        if loop:
            ck.problem(f"步骤 {'、'.join(show(c) for c in component)} 构成的循环无法到达任何结束步骤")
            reported.update(component)
    for code in dead:
        if code not in reported:
            ck.problem(f"步骤{show(code)}无法到达任何结束步骤")


def _normalise(fc: dict) -> dict:
    out = copy.deepcopy(fc)
    out["name"] = fold_space(out["name"])
    for step in out["steps"]:
        step["name"] = fold_space(step["name"])
        if isinstance(step.get("post"), str):
            step["post"] = fold_space(step["post"]) or None
    out["start"] = list(out["start"])
    out["end"] = list(out["end"])
    out["transitions"] = [list(t) for t in out["transitions"]]
    out["incompatible_steps"] = [list(t) for t in out["incompatible_steps"]]
    return out


def check_flowchart(fc: Any, index: int = 0) -> tuple[list[str], list[str]]:
    """Problems and warnings (Chinese) for one flowchart object."""
    if not isinstance(fc, dict):
        return [f"第 {index + 1} 个流程图不是对象"], []
    ck = _Checker(fc, index)
    missing = [k for k in REQUIRED_FLOWCHART_KEYS if k not in fc]
    if missing:
        ck.problem(f"缺少必填项：{'、'.join(missing)}")
    ck.text(fc, "flowchart_code", "流程图", required="flowchart_code" in fc)
    ck.text(fc, "name", "流程图", required="name" in fc)
    if fc.get("power_code") is not None and not isinstance(fc.get("power_code"), str):
        ck.problem("power_code（权力事项编码）应为文字或 null")
    power_codes = fc.get("power_codes")
    if power_codes is not None and (
        not isinstance(power_codes, list) or not all(isinstance(c, str) for c in power_codes)
    ):
        ck.problem("power_codes 应为权力事项编码列表")
    for key in FLOWCHART_NUMBER_KEYS:
        ck.number(fc, key, "流程图")
    for key in FLOWCHART_TEXT_KEYS:
        ck.text(fc, key, "流程图")
    if fc.get("params") is not None and not isinstance(fc.get("params"), dict):
        ck.problem("params 应为对象")
    code_list = _check_steps(ck, fc)
    codes = set(code_list)
    transitions = _pairs(ck, fc, "transitions", codes, "流转") if "transitions" in fc else []
    if "incompatible_steps" in fc:
        for a, b in _pairs(ck, fc, "incompatible_steps", codes, "不相容步骤"):
            if a == b:
                ck.problem(f"不相容步骤 [{a}, {b}] 是同一步骤")
    start = _code_list(ck, fc, "start", codes, "开始步骤") if "start" in fc else []
    end = _code_list(ck, fc, "end", codes, "结束步骤") if "end" in fc else []
    if "discretion" in fc:
        _check_discretion(ck, fc, codes)
    _check_labels(ck, fc, transitions)
    if not ck.problems:
        _check_graph(ck, fc["steps"], start, end, transitions)
    return ck.problems, ck.warnings


def validate_flowcharts(data: Any, warnings: list[str] | None = None) -> list[dict]:
    """Check a flow-model document and return normalised deep copies of its flowcharts.

    Raises FlowModelError listing every problem.  Steps that cannot be reached from a
    start step are not an error: they are appended to ``warnings`` when a list is given.
    """
    if not isinstance(data, list):
        raise FlowModelError(["流程模型应为流程图对象的列表（JSON 数组）"])
    problems: list[str] = []
    found_warnings: list[str] = []
    seen: dict[str, int] = {}
    for i, fc in enumerate(data):
        p, w = check_flowchart(fc, i)
        problems += p
        found_warnings += w
        code = fc.get("flowchart_code") if isinstance(fc, dict) else None
        if isinstance(code, str):
            if code in seen:
                problems.append(f"流程图编码 {code} 重复（第 {seen[code] + 1} 个与第 {i + 1} 个流程图）")
            else:
                seen[code] = i
    if problems:
        raise FlowModelError(problems)
    if warnings is not None:
        warnings.extend(found_warnings)
    return [_normalise(fc) for fc in data]


def validate_flowchart(fc: Any, warnings: list[str] | None = None) -> dict:
    """validate_flowcharts for a single flowchart object."""
    return validate_flowcharts([fc], warnings)[0]


def to_json(flowcharts: Iterable[dict], indent: int | None = 2) -> str:
    """Serialise flowcharts as flow-model JSON (UTF-8 text, Chinese kept readable)."""
    return json.dumps(list(flowcharts), ensure_ascii=False, indent=indent)


def load_json(text: str | bytes, warnings: list[str] | None = None) -> list[dict]:
    """Parse and validate a flow-model JSON document."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FlowModelError([f"不是有效的 JSON：{exc}"]) from exc
    return validate_flowcharts(data, warnings)
