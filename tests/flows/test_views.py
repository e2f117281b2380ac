"""The flowchart screens over HTTP: list, page, editor with live preview, upload
with dry-run preview, downloads, the book PDF, and who may do what."""

import json
from pathlib import Path

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from lianfang.audit.models import AuditEntry
from lianfang.flowmodel import import_bpmn
from lianfang.flows import editing
from lianfang.flows.models import Flowchart, Step
from lianfang.flows.serialize import export_unit, import_flowcharts, to_flowmodel
from lianfang.orgs.models import Post, Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory

C10 = Path(__file__).resolve().parents[3] / "shared" / "bpmn-miwg" / "reference" / "C.1.0.bpmn"

pytestmark = pytest.mark.django_db


def editor_data(*, steps, transitions=(), pairs=(), discretion=(), code="XK-101", name="煤矿安全生产许可证核发",
                powers=(), unit=None, flowchart=None, case_limit="", case_unit="workdays"):
    """POST data of the editor form. Steps: (code, name, post, limit, unit, flags)."""
    data = {
        "code": code, "name": name, "note": "", "case_limit": case_limit, "case_limit_unit": case_unit,
        "case_limit_orig": "", "extra": "", "powers": list(powers),
        "steps-TOTAL_FORMS": len(steps), "steps-INITIAL_FORMS": 0,
        "transitions-TOTAL_FORMS": len(transitions), "transitions-INITIAL_FORMS": 0,
        "pairs-TOTAL_FORMS": len(pairs), "pairs-INITIAL_FORMS": 0,
        "discretion-TOTAL_FORMS": len(discretion), "discretion-INITIAL_FORMS": 0,
    }
    if unit is not None:
        data["unit"] = unit.pk
    if flowchart is not None:
        data["flowchart"] = flowchart.pk
    for i, (step_code, step_name, post, limit, limit_unit, flags) in enumerate(steps):
        data.update({f"steps-{i}-code": step_code, f"steps-{i}-name": step_name, f"steps-{i}-post": post,
                     f"steps-{i}-limit": limit, f"steps-{i}-limit_unit": limit_unit, f"steps-{i}-decides": "",
                     f"steps-{i}-ORDER": i + 1, f"steps-{i}-limit_orig": "", f"steps-{i}-extra": ""})
        for flag in flags:
            data[f"steps-{i}-{flag}"] = "on"
    for i, (source, target, label) in enumerate(transitions):
        data.update({f"transitions-{i}-source": source, f"transitions-{i}-target": target,
                     f"transitions-{i}-label": label})
    for i, (first, second) in enumerate(pairs):
        data.update({f"pairs-{i}-first": first, f"pairs-{i}-second": second})
    for i, (step, attribute, low, high) in enumerate(discretion):
        data.update({f"discretion-{i}-step": step, f"discretion-{i}-attribute": attribute,
                     f"discretion-{i}-minimum": low, f"discretion-{i}-maximum": high, f"discretion-{i}-note": "",
                     f"discretion-{i}-extra": ""})
    return data


@pytest.fixture
def maj(demo_org):
    return Unit.objects.get(code="JZ-QS-MAJ")


@pytest.fixture
def power(maj):
    category = PowerCategory.objects.filter(name="行政许可").first() or PowerCategory.objects.create(
        code="XK-T", name="行政许可")
    catalogue = Catalogue.objects.create(unit=maj, year=2025)
    return Power.objects.create(
        catalogue=catalogue, code="QL-XK-0012", name="煤矿安全生产许可证核发", category=category,
        conditions="具备安全生产条件，依法取得采矿许可证", statutory_limit_days=45, promised_limit_days=20,
        supervision_channels="监督电话：0000-1234567", department=maj.departments.get(code="SPK"),
    )


def three_steps(maj):
    accept = Post.objects.get(unit=maj, code="SPK-SL")
    review = Post.objects.get(unit=maj, code="SPK-SC")
    return [
        ("S1", "受理", f"p:{accept.pk}", "1", "workdays", ["is_start", "supervision_point"]),
        ("S2", "审查", f"p:{review.pk}", "10", "workdays", ["discretion_point"]),
        ("S3", "决定", "", "48", "hours", ["decision", "is_end"]),
    ]


