"""BPMN 2.0 import over the OMG MIWG reference models and over malformed input."""

import pytest
from conftest import reference_dir, reference_files

from lianfang.flowmodel import BpmnError, import_bpmn

REFERENCE = reference_dir()
needs_reference = pytest.mark.skipif(not reference_files(), reason="MIWG reference models not found")


def read(name: str) -> bytes:
    return (REFERENCE / name).read_bytes()


def summary(fc: dict) -> dict:
    """The flowchart with step codes replaced by names (the reference ids are GUIDs)."""
    name = {s["code"]: s["name"] for s in fc["steps"]}
    return {
        "name": fc["name"],
        "steps": [(s["name"], s["post"]) for s in fc["steps"]],
        "transitions": {(name[a], name[b]) for a, b in fc["transitions"]},
        "start": [name[c] for c in fc["start"]],
        "end": [name[c] for c in fc["end"]],
        "labels": {(name[t["from"]], name[t["to"]]): t["label"] for t in fc.get("transition_labels", [])},
    }


# Read off the reference PNGs and checked against the XML.  Steps are in document order.
EXPECTED = {
    "A.1.0.bpmn": [
        {
            "name": "A.1.0",
            "steps": [("Task 1", None), ("Task 2", None), ("Task 3", None)],
            "transitions": {("Task 1", "Task 2"), ("Task 2", "Task 3")},
            "start": ["Task 1"],
            "end": ["Task 3"],
            "labels": {},
        }
    ],
    "A.2.0.bpmn": [
        {
            "name": "A.2.0",
            "steps": [("Task 1", None), ("Task 2", None), ("Task 3", None), ("Task 4", None)],
            # split gateway after Task 1; Task 3 and Task 4 merge through a gateway into the end event
            "transitions": {("Task 1", "Task 2"), ("Task 1", "Task 3"), ("Task 1", "Task 4")},
            "start": ["Task 1"],
            "end": ["Task 2", "Task 3", "Task 4"],
            "labels": {},
        }
    ],
    "A.2.1.bpmn": [
        {
            "name": "A.2.1",
            "steps": [("Task 1", None), ("Task 2", None), ("Task 3", None), ("Task 4", None)],
            # Task 2 and Task 4 also flow (default flows) into Task 3
            "transitions": {
                ("Task 1", "Task 2"),
                ("Task 1", "Task 3"),
                ("Task 1", "Task 4"),
                ("Task 2", "Task 3"),
                ("Task 4", "Task 3"),
            },
            "start": ["Task 1"],
            "end": ["Task 2", "Task 3", "Task 4"],
            "labels": {("Task 1", "Task 2"): "Default"},
        }
    ],
    "A.3.0.bpmn": [
        {
            "name": "A.3.0",
            "steps": [
                ("Task 1", None),
                ("Collapsed Sub-Process", None),
                ("Task 4", None),
                ("Task 3", None),
                ("Task 2", None),
            ],
            # the two boundary events give transitions from the sub-process, labelled with their names
            "transitions": {
                ("Task 1", "Collapsed Sub-Process"),
                ("Collapsed Sub-Process", "Task 2"),
                ("Collapsed Sub-Process", "Task 3"),
                ("Collapsed Sub-Process", "Task 4"),
            },
            "start": ["Task 1"],
            "end": ["Task 4", "Task 3", "Task 2"],
            "labels": {
                ("Collapsed Sub-Process", "Task 3"): "Boundary Intermediate Event Non-Interrupting Message",
                ("Collapsed Sub-Process", "Task 4"): "Boundary Intermediate Event Interrupting Escalation",
            },
        }
    ],
    "A.4.0.bpmn": [
        {
            "name": "Pool",
            "steps": [("Task 1", None), ("Task 2", None)],
            "transitions": {("Task 1", "Task 2")},
            "start": ["Task 1"],
            "end": ["Task 2"],
            "labels": {},
        },
        {
            # the second process has lanes but no pool and no name: named after the file
            "name": "A.4.0",
            "steps": [
                ("Task 5", "Lane 1"),
                ("Expanded Sub-Process 1", "Lane 1"),
                ("Task 3", "Lane 1"),
                ("Expanded Sub-Process 2", "Lane 2"),
            ],
            "transitions": {
                ("Task 3", "Expanded Sub-Process 1"),
                ("Expanded Sub-Process 1", "Task 5"),
                ("Task 3", "Expanded Sub-Process 2"),
            },
            "start": ["Task 3"],
            "end": ["Task 5", "Expanded Sub-Process 2"],
            "labels": {},
        },
    ],
    "A.4.1.bpmn": [
        {
            "name": "Pool 1",
            "steps": [("Task 1", "Lane 1"), ("Task 2", "Lane 1")],
            "transitions": {("Task 1", "Task 2")},
            "start": ["Task 1"],
            "end": ["Task 2"],
            "labels": {},
        },
        {
            "name": "Pool 2",
            "steps": [
                ("Task 3", "Lane 2"),
                ("Expanded Sub-Process 1", "Lane 2"),
                ("Task 5", "Lane 2"),
                ("Expanded Sub-Process 2", "Lane 3"),
            ],
            "transitions": {
                ("Task 3", "Expanded Sub-Process 1"),
                ("Expanded Sub-Process 1", "Task 5"),
                ("Task 3", "Expanded Sub-Process 2"),
            },
            "start": ["Task 3"],
            "end": ["Task 5", "Expanded Sub-Process 2"],
            "labels": {},
        },
    ],
}


