"""BPMN 2.0 export: one flowchart -> one BPMN 2.0 XML file (with diagram interchange).

The file holds a collaboration with one participant (the pool, named after the
flowchart), lanes for posts, a start and an end event, exclusive gateways where a
step has several ways on, and BPMNDI shapes and edges laid out by ``layout``.
Everything of the flow-model format travels in ``extensionElements`` under the
Lianfang namespace so that ``import_bpmn(export_bpmn(fc))`` gives the flowchart back.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from .bpmn_common import (
    BPMN_NS,
    BPMNDI_NS,
    DC_NS,
    DI_NS,
    KIND_ELEMENTS,
    LF_NS,
    TRIGGER_DEFINITIONS,
    encode_field,
    safe_code,
)
from .layout import END, START, Layout, layout
from .schema import validate_flowchart
from .text import text_em, wrap

EXPORTER = "Lianfang"
EXPORTER_VERSION = "1.0"
CATCH_TRIGGERS = {"timer", "message", "signal", "conditional"}
THROW_TRIGGERS = {"message", "signal", "escalation", "compensate"}
STEP_ATTRIBUTES = ("code", "name", "post")  # carried by the BPMN model itself
FLOWCHART_ATTRIBUTES = ("flowchart_code", "name", "steps")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")

for _prefix, _uri in (("bpmn", BPMN_NS), ("bpmndi", BPMNDI_NS), ("dc", DC_NS), ("di", DI_NS), ("lf", LF_NS)):
    ET.register_namespace(_prefix, _uri)


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def bpmn_node_size(kind: str, step: dict | None) -> tuple[float, float]:
    """Shape sizes for BPMN DI: events 36, gateways 50, tasks 120 wide (taller for long names)."""
    if kind in (START, END):
        return 36.0, 36.0
    if kind == "gateway":
        return 50.0, 50.0
    if step and step.get("kind") in ("catch_event", "throw_event"):
        return 36.0, 36.0
    lines = len(wrap(step.get("name", "") if step else "", 8.0))
    return 120.0, max(80.0, 24.0 + 16.0 * lines)


class _Ids:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, code: str | None, n: int) -> str:
        base = f"{prefix}_{code}" if code and _NCNAME.fullmatch(code) else f"{prefix}_{n}"
        out, k = base, 2
        while out in self.used:
            out, k = f"{base}_{k}", k + 1
        self.used.add(out)
        return out


def _fields(parent: ET.Element, data: dict, skip: tuple[str, ...]) -> None:
    for key, value in data.items():
        if key in skip:
            continue
        kind, text = encode_field(value)
        field = ET.SubElement(parent, f"{{{LF_NS}}}field", {"name": key, "type": kind})
        if text is not None:
            field.text = text


def _extension(el: ET.Element, tag: str, code: str, data: dict, skip: tuple[str, ...]) -> None:
    ext = ET.SubElement(el, _b("extensionElements"))
    node = ET.SubElement(ext, f"{{{LF_NS}}}{tag}", {"code": code})
    _fields(node, data, skip)


def _bounds(parent: ET.Element, x: float, y: float, w: float, h: float) -> None:
    ET.SubElement(parent, f"{{{DC_NS}}}Bounds", {"x": _n(x), "y": _n(y), "width": _n(w), "height": _n(h)})


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _flow_node(process: ET.Element, step: dict, el_id: str) -> ET.Element:
    tag = KIND_ELEMENTS.get(step.get("kind") or "task", "task")
    el = ET.SubElement(process, _b(tag), {"id": el_id, "name": step["name"]})
    if isinstance(step.get("description"), str) and step["description"].strip():
        ET.SubElement(el, _b("documentation")).text = step["description"]
    _extension(el, "step", step["code"], step, STEP_ATTRIBUTES)
    return el


def _event_definition(el: ET.Element, step: dict, n: int) -> None:
    trigger = step.get("event_trigger")
    allowed = CATCH_TRIGGERS if step.get("kind") == "catch_event" else THROW_TRIGGERS
    if step.get("kind") in ("catch_event", "throw_event") and trigger in allowed:
        definition = ET.SubElement(el, _b(TRIGGER_DEFINITIONS[trigger]), {"id": f"EventDefinition_{n}"})
        if trigger == "conditional":  # the schema requires a condition
            ET.SubElement(definition, _b("condition"))


def export_bpmn(flowchart: dict, layout_result: Layout | None = None) -> bytes:
    """The flowchart as a BPMN 2.0 XML document (UTF-8 bytes)."""
    fc = validate_flowchart(flowchart)
    lay = layout_result or layout(fc, direction="LR", lanes=True, gateways=True, node_size=bpmn_node_size)
    ids = _Ids()
    code = safe_code(fc["flowchart_code"]) or "flowchart"
    defs = ET.Element(
        _b("definitions"),
        {
            "id": ids.make("Definitions", code, 1),
            "targetNamespace": "https://lianfang.org/schema/bpmn/flows",
            "exporter": EXPORTER,
            "exporterVersion": EXPORTER_VERSION,
        },
    )
    collab = ET.SubElement(defs, _b("collaboration"), {"id": ids.make("Collaboration", code, 1)})
    process_id = ids.make("Process", code, 1)
    participant_id = ids.make("Participant", code, 1)
    ET.SubElement(
        collab, _b("participant"), {"id": participant_id, "name": fc["name"], "processRef": process_id}
    )
    process = ET.SubElement(
        defs, _b("process"), {"id": process_id, "name": fc["name"], "isExecutable": "false"}
    )
    if isinstance(fc.get("note"), str) and fc["note"].strip():
        ET.SubElement(process, _b("documentation")).text = fc["note"]
    _extension(process, "flowchart", fc["flowchart_code"], fc, FLOWCHART_ATTRIBUTES)

    # element ids for every layout node
    el_id: dict[str, str] = {}
    for n, node in enumerate(lay.nodes.values(), 1):
        if node.kind == START:
            el_id[node.id] = ids.make("StartEvent", None, 1)
        elif node.kind == END:
            el_id[node.id] = ids.make("EndEvent", None, 1)
        elif node.kind == "gateway":
            el_id[node.id] = ids.make("Gateway", node.step, n)
        else:
            el_id[node.id] = ids.make("Step", node.step, n)

    if lay.lanes:
        lane_set = ET.SubElement(process, _b("laneSet"), {"id": ids.make("LaneSet", None, 1)})
        lane_ids = []
        for lane in lay.lanes:
            lane_el = ET.SubElement(
                lane_set, _b("lane"), {"id": ids.make("Lane", None, lane.index + 1), "name": lane.name}
            )
            lane_ids.append(lane_el.get("id"))
            for node in lay.nodes.values():
                if node.lane == lane.index:
                    ET.SubElement(lane_el, _b("flowNodeRef")).text = el_id[node.id]
    else:
        lane_ids = []

    flow_ids = [ids.make("Flow", None, k + 1) for k in range(len(lay.edges))]
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for fid, edge in zip(flow_ids, lay.edges, strict=True):
        outgoing.setdefault(edge.source, []).append(fid)
        incoming.setdefault(edge.target, []).append(fid)

    steps = {s["code"]: s for s in fc["steps"]}
    for n, node in enumerate(lay.nodes.values(), 1):
        if node.kind == START:
            el = ET.SubElement(process, _b("startEvent"), {"id": el_id[node.id], "name": "开始"})
        elif node.kind == END:
            el = ET.SubElement(process, _b("endEvent"), {"id": el_id[node.id], "name": "结束"})
        elif node.kind == "gateway":
            el = ET.SubElement(process, _b("exclusiveGateway"), {"id": el_id[node.id]})
        else:
            el = _flow_node(process, steps[node.step], el_id[node.id])
        for fid in incoming.get(node.id, []):
            ET.SubElement(el, _b("incoming")).text = fid
        for fid in outgoing.get(node.id, []):
            ET.SubElement(el, _b("outgoing")).text = fid
        if node.kind == "step":
            _event_definition(el, steps[node.step], n)

    for fid, edge in zip(flow_ids, lay.edges, strict=True):
        attrs = {"id": fid, "sourceRef": el_id[edge.source], "targetRef": el_id[edge.target]}
        if edge.label:
            attrs["name"] = edge.label
        ET.SubElement(process, _b("sequenceFlow"), attrs)

    _diagram(defs, lay, ids, collab.get("id"), participant_id, lane_ids, el_id, flow_ids)
    ET.indent(defs, space="  ")
    return ET.tostring(defs, encoding="UTF-8", xml_declaration=True)


def _diagram(defs, lay: Layout, ids: _Ids, collab_id, participant_id, lane_ids, el_id, flow_ids) -> None:
    dx, dy = 40.0, 0.0  # room for the pool's own label band
    diagram = ET.SubElement(defs, f"{{{BPMNDI_NS}}}BPMNDiagram", {"id": ids.make("BPMNDiagram", None, 1)})
    plane = ET.SubElement(
        diagram, f"{{{BPMNDI_NS}}}BPMNPlane", {"id": ids.make("BPMNPlane", None, 1), "bpmnElement": collab_id}
    )

    def shape(element: str, x: float, y: float, w: float, h: float, **extra: str) -> ET.Element:
        attrs = {"id": ids.make("Shape", None, len(ids.used)), "bpmnElement": element}
        attrs.update(extra)
        sh = ET.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", attrs)
        _bounds(sh, x + dx, y + dy, w, h)
        return sh

    if lay.lanes:
        top = min(lane.y for lane in lay.lanes)
        bottom = max(lane.y + lane.h for lane in lay.lanes)
        left = min(lane.x for lane in lay.lanes)
        right = max(lane.x + lane.w for lane in lay.lanes)
    else:
        top, left, bottom, right = 10.0, 10.0, lay.height - 10.0, lay.width - 10.0
    shape(participant_id, left - 30, top, right - left + 30, bottom - top, isHorizontal="true")
    for lane, lane_id in zip(lay.lanes, lane_ids, strict=True):
        shape(lane_id, lane.x, lane.y, lane.w, lane.h, isHorizontal="true")
    for node in lay.nodes.values():
        extra: dict[str, Any] = {}
        if node.kind == "gateway":
            extra["isMarkerVisible"] = "true"
        sh = shape(el_id[node.id], node.x, node.y, node.w, node.h, **extra)
        if node.kind in (START, END):
            label = ET.SubElement(sh, f"{{{BPMNDI_NS}}}BPMNLabel")
            _bounds(label, node.x + dx - 7, node.y + dy + node.h + 4, node.w + 14, 14)
    for fid, edge in zip(flow_ids, lay.edges, strict=True):
        ed = ET.SubElement(
            plane,
            f"{{{BPMNDI_NS}}}BPMNEdge",
            {"id": ids.make("Edge", None, len(ids.used)), "bpmnElement": fid},
        )
        for x, y in edge.points:
            ET.SubElement(ed, f"{{{DI_NS}}}waypoint", {"x": _n(x + dx), "y": _n(y + dy)})
        if edge.label and edge.label_pos:
            w = min(160.0, text_em(edge.label) * 11 + 8)
            lx, ly = edge.label_pos
            label = ET.SubElement(ed, f"{{{BPMNDI_NS}}}BPMNLabel")
            _bounds(label, lx + dx + 4, ly + dy - 16, w, 14)