@pytest.fixture
def licence(maj, power):
    """A flowchart of JZ-QS-MAJ, written as an import would."""
    model = {
        "flowchart_code": "XK-001", "power_code": "QL-XK-0012", "name": "许可核发",
        "steps": [
            {"code": "S1", "name": "受理", "post": "许可受理岗", "limit_hours": 24, "supervision_point": True},
            {"code": "S2", "name": "审查", "post": "许可审查岗", "limit_hours": 120, "limit_workdays": 5,
             "min_hours": 2, "description": "材料审查", "kind": "user_task"},
            {"code": "S3", "name": "补正", "post": "外部专家", "post_linked": False, "limit_hours": None,
             "clock_stop": True},
            {"code": "S4", "name": "决定", "post": "局长", "limit_hours": 48, "decision": True,
             "discretion_point": True, "custom": {"kept": True}},
        ],
        "start": ["S1"], "end": ["S4"],
        "transitions": [["S1", "S2"], ["S2", "S3"], ["S3", "S2"], ["S2", "S4"]],
        "transition_labels": [{"from": "S2", "to": "S3", "label": "退回补正"}],
        "case_limit_hours": None, "case_limit_workdays": 20, "incompatible_steps": [["S2", "S4"]],
        "discretion": [{"step": "S4", "attribute": "amount", "min": 0, "max": 30000, "unit": "元"}],
        "params": {"off_hours": {"night_start": 22}},
    }
    return import_flowcharts(maj, [model]).flowcharts[0]


def test_build_a_flowchart_from_scratch_see_it_listed_and_drawn(client_for, maj, power):
    client = client_for("lianban")
    page = client.get(reverse("flows:create") + f"?unit={maj.pk}")
    assert page.status_code == 200
    assert "lf-preview" in page.content.decode() and "添加环节" in page.content.decode()
    data = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "S3", "通过")],
                       pairs=[("S1", "S3")], discretion=[("S2", "amount", "0", "5000")],
                       powers=["QL-XK-0012"], unit=maj, case_limit="20")
    response = client.post(reverse("flows:create") + f"?unit={maj.pk}", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    flowchart = Flowchart.objects.get(unit=maj, code="XK-101")
    assert response["Location"] == reverse("flows:detail", args=[flowchart.pk])
    assert list(flowchart.powers.values_list("code", flat=True)) == ["QL-XK-0012"]
    assert flowchart.case_limit_workdays == 20 and flowchart.case_limit_hours is None
    s1, s2, s3 = flowchart.steps.all()
    assert s1.post.code == "SPK-SL" and s1.is_start and s1.supervision_point and s1.limit_workdays == 1
    assert s3.post is None and s3.limit_hours == 48 and s3.is_end and s3.decision
    assert flowchart.transitions.get(source=s2).label == "通过"
    assert s2.discretion_ranges.get().maximum == 5000
    assert AuditEntry.objects.filter(action="import", object_type="flows.flowchart").exists()

    listing = client.get(reverse("flows:index")).content.decode()
    assert "煤矿安全生产许可证核发" in listing and "XK-101" in listing
    detail = client.get(reverse("flows:detail", args=[flowchart.pk])).content.decode()
    assert "<svg" in detail
    for code in ("S1", "S2", "S3"):
        assert f'data-step="{code}"' in detail
    assert "内部流程图" in detail and "外部流程图" in detail
    # the applicant's view comes from the linked power
    assert "具备安全生产条件" in detail and "法定时限：45 个工作日" in detail and "监督电话" in detail


def test_live_preview_draws_or_lists_the_problems(client_for, maj):
    client = client_for("lianban")
    good = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "S3", "")], unit=maj)
    html = client.post(reverse("flows:preview"), good).content.decode()
    assert "<svg" in html and 'data-step="S2"' in html and "校验通过" in html
    bad = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "NOPE", "")], unit=maj)
    html = client.post(reverse("flows:preview"), bad).content.decode()
    assert "<svg" not in html and "指向不存在的步骤 NOPE" in html
    loop = editor_data(steps=three_steps(maj), unit=maj,
                       transitions=[("S1", "S2", ""), ("S2", "S1", ""), ("S3", "S3", "")])
    html = client.post(reverse("flows:preview"), loop).content.decode()
    assert "无法到达任何结束步骤" in html
    # a flowchart being started has no name yet: it is drawn, and the preview says what blocks saving
    nameless = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "S3", "")], unit=maj,
                           name="")
    html = client.post(reverse("flows:preview"), nameless).content.decode()
    assert "<svg" in html and "流程图名称" in html and "修改后才能保存" in html
    assert not Flowchart.objects.filter(unit=maj).exists()