@needs_reference
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_series_matches_the_reference_drawing(name):
    result = import_bpmn(read(name), name)
    assert [summary(fc) for fc in result.flowcharts] == EXPECTED[name]
    for fc in result.flowcharts:
        assert len({s["code"] for s in fc["steps"]}) == len(fc["steps"])
        assert fc["power_code"] is None and fc["source"] == name


@needs_reference
def test_expanded_sub_process_contents_kept_in_description():
    result = import_bpmn(read("A.4.0.bpmn"), "A.4.0.bpmn")
    step = next(s for s in result.flowcharts[1]["steps"] if s["name"] == "Expanded Sub-Process 1")
    assert step["kind"] == "subprocess"
    assert step["description"] == "子流程包含：Start Event 3、Task 4、End Event 3"
    assert any("Expanded Sub-Process 1" in w and "合并为一个步骤" in w for w in result.warnings)
    assert any("消息流 2 个" in w for w in result.warnings)


@needs_reference
def test_known_posts_link_lanes():
    result = import_bpmn(read("A.4.1.bpmn"), "A.4.1.bpmn", known_posts={"Lane 2"})
    pool2 = result.flowcharts[1]
    linked = {s["name"]: (s["post"], s["post_linked"]) for s in pool2["steps"]}
    assert linked["Task 3"] == ("Lane 2", True)
    assert linked["Expanded Sub-Process 2"] == ("Lane 3", False)
    assert any("泳道「Lane 3」在本单位岗位中不存在" in w for w in result.warnings)
    by_callable = import_bpmn(read("A.4.1.bpmn"), "A.4.1.bpmn", known_posts=lambda p: p.startswith("Lane"))
    assert all(s["post_linked"] for fc in by_callable.flowcharts for s in fc["steps"])
    assert "post_linked" not in import_bpmn(read("A.4.1.bpmn"), "x").flowcharts[0]["steps"][0]


@needs_reference
@pytest.mark.parametrize("name", [p.name for p in reference_files() if not p.name.startswith("A.")])
def test_b_and_c_series_import_with_warnings(name):
    result = import_bpmn(read(name), name)
    assert result.flowcharts
    assert result.warnings
    for fc in result.flowcharts:
        assert fc["steps"] and fc["start"] and fc["end"]
        codes = {s["code"] for s in fc["steps"]}
        assert len(codes) == len(fc["steps"])
        assert all(a in codes and b in codes for a, b in fc["transitions"])
        assert not any("导入后校验未通过" in w for w in result.warnings)


@needs_reference
def test_link_events_are_followed_and_not_steps():
    result = import_bpmn(read("B.2.0.bpmn"), "B.2.0.bpmn")
    names = [s["name"] for fc in result.flowcharts for s in fc["steps"]]
    assert "Intermediate Event Link" not in names
    pool = next(fc for fc in result.flowcharts if fc["name"] == "Pool")
    by_code = {s["code"]: s["name"] for s in pool["steps"]}
    assert "Task 26" in {by_code[b] for _, b in pool["transitions"]}


@needs_reference
def test_iso_8859_1_and_prefixes():
    data = read("A.1.0.bpmn")
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"')
    plain = data.replace(b"semantic:", b"").replace(b"xmlns:semantic=", b"xmlns=")
    assert summary(import_bpmn(plain, "A.1.0.bpmn").flowcharts[0]) == EXPECTED["A.1.0.bpmn"][0]


MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def bpmn(body: str, prefix: str = "bpmn2") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{prefix}:definitions xmlns:{prefix}="{MODEL}" id="D1" '
        f'targetNamespace="urn:x">{body}</{prefix}:definitions>'
    ).encode()


