"""Flowcharts in the database ⇄ the flow-model format ⇄ BPMN 2.0, over every
OMG MIWG reference model."""

import json
from pathlib import Path

import pytest

from lianfang.audit.models import AuditEntry
from lianfang.flowmodel import export_bpmn, import_bpmn
from lianfang.flows.models import Flowchart, Step, Transition
from lianfang.flows.serialize import FlowImportError, export_unit, import_file, import_flowcharts
from lianfang.orgs.models import Post, Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "bpmn-miwg" / "reference"
MODELS = sorted(REFERENCE.glob("*.bpmn")) if REFERENCE.is_dir() else []


def skeleton(fc: dict) -> dict:
    """What must survive every trip: steps, posts, transitions, start and end."""
    return {
        "code": fc["flowchart_code"],
        "name": fc["name"],
        "steps": sorted((s["code"], s["name"], s.get("post")) for s in fc["steps"]),
        "transitions": sorted(map(tuple, fc["transitions"])),
        "start": sorted(fc["start"]),
        "end": sorted(fc["end"]),
    }


@pytest.fixture
def units(db):
    return Unit.objects.create(code="A", name="甲局"), Unit.objects.create(code="B", name="乙局")


LICENCE = {
    "flowchart_code": "XK-001",
    "power_code": "QL-001",
    "name": "许可核发",
    "steps": [
        {"code": "S1", "name": "受理", "post": "受理岗", "limit_hours": 24, "supervision_point": True},
        {"code": "S2", "name": "审查", "post": "审查岗", "limit_hours": 120, "limit_workdays": 5, "min_hours": 2},
        {"code": "S3", "name": "补正", "post": "受理岗", "limit_hours": None, "clock_stop": True},
        {"code": "S4", "name": "决定", "post": "局长", "limit_hours": 48, "decision": True, "discretion_point": True,
         "custom": {"kept": True}},
    ],
    "start": ["S1"],
    "end": ["S4"],
    "transitions": [["S1", "S2"], ["S2", "S3"], ["S3", "S2"], ["S2", "S4"]],
    "transition_labels": [{"from": "S2", "to": "S3", "label": "退回补正"}],
    "case_limit_hours": None,
    "case_limit_workdays": 20,
    "incompatible_steps": [["S2", "S4"]],
    "discretion": [{"step": "S4", "attribute": "amount", "min": 0, "max": 30000, "unit": "元"}],
    "params": {"off_hours": {"night_start": 22}},
    "source": "hand-made",
}


def test_a_flowchart_round_trips_through_the_database(units):
    a, b = units
    Post.objects.create(unit=a, code="P1", name="受理岗")
    Post.objects.create(unit=a, code="P2", name="审查岗")
    cat = Catalogue.objects.create(unit=a, year=2026)
    power = Power.objects.create(catalogue=cat, code="QL-001", name="许可", category=PowerCategory.objects.first())
    outcome = import_flowcharts(a, [LICENCE])
    fc = outcome.flowcharts[0]
    assert list(fc.powers.all()) == [power]
    assert Step.objects.get(flowchart=fc, code="S1").post.code == "P1"
    assert Step.objects.get(flowchart=fc, code="S4").post is None  # no post named 局长 in unit A
    assert any("局长" in w for w in outcome.warnings)
    exported = export_unit(a)[0]
    for key in ("case_limit_workdays", "incompatible_steps", "transition_labels", "params", "source"):
        assert exported[key] == LICENCE[key]
    assert exported["discretion"] == LICENCE["discretion"]
    assert exported["steps"][3]["custom"] == {"kept": True}
    assert exported["steps"][2]["clock_stop"] is True and exported["steps"][1]["min_hours"] == 2
    # Into an empty unit: same flowchart; the power code is kept though unit B has no such power.
    outcome_b = import_flowcharts(b, json.loads(json.dumps(export_unit(a))))
    again = export_unit(b)[0]
    assert skeleton(again) == skeleton(exported)
    assert again["power_code"] == "QL-001" and outcome_b.flowcharts[0].unlinked_power_codes == ["QL-001"]


