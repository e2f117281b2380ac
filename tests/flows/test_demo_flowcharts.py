"""Every demo flowchart survives `lianfang flows export` → `flows import` into an
empty unit, and BPMN export → schema validation → import; `lianfang powers
check` finds nothing false on the demo."""

import json

import pytest
from django.core.management import call_command

from lianfang.flowmodel import export_bpmn
from lianfang.flows.models import Flowchart
from lianfang.flows.serialize import export_unit, import_file
from lianfang.orgs.models import Unit
from lianfang.powers.checks import check_unit
from tests.flowmodel.conftest import bpmn_schema  # noqa: F401  (the fixture)

from .test_serialize import skeleton

BUREAUS = ["JZ-QS-MAJ", "JZ-QS-SJJ"]


@pytest.fixture
def demo(db):
    from lianfang.demo import orgs, powers

    orgs.load()
    powers.load()


def full(fc: dict) -> dict:
    """The whole flow model, less what legitimately differs between two units
    (the posts are linked in one and kept as labels in the other)."""
    out = json.loads(json.dumps(fc))
    for step in out["steps"]:
        step.pop("post_linked", None)
    return out


@pytest.mark.slow
def test_demo_flowcharts_round_trip_through_json_and_bpmn(demo, tmp_path, bpmn_schema):  # noqa: F811
    from lxml import etree

    empty_json = Unit.objects.create(code="EMPTY-J", name="空单位甲")
    empty_bpmn = Unit.objects.create(code="EMPTY-B", name="空单位乙")
    total = 0
    for code in BUREAUS:
        unit = Unit.objects.get(code=code)
        path = tmp_path / f"{code}.json"
        call_command("flows", "export", "--unit", code, "--out", str(path))
        original = {fc["flowchart_code"]: fc for fc in json.loads(path.read_text(encoding="utf-8"))}
        assert len(original) >= 10
        total += len(original)
        call_command("flows", "import", str(path), "--unit", "EMPTY-J")
        for fc in original.values():
            xml = export_bpmn(fc)
            bpmn_schema.assertValid(etree.fromstring(xml))
            import_file(empty_bpmn, xml, f"{fc['flowchart_code']}.bpmn")
        assert unit.flowcharts.count() == len(original)
    again = {fc["flowchart_code"]: fc for fc in export_unit(empty_json)}
    via_bpmn = {fc["flowchart_code"]: fc for fc in export_unit(empty_bpmn)}
    assert len(again) == len(via_bpmn) == total
    for code in BUREAUS:
        for fc in export_unit(Unit.objects.get(code=code)):
            assert full(again[fc["flowchart_code"]]) == full(fc)
            assert skeleton(via_bpmn[fc["flowchart_code"]]) == skeleton(fc)
            assert full(via_bpmn[fc["flowchart_code"]]) == full(fc)
    assert Flowchart.objects.filter(unit=empty_json).count() == total


@pytest.mark.slow
def test_the_demo_catalogues_pass_their_own_inspection(demo):
    for code in BUREAUS:
        findings = check_unit(Unit.objects.get(code=code))
        assert findings == [], [f.message for f in findings]