def test_unnamed_elements_get_chinese_names_and_white_space_is_folded():
    data = bpmn(
        '<bpmn2:process id="P1">'
        '<bpmn2:startEvent id="s"/>'
        '<bpmn2:userTask id="t1" name="  受理\n申请 "/>'
        '<bpmn2:intermediateCatchEvent id="w"><bpmn2:timerEventDefinition/></bpmn2:intermediateCatchEvent>'
        '<bpmn2:task id="t2"/>'
        '<bpmn2:exclusiveGateway id="g"/>'
        '<bpmn2:endEvent id="e"/>'
        '<bpmn2:sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>'
        '<bpmn2:sequenceFlow id="f2" sourceRef="t1" targetRef="g"/>'
        '<bpmn2:sequenceFlow id="f3" sourceRef="g" targetRef="w" name="不\n通过"/>'
        '<bpmn2:sequenceFlow id="f4" sourceRef="g" targetRef="t2">'
        "<bpmn2:conditionExpression>${ok}</bpmn2:conditionExpression></bpmn2:sequenceFlow>"
        '<bpmn2:sequenceFlow id="f5" sourceRef="w" targetRef="t1"/>'
        '<bpmn2:sequenceFlow id="f6" sourceRef="t2" targetRef="e"/>'
        "</bpmn2:process>"
    )
    fc = import_bpmn(data, "审批.bpmn").flowcharts[0]
    assert fc["name"] == "审批" and fc["flowchart_code"] == "P1"
    assert [(s["code"], s["name"], s["kind"]) for s in fc["steps"]] == [
        ("t1", "受理 申请", "user_task"),
        ("w", "定时事件", "catch_event"),
        ("t2", "任务", "task"),
    ]
    assert fc["steps"][1]["event_trigger"] == "timer"
    assert fc["transitions"] == [["t1", "w"], ["t1", "t2"], ["w", "t1"]]
    assert fc["transition_labels"] == [
        {"from": "t1", "to": "w", "label": "不 通过"},
        {"from": "t1", "to": "t2", "label": "${ok}"},
    ]
    assert fc["start"] == ["t1"] and fc["end"] == ["t2"]


def test_nested_lanes_innermost_named_wins():
    data = bpmn(
        '<bpmn:process id="P"><bpmn:laneSet id="ls"><bpmn:lane id="L0" name="行政审批科">'
        "<bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>b</bpmn:flowNodeRef>"
        '<bpmn:childLaneSet id="cls"><bpmn:lane id="L1" name="科长"><bpmn:flowNodeRef>b</bpmn:flowNodeRef></bpmn:lane>'
        '<bpmn:lane id="L2"><bpmn:flowNodeRef>a</bpmn:flowNodeRef></bpmn:lane></bpmn:childLaneSet>'
        "</bpmn:lane></bpmn:laneSet>"
        '<bpmn:task id="a" name="A"/><bpmn:task id="b" name="B"/>'
        '<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"/></bpmn:process>',
        prefix="bpmn",
    )
    fc = import_bpmn(data, "x.bpmn").flowcharts[0]
    assert [s["post"] for s in fc["steps"]] == ["行政审批科", "科长"]
    assert fc["start"] == ["a"]  # no start event: steps without incoming flow start the process


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"this is not xml", "不是有效的 XML"),
        (b"", "不是有效的 XML"),
        (
            b"<!DOCTYPE html><html><head><title>x</title></head><body><p>hello<br></body></html>",
            "不是有效的 XML",
        ),
        (b"<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "根元素是 <html>"),
        (
            b"<?xml version='1.0'?><definitions xmlns='https://www.omg.org/spec/DMN/20191111/MODEL/'/>",
            "不是 BPMN 2.0 文件",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<lolz>&lol2;</lolz>",
            "出于安全原因拒绝导入",
        ),
    ],
)
def test_refused_files(data, expected):
    with pytest.raises(BpmnError) as info:
        import_bpmn(data, "upload.bpmn")
    assert expected in str(info.value)


def test_dangling_sequence_flow_names_the_flow():
    data = bpmn(
        '<bpmn2:process id="P1"><bpmn2:task id="t1" name="受理"/>'
        '<bpmn2:sequenceFlow id="Flow_9" name="提交" sourceRef="t1" targetRef="ghost"/></bpmn2:process>'
    )
    with pytest.raises(BpmnError) as info:
        import_bpmn(data, "x.bpmn")
    assert "Flow_9" in str(info.value) and "ghost" in str(info.value) and "targetRef" in str(info.value)


def test_process_with_only_events_is_refused():
    data = bpmn(
        '<bpmn2:process id="OnlyEvents"><bpmn2:startEvent id="s"/><bpmn2:endEvent id="e"/>'
        '<bpmn2:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn2:process>'
    )
    with pytest.raises(BpmnError) as info:
        import_bpmn(data, "empty.bpmn")
    assert "OnlyEvents" in str(info.value) and "没有任何活动" in str(info.value)
