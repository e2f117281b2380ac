"""BPMN 2.0 export: schema-valid, drawn (BPMNDI), and lossless on re-import."""

import pytest
from conftest import reference_files
from flowmodel_samples import SAMPLES, sample

from lianfang.flowmodel import export_bpmn, import_bpmn, validate_flowchart

etree = pytest.importorskip("lxml.etree")
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "lf": "https://lianfang.org/schema/bpmn/1.0",
}


def parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def assert_valid(schema, data: bytes) -> None:
    doc = parse(data)
    assert schema.validate(doc), schema.error_log


def core(fc: dict) -> dict:
    return {
        "steps": [(s["code"], s["name"], s["post"]) for s in fc["steps"]],
        "transitions": fc["transitions"],
        "start": fc["start"],
        "end": fc["end"],
    }


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_round_trip_is_lossless(name, bpmn_schema):
    fc = validate_flowchart(sample(name))
    data = export_bpmn(fc)
    assert_valid(bpmn_schema, data)
    result = import_bpmn(data, f"{name}.bpmn")
    assert result.flowcharts == [fc]
    assert not result.warnings


def test_export_structure(bpmn_schema):
    fc = validate_flowchart(sample("mine_licence"))
    doc = parse(export_bpmn(fc))
    participant = doc.find("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("name") == "煤矿安全生产许可证核发"
    process = doc.find("bpmn:process", NS)
    assert [lane.get("name") for lane in process.findall("bpmn:laneSet/bpmn:lane", NS)] == [
        "窗口受理员",
        "审查科员",
        "分管领导",
        "局长",
    ]
    assert len(process.findall("bpmn:startEvent", NS)) == 1
    assert len(process.findall("bpmn:endEvent", NS)) == 1
    # 审查 (two ways on) and 决定 (送达, or the end) get an exclusive gateway
    assert len(process.findall("bpmn:exclusiveGateway", NS)) == 2
    names = {f.get("name") for f in process.findall("bpmn:sequenceFlow", NS)}
    assert {"材料不全", "材料齐全", "准予许可"} <= names
    decide = process.find("bpmn:userTask[@name='决定']", NS)
    fields = {f.get("name"): f.text for f in decide.findall("bpmn:extensionElements/lf:step/lf:field", NS)}
    assert fields["limit_hours"] == "24" and fields["discretion_point"] == "true"
    flowchart = process.find("bpmn:extensionElements/lf:flowchart", NS)
    assert flowchart.get("code") == "XK-MK-001"
    # every flow node and flow is drawn
    drawn = {s.get("bpmnElement") for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    drawn |= {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    for el in process:
        if el.get("id") and etree.QName(el).localname != "laneSet":
            assert el.get("id") in drawn
    for edge in doc.iterfind(".//bpmndi:BPMNEdge", NS):
        assert len(edge.findall("di:waypoint", NS)) >= 2
    lanes = [s for s in doc.iterfind(".//bpmndi:BPMNShape", NS) if s.get("bpmnElement").startswith("Lane_")]
    assert all(s.get("isHorizontal") == "true" for s in lanes)
    ys = sorted(float(s.find("dc:Bounds", NS).get("y")) for s in lanes)
    assert ys == sorted(set(ys))  # horizontal bands, one below the other


def test_steps_without_post_go_to_unassigned_lane():
    fc = sample("admin_penalty")
    doc = parse(export_bpmn(fc))
    assert doc.find(".//bpmn:lane[@name='未指定岗位']", NS) is not None
    back = import_bpmn(export_bpmn(fc), "x").flowcharts[0]
    assert next(s for s in back["steps"] if s["code"] == "JA")["post"] is None


def test_import_prefers_the_edited_model_over_stale_extension_data():
    fc = validate_flowchart(sample("mine_licence"))
    data = export_bpmn(fc).decode("utf-8").replace('name="现场核查"', 'name="现场检查"')
    back = import_bpmn(data.encode("utf-8"), "x").flowcharts[0]
    assert back["steps"][2]["name"] == "现场检查" and back["steps"][2]["code"] == "S3"


def test_export_refuses_invalid_flowcharts():
    from lianfang.flowmodel import FlowModelError

    fc = sample("mine_licence")
    fc["transitions"].append(["S1", "NOPE"])
    with pytest.raises(FlowModelError):
        export_bpmn(fc)


@pytest.mark.skipif(not reference_files(), reason="MIWG reference models not found")
@pytest.mark.parametrize("path", reference_files(), ids=lambda p: p.name)
def test_reference_models_survive_export_and_reimport(path, bpmn_schema):
    first = import_bpmn(path.read_bytes(), path.name)
    for fc in first.flowcharts:
        data = export_bpmn(fc)
        assert_valid(bpmn_schema, data)
        again = import_bpmn(data, path.name)
        assert len(again.flowcharts) == 1
        assert core(again.flowcharts[0]) == core(fc)
        assert again.flowcharts[0] == fc
