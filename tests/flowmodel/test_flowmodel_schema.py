import copy
import json

import pytest
from flowmodel_samples import SAMPLES, sample

from lianfang.flowmodel import FlowModelError, load_json, to_json, validate_flowchart, validate_flowcharts


def problems_of(data) -> list[str]:
    with pytest.raises(FlowModelError) as info:
        validate_flowcharts(data)
    assert info.value.problems
    return info.value.problems


def test_samples_are_valid_and_normalised_copies():
    data = [sample(n) for n in SAMPLES]
    data[0]["steps"][0]["name"] = "  受\n理 "
    out = validate_flowcharts(data)
    assert out[0]["steps"][0]["name"] == "受 理"
    assert data[0]["steps"][0]["name"] == "  受\n理 "  # input untouched
    assert out[0]["steps"][4]["custom_tag"] == {"any": ["value", 1]}  # unknown keys preserved


def test_json_round_trip_keeps_chinese_readable():
    text = to_json([sample("mine_licence")])
    assert "煤矿安全生产许可证核发" in text
    assert load_json(text) == validate_flowcharts([sample("mine_licence")])
    assert load_json(text.encode("utf-8"))[0]["flowchart_code"] == "XK-MK-001"


def test_not_a_list_and_not_objects():
    assert "列表" in problems_of({"flowchart_code": "x"})[0]
    assert "不是对象" in problems_of([1])[0]
    with pytest.raises(FlowModelError) as info:
        load_json("{not json")
    assert "不是有效的 JSON" in str(info.value)


def test_missing_required_keys_are_named():
    fc = sample("mine_licence")
    del fc["case_limit_hours"], fc["discretion"]
    del fc["steps"][1]["post"]
    found = "\n".join(problems_of([fc]))
    assert "case_limit_hours" in found and "discretion" in found
    assert "「审查」（S2）缺少必填项：post" in found


def test_duplicate_codes():
    a, b = sample("mine_licence"), sample("mine_licence")
    b["steps"][1]["code"] = "S1"
    found = "\n".join(problems_of([a, b]))
    assert "流程图编码 XK-MK-001 重复" in found
    assert "步骤编码 S1 重复" in found


def test_references_to_unknown_steps():
    fc = sample("admin_penalty")
    fc["transitions"].append(["JA", "NOPE"])
    fc["start"].append("GHOST")
    fc["incompatible_steps"].append(["LA", "X1"])
    fc["discretion"].append({"step": "X2", "attribute": "罚款", "min": 1, "max": 2})
    fc["transition_labels"].append({"from": "LA", "to": "JA", "label": "直接结案"})
    found = "\n".join(problems_of([fc]))
    for text in ("NOPE", "开始步骤 GHOST", "X1", "不存在的步骤 X2", "直接结案"):
        assert text in found


def test_no_start_no_end():
    fc = sample("mine_licence")
    fc["start"], fc["end"] = [], []
    found = "\n".join(problems_of([fc]))
    assert "没有开始步骤" in found and "没有结束步骤" in found


def test_cycle_with_no_end_and_dead_end():
    fc = sample("mine_licence")
    fc["steps"].append({"code": "L1", "name": "循环甲", "post": None, "limit_hours": None})
    fc["steps"].append({"code": "L2", "name": "循环乙", "post": None, "limit_hours": None})
    fc["steps"].append({"code": "D1", "name": "死胡同", "post": None, "limit_hours": None})
    fc["transitions"] += [["S3", "L1"], ["L1", "L2"], ["L2", "L1"], ["S4", "D1"]]
    found = problems_of([fc])
    assert any("「循环甲」（L1）、「循环乙」（L2） 构成的循环无法到达任何结束步骤" in p for p in found)
    assert any("「死胡同」（D1）无法到达任何结束步骤" in p for p in found)


def test_unreachable_steps_are_warnings_not_problems():
    fc = sample("mine_licence")
    fc["steps"].append({"code": "U1", "name": "孤立步骤", "post": None, "limit_hours": None})
    fc["end"].append("U1")
    warnings: list[str] = []
    validate_flowchart(fc, warnings)
    assert warnings == [
        "流程图「煤矿安全生产许可证核发」（XK-MK-001）：步骤「孤立步骤」（U1）从开始步骤无法到达"
    ]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("steps", 0, "limit_hours"), -1, "不能为负数"),
        (("steps", 0, "limit_hours"), "24", "应为数字"),
        (("steps", 0, "limit_workdays"), True, "应为数字"),
        (("case_limit_hours",), -0.5, "不能为负数"),
        (("steps", 2, "min_hours"), 500, "大于时限"),
        (("steps", 0, "supervision_point"), "是", "true 或 false"),
        (("steps", 0, "risk_points"), [{"title": "x", "level": "极高"}], "高、中 或 低"),
        (("power_code",), 12, "power_code"),
    ],
)
def test_bad_values(path, value, expected):
    fc = sample("mine_licence")
    target = fc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert any(expected in p for p in problems_of([fc]))


def test_discretion_min_greater_than_max():
    fc = sample("admin_penalty")
    fc["discretion"][0]["min"] = 300000
    assert any("下限 min（300000）大于上限 max（200000）" in p for p in problems_of([fc]))


def test_incompatible_pair_with_itself():
    fc = sample("admin_penalty")
    fc["incompatible_steps"].append(["JD", "JD"])
    assert any("同一步骤" in p for p in problems_of([fc]))


def test_problems_are_all_reported_at_once():
    fc = sample("mine_licence")
    fc["steps"][0]["limit_hours"] = -1
    fc["transitions"].append(["S1", "Z"])
    assert len(problems_of([copy.deepcopy(fc)])) >= 2
    assert json.dumps(problems_of([fc]), ensure_ascii=False).count("XK-MK-001") >= 2