def test_reimport_replaces_instead_of_duplicating(units):
    a, _ = units
    import_flowcharts(a, [LICENCE])
    changed = json.loads(json.dumps(LICENCE))
    changed["steps"][0]["name"] = "窗口受理"
    import_flowcharts(a, [changed])
    assert Flowchart.objects.filter(unit=a).count() == 1
    assert Step.objects.get(flowchart__unit=a, code="S1").name == "窗口受理"
    assert Step.objects.filter(flowchart__unit=a).count() == 4


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda fc: fc["transitions"].append(["S4", "S9"]), "S9"),
        (lambda fc: fc["steps"].append(dict(fc["steps"][0])), "S1"),
        (lambda fc: fc.update(end=[]), "end"),
        (lambda fc: fc["transitions"].remove(["S2", "S4"]), "循环"),
    ],
    ids=["unknown-step", "duplicate-code", "no-end", "cycle-without-end"],
)
def test_bad_flowcharts_are_refused_whole(units, mutate, fragment):
    a, _ = units
    good = json.loads(json.dumps(LICENCE))
    good["flowchart_code"] = "OK-1"
    bad = json.loads(json.dumps(LICENCE))
    mutate(bad)
    before = AuditEntry.objects.count()
    with pytest.raises(FlowImportError) as err:
        import_flowcharts(a, [good, bad])
    assert fragment in " ".join(err.value.problems)
    assert not Flowchart.objects.filter(unit=a).exists()  # not even the good one
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    "payload, fragment",
    [
        (b"hello", "无法识别"),
        (b"[{]", "JSON"),
        (b"<html><body>x</body></html>", "BPMN"),
        (b'<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
         b'<process id="p"><task id="t" name="A"/><sequenceFlow id="f" sourceRef="t" targetRef="nowhere"/>'
         b"</process></definitions>", "nowhere"),
    ],
)
def test_bad_files_are_refused_with_a_chinese_reason(units, payload, fragment):
    a, _ = units
    with pytest.raises(FlowImportError) as err:
        import_file(a, payload, "x")
    assert fragment in str(err.value)
    assert not Flowchart.objects.exists()


@pytest.mark.skipif(not MODELS, reason="reference models not found")
@pytest.mark.parametrize("path", MODELS, ids=[p.name for p in MODELS])
def test_reference_model_round_trips_through_database_and_bpmn(units, path):
    a, b = units
    imported = import_file(a, path.read_bytes(), path.name)
    assert imported.flowcharts
    first = {fc["flowchart_code"]: fc for fc in export_unit(a)}
    # Through BPMN: export each flowchart, import the file into unit B.
    for code, fc in first.items():
        import_file(b, export_bpmn(fc), f"{code}.bpmn")
    second = {fc["flowchart_code"]: fc for fc in export_unit(b)}
    assert {c: skeleton(f) for c, f in second.items()} == {c: skeleton(f) for c, f in first.items()}
    assert Transition.objects.filter(flowchart__unit=b).count() == Transition.objects.filter(flowchart__unit=a).count()


def test_bpmn_lane_matching_a_post_links_the_step(units):
    a, _ = units
    Post.objects.create(unit=a, code="AP", name="Approver")
    outcome = import_file(a, (REFERENCE / "C.1.0.bpmn").read_bytes(), "C.1.0.bpmn")
    step = Step.objects.get(flowchart__in=outcome.flowcharts, code="approveInvoice")
    assert step.post.code == "AP" and step.post_label == ""
    assert not any("Approver" in w for w in outcome.warnings)
    assert any("Accountant" in w for w in outcome.warnings)
    assert import_bpmn((REFERENCE / "C.1.0.bpmn").read_bytes()).flowcharts