def test_a_bad_edit_is_refused_in_chinese_and_nothing_changes(client_for, maj, licence):
    before = to_flowmodel(licence)
    client = client_for("lianban")
    assert client.get(reverse("flows:edit", args=[licence.pk])).status_code == 200
    data = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "NOPE", "")],
                       code="XK-001", name="改过的名字", flowchart=licence)
    response = client.post(reverse("flows:edit", args=[licence.pk]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "未保存" in text and "流转 [S2, NOPE] 指向不存在的步骤 NOPE" in text
    licence.refresh_from_db()
    assert licence.name == "许可核发"
    assert to_flowmodel(Flowchart.objects.get(pk=licence.pk)) == before
    # a form error (bad code) is refused too, next to the field
    data = editor_data(steps=[("S 1", "受理", "", "", "workdays", ["is_start", "is_end"])], code="XK-001",
                       flowchart=licence)
    response = client.post(reverse("flows:edit", args=[licence.pk]), data)
    assert response.status_code == 400 and "编码只能由字母" in response.content.decode()
    assert to_flowmodel(Flowchart.objects.get(pk=licence.pk)) == before


def test_a_new_flowchart_may_not_take_an_existing_code(client_for, maj, licence):
    data = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "S3", "")], code="XK-001",
                       unit=maj)
    response = client_for("lianban").post(reverse("flows:create") + f"?unit={maj.pk}", data)
    assert response.status_code == 400 and "本单位已有编号为 XK-001 的流程图" in response.content.decode()
    assert Flowchart.objects.get(pk=licence.pk).name == "许可核发"


def test_editing_keeps_what_the_editor_does_not_show(client_for, maj, licence):
    """Saving the editor unchanged writes back exactly what was there."""
    before = to_flowmodel(licence, with_risks=False)
    editor = editing.build_editor(maj, flowchart=licence)
    data = {}
    for form in [editor.header, editor.steps.management_form, editor.transitions.management_form,
                 editor.pairs.management_form, editor.discretion.management_form,
                 *editor.steps.forms, *editor.transitions.forms, *editor.pairs.forms, *editor.discretion.forms]:
        for bound in form:
            value = bound.field.prepare_value(bound.value()) if hasattr(bound.field, "prepare_value") else bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value
    data["flowchart"] = licence.pk
    response = client_for("lianban").post(reverse("flows:edit", args=[licence.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    after = to_flowmodel(Flowchart.objects.get(pk=licence.pk), with_risks=False)
    assert after == before
    assert Step.objects.get(flowchart=licence, code="S3").post_label == "外部专家"


def test_renaming_the_code_keeps_the_flowchart(client_for, maj, licence):
    data = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "S3", "")], code="XK-009",
                       flowchart=licence)
    response = client_for("lianban").post(reverse("flows:edit", args=[licence.pk]), data)
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.code == "XK-009" and licence.steps.count() == 3
    assert Flowchart.objects.filter(unit=maj).count() == 1


def test_copy_from_another_flowchart(client_for, maj, licence):
    html = client_for("lianban").get(reverse("flows:create") + f"?unit={maj.pk}&copy={licence.pk}").content.decode()
    assert 'value="XK-001-FB"' in html and "许可核发（副本）" in html


@pytest.mark.skipif(not C10.exists(), reason="MIWG reference models not present")
def test_upload_bpmn_preview_then_confirm(client_for, maj, settings):
    client = client_for("lianban")
    with C10.open("rb") as handle:
        response = client.post(reverse("flows:upload"), {"unit": maj.pk, "file": handle})
    assert response.status_code == 200
    text = response.content.decode()
    assert "确认导入" in text and "Process Engine - Invoice Receipt" in text
    assert "泳道「Approver」在本单位岗位中不存在" in text  # the dry run's warnings
    assert not Flowchart.objects.filter(unit=maj).exists()  # nothing written yet
    kept = list((Path(settings.MEDIA_ROOT) / "flow-uploads").glob("*.upload"))
    assert len(kept) == 1
    response = client.post(reverse("flows:upload_confirm"))
    assert response.status_code == 302
    assert set(Flowchart.objects.filter(unit=maj).values_list("name", flat=True)) == {
        "Team-Assistant", "Process Engine - Invoice Receipt"}
    assert not kept[0].exists()
    assert AuditEntry.objects.filter(action="import", unit_id=maj.pk).count() == 1
    # a second confirmation finds nothing to import
    response = client.post(reverse("flows:upload_confirm"), follow=True)
    assert "没有待导入的文件" in response.content.decode()


def test_upload_refusals_are_explained(client_for, maj, tmp_path):
    client = client_for("lianban")
    junk = tmp_path / "notes.json"
    junk.write_text("hello", encoding="utf-8")
    with junk.open("rb") as handle:
        response = client.post(reverse("flows:upload"), {"unit": maj.pk, "file": handle})
    assert response.status_code == 422 and "无法识别的文件" in response.content.decode()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"flowchart_code": "X", "name": "坏", "power_code": None, "steps": []}]), "utf-8")
    with bad.open("rb") as handle:
        response = client.post(reverse("flows:upload"), {"unit": maj.pk, "file": handle})
    assert response.status_code == 422 and "导入被拒绝" in response.content.decode()
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"PK")
    with other.open("rb") as handle:
        response = client.post(reverse("flows:upload"), {"unit": maj.pk, "file": handle})
    assert "请上传 .bpmn" in response.content.decode()
    assert not Flowchart.objects.exists()


