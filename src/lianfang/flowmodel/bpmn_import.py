"""BPMN 2.0 import: every pool (process) with activities becomes one flowchart dict.

The mapping is described in docs/flow-model.md.  Untrusted XML is parsed with
defusedxml (no DTD entities, no external references, no network).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .bpmn_common import (
    ACTIVITY_KINDS,
    ACTIVITY_NAMES,
    BPMN_NS,
    EVENT_KINDS,
    EVENT_NAMES,
    EVENT_TRIGGERS,
    GATEWAYS,
    IGNORED_NAMES,
    LF_NS,
    TRIGGER_NAMES,
    decode_field,
    in_bpmn,
    local,
    safe_code,
)
from .layout import NO_POST_LANE
from .schema import check_flowchart
from .text import fold_space

KnownPosts = Iterable[str] | Callable[[str], bool] | None
GRAPH_KEYS = ("start", "end", "transitions", "transition_labels")


class BpmnError(ValueError):
    """The file cannot be imported; the message (Chinese) names the element at fault."""


@dataclass
class ImportResult:
    flowcharts: list[dict]
    warnings: list[str] = field(default_factory=list)


def _q(name: str) -> str:
    return f"{{{BPMN_NS}}}{name}"


def _parse(data: bytes | str, filename: str) -> Element:
    if isinstance(data, str):
        data = data.encode("utf-8")
    where = f"「{filename}」" if filename else ""
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise BpmnError(f"文件{where}含有 DTD 实体或外部引用，出于安全原因拒绝导入（{exc}）") from exc
    except ParseError as exc:
        line = getattr(exc, "position", (None, None))[0]
        at = f"第 {line} 行" if line else ""
        raise BpmnError(f"文件{where}不是有效的 XML：{at}解析失败（{exc}）") from exc
    except (ValueError, LookupError) as exc:
        raise BpmnError(f"文件{where}不是有效的 XML：{exc}") from exc
    if root.tag != _q("definitions"):
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else "无命名空间"
        raise BpmnError(
            f"文件{where}不是 BPMN 2.0 文件：根元素是 <{local(root.tag)}>（命名空间 {ns}），"
            f"应为命名空间 {BPMN_NS} 中的 <definitions>"
        )
    return root


def _describe(el: Element) -> str:
    name = fold_space(el.get("name"))
    text = f"「{name}」" if name else ""
    return f"{text}（{local(el.tag)}，id={el.get('id')}）"


def _check_references(root: Element, ids: dict[str, Element]) -> None:
    for flow in root.iter(_q("sequenceFlow")):
        for attr, what in (("sourceRef", "起点 sourceRef"), ("targetRef", "终点 targetRef")):
            ref = flow.get(attr)
            if not ref:
                raise BpmnError(f"顺序流{_describe(flow)}缺少{what}")
            if ref not in ids:
                raise BpmnError(f"顺序流{_describe(flow)}的{what}指向不存在的元素 {ref}")


def _post_checker(known_posts: KnownPosts) -> Callable[[str], bool] | None:
    if known_posts is None:
        return None
    if callable(known_posts):
        return known_posts
    names = set(known_posts)
    return names.__contains__


def _lianfang(el: Element, tag: str) -> tuple[str | None, dict[str, Any]] | None:
    ext = el.find(_q("extensionElements"))
    node = ext.find(f"{{{LF_NS}}}{tag}") if ext is not None else None
    if node is None:
        return None
    fields: dict[str, Any] = {}
    for f in node.findall(f"{{{LF_NS}}}field"):
        if f.get("name"):
            fields[f.get("name")] = decode_field(f.get("type"), f.text)
    return node.get("code"), fields


def _triggers(el: Element) -> list[str]:
    return [EVENT_TRIGGERS.get(local(c.tag), "other") for c in el if local(c.tag).endswith("EventDefinition")]


def element_name(el: Element) -> str:
    """The folded name of an element, or a Chinese name from its kind when it has none."""
    name = fold_space(el.get("name"))
    if name:
        return name
    tag = local(el.tag)
    if tag == "subProcess" and el.get("triggeredByEvent") == "true":
        return "事件子流程"
    if tag in ACTIVITY_NAMES:
        return ACTIVITY_NAMES[tag]
    triggers = _triggers(el)
    if len(triggers) > 1:
        return TRIGGER_NAMES["multiple"]
    if triggers and triggers[0] in TRIGGER_NAMES:
        return TRIGGER_NAMES[triggers[0]]
    return EVENT_NAMES.get(tag, tag)


def _hint_sorted(items: list, hint: Any) -> list:
    if not isinstance(hint, list):
        return items
    pos: dict[str, int] = {}
    for i, h in enumerate(hint):
        pos.setdefault(json.dumps(h, ensure_ascii=False), i)
    return sorted(items, key=lambda it: pos.get(json.dumps(it, ensure_ascii=False), len(pos)))


class _ProcessReader:
    def __init__(
        self, proc: Element, name: str, known: Callable[[str], bool] | None, warn, filename: str = ""
    ):
        self.proc = proc
        self.filename = filename
        self.name = name
        self.known = known
        self._warn = warn
        self.kind: dict[
            str, str
        ] = {}  # id -> step | start | end | gateway | boundary | link_throw | link_catch
        self.els: dict[str, Element] = {}
        self.flows: list[Element] = []
        self.out: dict[str, list[Element]] = {}
        self.incoming: set[str] = set()
        self.warned: set[str] = set()

    def warn(self, text: str) -> None:
        if text not in self.warned:
            self.warned.add(text)
            self._warn(f"流程图「{self.name}」：{text}")

    # -- reading the top level ------------------------------------------------------------
    def scan(self) -> None:
        for el in self.proc:
            if not in_bpmn(el.tag):
                continue
            tag, eid = local(el.tag), el.get("id") or ""
            kind = None
            if tag in ACTIVITY_KINDS:
                kind = "step"
            elif tag in EVENT_KINDS:
                if "link" in _triggers(el):
                    kind = "link_throw" if tag == "intermediateThrowEvent" else "link_catch"
                else:
                    kind = "step"
            elif tag == "startEvent":
                kind = "start"
            elif tag == "endEvent":
                kind = "end"
            elif tag == "boundaryEvent":
                kind = "boundary"
            elif tag in GATEWAYS:
                kind = "gateway"
            elif tag == "sequenceFlow":
                self.flows.append(el)
            if kind and eid:
                self.kind[eid] = kind
                self.els[eid] = el
        for flow in self.flows:
            self.out.setdefault(flow.get("sourceRef"), []).append(flow)
            self.incoming.add(flow.get("targetRef"))

    def step_ids(self) -> list[str]:
        return [i for i, k in self.kind.items() if k == "step"]

    def lanes(self) -> dict[str, str]:
        found: dict[str, tuple[int, str]] = {}

        def walk(lane_set: Element, depth: int) -> None:
            for lane in lane_set.findall(_q("lane")):
                name = fold_space(lane.get("name"))
                if name:
                    for ref in lane.findall(_q("flowNodeRef")):
                        rid = (ref.text or "").strip()
                        if depth >= found.get(rid, (-1, ""))[0]:
                            found[rid] = (depth, name)
                for child in lane.findall(_q("childLaneSet")):
                    walk(child, depth + 1)

        for lane_set in self.proc.findall(_q("laneSet")):
            walk(lane_set, 0)
        return {k: v[1] for k, v in found.items()}

    # -- following sequence flows through gateways and link events --------------------------
    @staticmethod
    def flow_label(flow: Element) -> str:
        name = fold_space(flow.get("name"))
        if name:
            return name
        cond = flow.find(_q("conditionExpression"))
        return fold_space("".join(cond.itertext())) if cond is not None else ""

    def follow(self, flow: Element, labels: list[str], seen: frozenset) -> list[tuple[str, str | None, list]]:
        label = self.flow_label(flow)
        if label and label not in labels:
            labels = labels + [label]
        return self.arrive(flow.get("targetRef"), labels, seen, flow)

    def arrive(self, tid: str, labels: list[str], seen: frozenset, flow: Element):
        kind = self.kind.get(tid)
        if kind == "step":
            return [("step", tid, labels)]
        if kind == "end":
            return [("end", None, labels)]
        if kind in ("gateway", "link_catch", "link_throw"):
            if tid in seen:
                return []
            seen = seen | {tid}
            if kind == "link_throw":
                catches = self.link_catches(self.els[tid])
                if not catches:
                    self.warn(
                        f"链接抛出事件{_describe(self.els[tid])}找不到同名的链接捕获事件，按流程结束处理"
                    )
                    return [("end", None, labels)]
                return [r for c in catches for r in self.arrive(c, labels, seen, flow)]
            outs = self.out.get(tid, [])
            if not outs:
                return [("end", None, labels)]
            return [r for f in outs for r in self.follow(f, labels, seen)]
        self.warn(f"顺序流{_describe(flow)}指向的元素 {tid} 不是本流程顶层的步骤、网关或结束事件，已忽略")
        return []

    def link_catches(self, throw: Element) -> list[str]:
        def link_names(el: Element) -> set[str]:
            names = {fold_space(el.get("name"))}
            for d in el.findall(_q("linkEventDefinition")):
                names.add(fold_space(d.get("name")))
            return names - {""}

        wanted = link_names(throw)
        return [i for i, k in self.kind.items() if k == "link_catch" and link_names(self.els[i]) & wanted]

    # -- building the flowchart -------------------------------------------------------------
    def graph(self) -> tuple[list[str], list[str], dict[tuple[str, str], list[str]]]:
        steps = self.step_ids()
        transitions: dict[tuple[str, str], list[str]] = {}
        ends: set[str] = set()
        has_out: set[str] = set()
        starts: set[str] = set()
        has_start_event = any(k == "start" for k in self.kind.values())
        for flow in self.flows:
            src = flow.get("sourceRef")
            kind = self.kind.get(src)
            extra: list[str] = []
            origin = None
            if kind == "step":
                origin = src
            elif kind == "boundary":
                boundary = self.els[src]
                origin = boundary.get("attachedToRef")
                if self.kind.get(origin) != "step":
                    self.warn(f"边界事件{_describe(boundary)}附着的元素不是本流程的步骤，已忽略")
                    continue
                extra = [element_name(boundary)]
            elif kind == "start" or (kind == "gateway" and not has_start_event and src not in self.incoming):
                for what, target, _ in self.follow(flow, [], frozenset()):
                    if what == "step":
                        starts.add(target)
                continue
            else:
                continue
            for what, target, labels in self.follow(flow, extra, frozenset()):
                has_out.add(origin)
                if what == "end":
                    ends.add(origin)
                else:
                    merged = transitions.setdefault((origin, target), [])
                    merged.extend(lb for lb in labels if lb not in merged)
        for sid in steps:
            el = self.els[sid]
            if sid not in has_out:
                ends.add(sid)
            if (
                not has_start_event
                and sid not in self.incoming
                and el.get("isForCompensation") != "true"
                and el.get("triggeredByEvent") != "true"
            ):
                starts.add(sid)
            if el.get("triggeredByEvent") == "true":
                self.warn(f"事件子流程{_describe(el)}由事件触发，没有顺序流连接，作为单独步骤保留")
        return [s for s in steps if s in starts], [s for s in steps if s in ends], transitions

    def subprocess_contents(self, el: Element) -> list[str]:
        names = []
        for child in el.iter():
            if child is el or not in_bpmn(child.tag):
                continue
            tag = local(child.tag)
            if tag in ACTIVITY_KINDS or tag in EVENT_NAMES:
                names.append(element_name(child))
        return names

    def make_step(self, eid: str, code: str, lane: str | None) -> dict:
        el = self.els[eid]
        name = element_name(el)
        lf = _lianfang(el, "step")
        post = None if lane in (None, NO_POST_LANE) else lane
        if lf is not None:
            step = {"code": code, "name": name, "post": post, "limit_hours": None}
            step.update({k: v for k, v in lf[1].items() if k not in ("code", "name", "post")})
        else:
            step = {"code": code, "name": name, "post": post, "limit_hours": None}
            tag = local(el.tag)
            step["kind"] = ACTIVITY_KINDS.get(tag) or EVENT_KINDS[tag]
            triggers = _triggers(el)
            if tag in EVENT_KINDS:
                step["event_trigger"] = (
                    (triggers[0] if len(triggers) == 1 else "multiple") if triggers else None
                )
            parts = []
            doc = el.find(_q("documentation"))
            if doc is not None and fold_space("".join(doc.itertext())):
                parts.append("".join(doc.itertext()).strip())
            inner = (
                self.subprocess_contents(el)
                if tag in ("subProcess", "transaction", "adHocSubProcess")
                else []
            )
            if inner:
                parts.append("子流程包含：" + "、".join(inner))
                self.warn(
                    f"展开的子流程「{name}」内部的 {len(inner)} 个元素已合并为一个步骤，内容记入步骤说明"
                )
            if parts:
                step["description"] = "\n".join(parts)
        if self.known is not None:
            if post is None:
                step.pop("post_linked", None)
            else:
                step["post_linked"] = bool(self.known(post))
                if not step["post_linked"]:
                    self.warn(f"泳道「{post}」在本单位岗位中不存在，已作为岗位标签保留（未关联岗位）")
        return step

    def read(self, fallback_code: str) -> dict | None:
        self.scan()
        step_ids = self.step_ids()
        if not step_ids:
            return None
        lanes = self.lanes()
        codes: dict[str, str] = {}
        used: set[str] = set()
        for n, sid in enumerate(step_ids, 1):
            lf = _lianfang(self.els[sid], "step")
            base = (lf[0] if lf and lf[0] else None) or safe_code(sid) or f"S{n}"
            code, k = base, 2
            while code in used:
                code, k = f"{base}-{k}", k + 1
            if code != base:
                self.warn(f"步骤编码 {base} 重复，{_describe(self.els[sid])}改用 {code}")
            used.add(code)
            codes[sid] = code
        steps = [self.make_step(sid, codes[sid], lanes.get(sid)) for sid in step_ids]
        starts, ends, transitions = self.graph()
        lf = _lianfang(self.proc, "flowchart")
        fields = lf[1] if lf else {}
        start = _hint_sorted([codes[s] for s in starts], fields.get("start"))
        end = _hint_sorted([codes[s] for s in ends], fields.get("end"))
        pairs = _hint_sorted([[codes[a], codes[b]] for a, b in transitions], fields.get("transitions"))
        label_of = {(codes[a], codes[b]): "；".join(v) for (a, b), v in transitions.items() if v}
        fc: dict[str, Any] = {
            "flowchart_code": (lf[0] if lf and lf[0] else None)
            or safe_code(self.proc.get("id"))
            or fallback_code,
            "power_code": None,
            "name": self.name,
            "steps": steps,
            "start": start,
            "end": end,
            "transitions": pairs,
            "case_limit_hours": None,
            "incompatible_steps": [],
            "discretion": [],
        }
        if lf is not None:
            fc.update(
                {k: v for k, v in fields.items() if k not in GRAPH_KEYS + ("name", "steps", "flowchart_code")}
            )
        else:
            if self.filename:
                fc["source"] = self.filename
            doc = self.proc.find(_q("documentation"))
            if doc is not None and fold_space("".join(doc.itertext())):
                fc["note"] = "".join(doc.itertext()).strip()
        labels = [{"from": a, "to": b, "label": label_of[(a, b)]} for a, b in pairs if (a, b) in label_of]
        if labels or "transition_labels" in fields:
            fc["transition_labels"] = labels
        self.prune(fc)
        return fc

    def prune(self, fc: dict) -> None:
        """Drop extension data that points at steps deleted in another modelling tool."""
        codes = {s["code"] for s in fc["steps"]}
        pairs = fc.get("incompatible_steps")
        if isinstance(pairs, list):
            kept = [p for p in pairs if isinstance(p, list) and all(c in codes for c in p)]
            if len(kept) != len(pairs):
                self.warn("部分不相容步骤指向已删除的步骤，已去掉")
            fc["incompatible_steps"] = kept
        items = fc.get("discretion")
        if isinstance(items, list):
            kept = [d for d in items if isinstance(d, dict) and d.get("step") in codes]
            if len(kept) != len(items):
                self.warn("部分自由裁量项指向已删除的步骤，已去掉")
            fc["discretion"] = kept


def import_bpmn(data: bytes, filename: str = "", known_posts: KnownPosts = None) -> ImportResult:
    """Read a BPMN 2.0 file into flowchart dicts.

    ``known_posts`` is the set of post names of the unit (or a callable ``name -> bool``);
    with it every step with a lane gets ``post_linked``.  With ``None`` lane names are kept
    as posts without checking.  Raises BpmnError for files that cannot be imported.
    """
    root = _parse(data, filename)
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    _check_references(root, ids)
    warnings: list[str] = []
    pools: dict[str, str] = {}
    for participant in root.iter(_q("participant")):
        ref, name = participant.get("processRef"), fold_space(participant.get("name"))
        if ref and name:
            pools.setdefault(ref, name)
    known = _post_checker(known_posts)
    stem = PurePath(filename).stem if filename else ""
    flowcharts: list[dict] = []
    empty: list[str] = []
    for n, proc in enumerate(root.findall(_q("process")), 1):
        pid = proc.get("id") or f"P{n}"
        name = pools.get(pid) or fold_space(proc.get("name")) or stem or "未命名流程图"
        fc = _ProcessReader(proc, name, known, warnings.append, filename).read(f"P{n}")
        if fc is None:
            empty.append(pid)
            continue
        flowcharts.append(fc)
    if not flowcharts:
        where = f"「{filename}」" if filename else ""
        which = f"（流程 {'、'.join(empty)} 只有事件、网关或连线）" if empty else "（文件中没有流程 process）"
        raise BpmnError(f"文件{where}中没有任何活动（任务、子流程或调用活动），无法生成流程图{which}")
    for pid in empty:
        warnings.append(f"流程 {pid} 没有任何活动，未生成流程图")
    used: set[str] = set()
    for fc in flowcharts:
        base, k = fc["flowchart_code"], 2
        while fc["flowchart_code"] in used:
            fc["flowchart_code"], k = f"{base}-{k}", k + 1
        used.add(fc["flowchart_code"])
    ignored = Counter(
        local(el.tag) for el in root.iter() if in_bpmn(el.tag) and local(el.tag) in IGNORED_NAMES
    )
    if ignored:
        listed = "、".join(f"{IGNORED_NAMES[tag]} {count} 个" for tag, count in sorted(ignored.items()))
        warnings.append(f"以下元素在流程图中没有对应，已忽略：{listed}")
    for i, fc in enumerate(flowcharts):
        problems, found = check_flowchart(fc, i)
        warnings.extend(found)
        warnings.extend(f"导入后校验未通过：{p}" for p in problems)
    return ImportResult(flowcharts, warnings)
