import xml.etree.ElementTree as ET

import pytest
from flowmodel_samples import SAMPLES, sample

from lianfang.flowmodel import layout, render_svg, validate_flowchart

SVG = "{http://www.w3.org/2000/svg}"


def overlaps(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_layout_is_deterministic_and_nodes_do_not_overlap(name, direction):
    fc = validate_flowchart(sample(name))
    first = layout(fc, direction=direction, gateways=True)
    assert first == layout(fc, direction=direction, gateways=True)
    nodes = list(first.nodes.values())
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not overlaps(a, b), (a.id, b.id)
        assert 0 <= a.x and a.x + a.w <= first.width and 0 <= a.y and a.y + a.h <= first.height
    for edge in first.edges:
        assert len(edge.points) >= 2


def test_lanes_hold_their_steps_and_back_edges_are_marked():
    fc = validate_flowchart(sample("mine_licence"))
    lay = layout(fc)
    lanes = {lane.post: lane for lane in lay.lanes}
    assert list(lanes) == ["窗口受理员", "审查科员", "分管领导", "局长"]
    for step in fc["steps"]:
        node, lane = lay.step_node(step["code"]), lanes[step["post"]]
        assert lane.x <= node.x and node.x + node.w <= lane.x + lane.w
    back = [e.transition for e in lay.edges if e.back]
    assert back == [("S7", "S1")]
    # layers follow the flow: 受理 above 审查 above 现场核查 above 决定
    ys = [lay.step_node(c).y for c in ("S1", "S2", "S3", "S5")]
    assert ys == sorted(ys)


def test_lr_layout_without_lanes():
    fc = validate_flowchart(sample("mine_licence"))
    lay = layout(fc, direction="LR", lanes=False)
    assert lay.lanes == []
    assert lay.step_node("S1").x < lay.step_node("S2").x < lay.step_node("S6").x


def test_svg_is_well_formed_with_hooks_and_markers():
    fc = validate_flowchart(sample("mine_licence"))
    text = render_svg(fc, markers={"S5": [{"level": "高", "title": "滥用裁量权"}], "S1": []})
    root = ET.fromstring(text)
    steps = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lf-step"]
    assert [g.get("data-step") for g in steps] == [s["code"] for s in fc["steps"]]
    assert len({g.get("id") for g in steps}) == len(steps)
    assert 'font-family="&quot;Noto Sans CJK SC&quot;' in text
    assert "#dc2626" in text and "高风险" in text and "中风险" not in text
    assert "监督点" in text and "自由裁量点" in text
    assert "岗位：窗口受理员" in text and "时限：1 个工作日" in text
    assert "材料不全" in text and "lf-back" in text


def test_svg_uses_steps_risk_points_by_default():
    text = render_svg(validate_flowchart(sample("mine_licence")))
    assert "高风险" in text and "中风险" in text and "低风险" in text


def test_svg_escapes_all_text():
    fc = sample("procurement")
    fc["name"] = '<script>alert("x")</script>'
    fc["steps"][0]["name"] = "审查 & <b>决定</b>"
    fc["steps"][0]["code"] = 'x" onclick="evil()'
    fc["start"] = ['x" onclick="evil()', "auto-start"]
    fc["transitions"][0][0] = 'x" onclick="evil()'
    text = render_svg(
        validate_flowchart(fc), markers={'x" onclick="evil()': [{"level": "低", "title": "<i>"}]}
    )
    assert "<script>" not in text and "<b>" not in text and "<i>" not in text
    assert 'onclick="evil()"' not in text
    root = ET.fromstring(text)
    assert any(g.get("data-step") == 'x" onclick="evil()' for g in root.iter(f"{SVG}g"))


def test_long_names_wrap():
    fc = validate_flowchart(sample("procurement"))
    root = ET.fromstring(render_svg(fc, title="验收"))
    step = next(g for g in root.iter(f"{SVG}g") if g.get("data-step") == "ys.1")
    lines = [t.text for t in step.iter(f"{SVG}text")]
    assert lines[:2] == ["组织验收小组现场验收并", "出具验收报告"]