def test_downloads_have_the_right_content_and_are_audited(client_for, maj, licence):
    client = client_for("keyuan")  # staff may look and download
    svg = client.get(reverse("flows:download", args=[licence.pk, "svg"]))
    assert svg["Content-Type"].startswith("image/svg+xml") and b'data-step="S1"' in svg.content
    pdf = client.get(reverse("flows:download", args=[licence.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bpmn = client.get(reverse("flows:download", args=[licence.pk, "bpmn"]))
    assert bpmn["Content-Type"] == "application/xml" and "XK-001.bpmn" in bpmn["Content-Disposition"]
    ElementTree.fromstring(bpmn.content)
    assert import_bpmn(bpmn.content).flowcharts[0]["flowchart_code"] == "XK-001"
    data = client.get(reverse("flows:download", args=[licence.pk, "json"]))
    assert data["Content-Type"].startswith("application/json")
    assert json.loads(data.content)[0]["flowchart_code"] == "XK-001"
    assert client.get(reverse("flows:download", args=[licence.pk, "exe"])).status_code == 404
    exports = AuditEntry.objects.filter(action="export", object_type="flows.flowchart", object_id=str(licence.pk))
    assert sorted(e.changes["format"] for e in exports) == ["bpmn", "json", "pdf", "svg"]


def test_export_all_and_the_book(client_for, maj, licence):
    client = client_for("lianban")
    response = client.get(reverse("flows:export_json"))
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == json.loads(json.dumps(export_unit(maj)))
    book = client.get(reverse("flows:book") + f"?unit={maj.pk}")
    assert book.status_code == 200 and book.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", unit_id=maj.pk, object_type="flows.flowchart").count() == 2


def test_a_peer_unit_sees_nothing(client_for, maj, licence):
    client = client_for("shichang")
    assert "许可核发" not in client.get(reverse("flows:index")).content.decode()
    for url in [reverse("flows:detail", args=[licence.pk]), reverse("flows:edit", args=[licence.pk]),
                reverse("flows:download", args=[licence.pk, "pdf"])]:
        assert client.get(url).status_code == 404, url
    # shichang may create nothing at all, so copying is refused before anything is looked up
    assert client.get(reverse("flows:create") + f"?copy={licence.pk}").status_code == 403
    assert client.get(reverse("flows:book") + f"?unit={maj.pk}").status_code == 404
    assert json.loads(client.get(reverse("flows:export_json")).content) == []
    data = editor_data(steps=three_steps(maj), code="XK-001", flowchart=licence)
    assert client.post(reverse("flows:edit", args=[licence.pk]), data).status_code == 404
    assert client.post(reverse("flows:preview"), data).status_code == 404
    assert client.post(reverse("flows:preview"), {**data, "flowchart": "", "unit": maj.pk}).status_code == 404
    assert client.post(reverse("flows:delete", args=[licence.pk])).status_code == 404
    assert Flowchart.objects.get(pk=licence.pk).name == "许可核发"


def test_staff_may_look_but_not_change(client_for, maj, licence):
    client = client_for("keyuan")
    detail = client.get(reverse("flows:detail", args=[licence.pk]))
    assert detail.status_code == 200
    assert reverse("flows:edit", args=[licence.pk]) not in detail.content.decode()
    assert client.get(reverse("flows:edit", args=[licence.pk])).status_code == 403
    data = editor_data(steps=three_steps(maj), transitions=[("S1", "S2", ""), ("S2", "S3", "")], code="XK-001",
                       name="改名", flowchart=licence)
    assert client.post(reverse("flows:edit", args=[licence.pk]), data).status_code == 403
    assert client.post(reverse("flows:preview"), data).status_code == 403
    assert client.get(reverse("flows:create") + f"?unit={maj.pk}").status_code == 403
    assert client.get(reverse("flows:upload")).status_code == 403
    assert client.post(reverse("flows:delete", args=[licence.pk])).status_code == 403
    assert "新建流程图" not in client.get(reverse("flows:index")).content.decode()
    assert Flowchart.objects.get(pk=licence.pk).name == "许可核发"


def test_the_office_deletes_and_the_list_searches(client_for, maj, licence):
    client = client_for("lianban")
    assert "许可核发" in client.get(reverse("flows:index") + "?q=QL-XK").content.decode()
    assert "许可核发" not in client.get(reverse("flows:index") + "?q=没有这个").content.decode()
    response = client.post(reverse("flows:delete", args=[licence.pk]))
    assert response.status_code == 302 and not Flowchart.objects.filter(pk=licence.pk).exists()
