"""The catalogue's workflow: "谁行使、谁清理" → 汇总 → 集体研究 → 备案 → 公布, who may do
each step, refusal of steps out of order, the freeze after publication, next
year's copy and the differences against last year."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianfang.audit.models import AuditEntry
from lianfang.flows.models import Flowchart
from lianfang.orgs.models import Department, Post, Unit
from lianfang.powers import services
from lianfang.powers.models import (
    Catalogue,
    CatalogueEvent,
    CatalogueStatus,
    LegalBasis,
    Power,
    PowerCategory,
)
from lianfang.powers.services import WorkflowError

D = dt.date
Step = CatalogueEvent.Step


def add_power(catalogue, code, name, category, dept_code, post_codes, statutory=None, promised=None,
              bases=(("安全生产法", "第六十二条"),)):
    unit = catalogue.unit
    power = Power.objects.create(
        catalogue=catalogue, code=code, name=name, category=PowerCategory.objects.get(code=category),
        department=Department.objects.get(unit=unit, code=dept_code) if dept_code else None,
        statutory_limit_days=statutory, promised_limit_days=promised, content=f"{name}的内容",
    )
    power.posts.set(Post.objects.filter(unit=unit, code__in=post_codes))
    for order, (law, article) in enumerate(bases):
        LegalBasis.objects.create(power=power, law=law, article=article, sort_order=order)
    return power


@pytest.fixture
def maj(demo_org):
    return Unit.objects.get(code="JZ-QS-MAJ")


@pytest.fixture
def dept(maj):
    return lambda code: Department.objects.get(unit=maj, code=code)


@pytest.fixture
def catalogue(maj):
    """A 2030 catalogue being drafted, with powers of the approval and the legal department
    and one leadership power."""
    cat = Catalogue.objects.create(unit=maj, year=2030)
    add_power(cat, "XK-001", "煤矿建设项目安全设施设计审查", "XZXK", "SPK", ["SPK-SC", "SPK-KZ"], 20, 15)
    add_power(cat, "CF-001", "煤矿安全违法行为行政处罚", "XZCF", "FGK", ["FGK-CF"], 60)
    add_power(cat, "ZD-001", "重大事项决策", "ZDJC", None, ["L-JZ", "L-FJZ1"])
    return cat


def walk_to(catalogue, status, user_named, dept):
    """Take the catalogue along the path to `status`."""
    office = user_named("lianban")
    order = [CatalogueStatus.CONSOLIDATED, CatalogueStatus.DECIDED, CatalogueStatus.FILED, CatalogueStatus.PUBLISHED]
    if status == CatalogueStatus.DRAFTING:
        return catalogue
    services.submit_department_list(catalogue, dept("SPK"), user_named("kezhang"))
    services.submit_department_list(catalogue, dept("FGK"), office)
    services.consolidate(catalogue, office, "汇总完毕")
    steps = [
        lambda: services.record_decision(catalogue, user_named("juzhang"), D(2026, 2, 5), "局党组会议"),
        lambda: services.mark_filed(catalogue, office, "县委编办、县司法局", D(2026, 2, 13)),
        lambda: services.publish(catalogue, office, D(2026, 2, 27)),
    ]
    for target, step in zip(order[1:], steps, strict=True):
        if order.index(status) < order.index(target):
            break
        step()
    catalogue.refresh_from_db()
    assert catalogue.status == status
    return catalogue


@pytest.mark.django_db
def test_the_full_path_records_who_did_each_step(catalogue, user_named, dept):
    kezhang, office, head = user_named("kezhang"), user_named("lianban"), user_named("juzhang")
    services.submit_department_list(catalogue, dept("SPK"), kezhang, "已核对")
    services.submit_department_list(catalogue, dept("FGK"), office)
    services.consolidate(catalogue, office, "合并重复事项1项")
    services.record_decision(catalogue, head, D(2026, 2, 5), "局党组会议（2026年第2次）", note="一致通过")
    services.mark_filed(catalogue, office, "县委编办、县司法局、县政务公开办", D(2026, 2, 13))
    services.publish(catalogue, office, D(2026, 2, 27))

    catalogue.refresh_from_db()
    assert catalogue.status == CatalogueStatus.PUBLISHED and catalogue.is_frozen
    assert catalogue.decision_date == D(2026, 2, 5) and catalogue.decision_meeting == "局党组会议（2026年第2次）"
    assert catalogue.filed_with == "县委编办、县司法局、县政务公开办" and catalogue.published_date == D(2026, 2, 27)
    events = list(catalogue.events.order_by("pk").values_list("step", "department__code", "actor__username"))
    assert events == [
        (Step.DEPARTMENT_SUBMITTED, "SPK", "kezhang"), (Step.DEPARTMENT_SUBMITTED, "FGK", "lianban"),
        (Step.CONSOLIDATED, None, "lianban"), (Step.DECIDED, None, "juzhang"), (Step.FILED, None, "lianban"),
        (Step.PUBLISHED, None, "lianban"),
    ]
    trail = AuditEntry.objects.filter(object_type="powers.catalogue", object_id=str(catalogue.pk))
    steps = [e.changes.get("step") for e in trail.order_by("seq") if e.changes.get("step")]
    assert steps == ["department_submitted", "department_submitted", "consolidated", "decided", "filed", "published"]
    assert trail.filter(action="submit", actor_label__contains="kezhang").exists()
    path = services.status_path(catalogue)
    assert [s["done"] for s in path] == [True] * 5
    assert path[2]["event"].actor.username == "juzhang"


@pytest.mark.django_db
def test_consolidation_names_the_departments_that_have_not_submitted(catalogue, user_named, dept):
    office = user_named("lianban")
    services.submit_department_list(catalogue, dept("SPK"), user_named("kezhang"))
    with pytest.raises(WorkflowError) as caught:
        services.consolidate(catalogue, office)
    assert "法规事故处理科" in str(caught.value) and "行政审批科" not in str(caught.value)
    # A department without powers need not submit.
    services.submit_department_list(catalogue, dept("FGK"), office)
    services.consolidate(catalogue, office)
    assert Catalogue.objects.get(pk=catalogue.pk).status == CatalogueStatus.CONSOLIDATED


@pytest.mark.django_db
def test_steps_out_of_order_are_refused_in_chinese(catalogue, user_named, dept):
    office, head = user_named("lianban"), user_named("juzhang")
    with pytest.raises(WorkflowError, match="科室清理中"):
        services.record_decision(catalogue, head, D(2026, 2, 5), "局党组会议")
    with pytest.raises(WorkflowError, match="只有处于“已备案”状态时才能办理"):
        services.publish(catalogue, office, D(2026, 2, 27))
    with pytest.raises(WorkflowError):
        services.mark_filed(catalogue, office, "县委编办", D(2026, 2, 13))
    with pytest.raises(WorkflowError):
        services.reopen(catalogue, office, "理由")
    walk_to(catalogue, CatalogueStatus.CONSOLIDATED, user_named, dept)
    with pytest.raises(WorkflowError, match="已汇总"):
        services.submit_department_list(catalogue, dept("SPK"), user_named("kezhang"))
    with pytest.raises(WorkflowError, match="请填写会议名称"):
        services.record_decision(catalogue, head, D(2026, 2, 5), "  ")
    services.record_decision(catalogue, head, D(2026, 2, 5), "局党组会议")
    with pytest.raises(WorkflowError, match="不能早于集体研究日期"):
        services.mark_filed(catalogue, office, "县委编办", D(2026, 1, 1))
    assert Catalogue.objects.get(pk=catalogue.pk).status == CatalogueStatus.DECIDED


@pytest.mark.django_db
def test_a_department_submits_only_once_until_reopened(catalogue, user_named, dept):
    kezhang = user_named("kezhang")
    services.submit_department_list(catalogue, dept("SPK"), kezhang)
    with pytest.raises(WorkflowError, match="已经提交过"):
        services.submit_department_list(catalogue, dept("SPK"), kezhang)


@pytest.mark.django_db
def test_who_may_take_each_step(catalogue, user_named, dept):
    staff, kezhang, leader = user_named("keyuan"), user_named("kezhang"), user_named("fuju")
    with pytest.raises(PermissionDenied):
        services.submit_department_list(catalogue, dept("SPK"), staff)
    with pytest.raises(PermissionDenied):  # the head of SPK, not of FGK
        services.submit_department_list(catalogue, dept("FGK"), kezhang)
    with pytest.raises(PermissionDenied):
        services.consolidate(catalogue, kezhang)
    with pytest.raises(PermissionDenied):  # a peer unit's staff
        services.submit_department_list(catalogue, dept("SPK"), user_named("shichang"))
    walk_to(catalogue, CatalogueStatus.CONSOLIDATED, user_named, dept)
    for user in (staff, kezhang, leader, user_named("jijian"), user_named("xianjiwei")):
        with pytest.raises(PermissionDenied):
            services.record_decision(catalogue, user, D(2026, 2, 5), "局党组会议")
    assert services.available_actions(catalogue, staff)["decide"] is False
    assert services.available_actions(catalogue, user_named("juzhang"))["decide"] is True
    assert services.available_actions(catalogue, user_named("lianban"))["decide"] is True


@pytest.mark.django_db
def test_published_catalogue_is_frozen(catalogue, user_named, dept):
    walk_to(catalogue, CatalogueStatus.PUBLISHED, user_named, dept)
    power = catalogue.powers.get(code="XK-001")
    reason = services.edit_refusal(catalogue)
    assert "已公布的职权目录不能修改" in reason
    with pytest.raises(WorkflowError, match="已公布"):
        services.assert_editable(catalogue)
    power.name = "改名"
    with pytest.raises(ValidationError):
        power.full_clean()
    with pytest.raises(WorkflowError, match="已公布"):
        services.delete_power(power, user_named("lianban"))
    with pytest.raises(WorkflowError, match="不能退回"):
        services.reopen(catalogue, user_named("lianban"), "发现遗漏")
    assert Power.objects.filter(pk=power.pk).exists()
    actions = services.available_actions(catalogue, user_named("lianban"))
    assert not actions["add_power"] and not actions["reopen"] and actions["next_year"]


@pytest.mark.django_db
def test_decided_catalogue_needs_reopening_before_changes(catalogue, user_named, dept):
    walk_to(catalogue, CatalogueStatus.DECIDED, user_named, dept)
    assert "退回修改" in services.edit_refusal(catalogue)
    office = user_named("lianban")
    with pytest.raises(WorkflowError, match="退回理由"):
        services.reopen(catalogue, office, " ")
    services.reopen(catalogue, office, "遗漏煤矿应急预案备案事项")
    catalogue.refresh_from_db()
    assert catalogue.status == CatalogueStatus.DRAFTING and catalogue.decision_date is None
    assert services.edit_refusal(catalogue) == ""
    # The departments submit again before the next consolidation.
    with pytest.raises(WorkflowError, match="行政审批科"):
        services.consolidate(catalogue, office)
    assert catalogue.events.filter(step=Step.REOPENED, note="遗漏煤矿应急预案备案事项").exists()
    assert AuditEntry.objects.filter(action="return", object_id=str(catalogue.pk)).exists()


@pytest.mark.django_db
def test_delete_is_refused_while_a_flowchart_links_the_power(catalogue, user_named):
    power = catalogue.powers.get(code="XK-001")
    flowchart = Flowchart.objects.create(unit=catalogue.unit, code="LC-XK-001", name="设计审查流程")
    flowchart.powers.add(power)
    with pytest.raises(WorkflowError, match="设计审查流程"):
        services.delete_power(power, user_named("lianban"))
    flowchart.powers.clear()
    with pytest.raises(PermissionDenied):
        services.delete_power(power, user_named("keyuan"))
    services.delete_power(power, user_named("lianban"))
    assert not Power.objects.filter(pk=power.pk).exists()


@pytest.mark.django_db
def test_next_year_copies_everything_and_diff_shows_the_changes(catalogue, user_named, dept):
    walk_to(catalogue, CatalogueStatus.PUBLISHED, user_named, dept)
    flowchart = Flowchart.objects.create(unit=catalogue.unit, code="LC-XK-001", name="设计审查流程")
    flowchart.powers.add(catalogue.powers.get(code="XK-001"))
    with pytest.raises(PermissionDenied):
        services.start_next_year(catalogue, user_named("kezhang"))

    new = services.start_next_year(catalogue, user_named("lianban"))
    assert (new.year, new.based_on_id, new.status) == (2031, catalogue.pk, CatalogueStatus.DRAFTING)
    assert new.events.get().step == Step.COPIED
    old_by_code = {p.code: p for p in catalogue.powers.all()}
    for power in new.powers.all():
        before = old_by_code[power.code]
        assert power.previous_id == before.pk and power.unit_id == catalogue.unit_id
        assert set(power.posts.values_list("code", flat=True)) == set(before.posts.values_list("code", flat=True))
        assert list(power.legal_bases.values_list("law", "article")) == list(
            before.legal_bases.values_list("law", "article"))
    assert set(flowchart.powers.values_list("catalogue__year", flat=True)) == {2030, 2031}
    assert services.diff(new) == {"base": catalogue, "added": [], "removed": [], "changed": [], "unchanged": 3}
    with pytest.raises(WorkflowError, match="已有2031年度"):
        services.start_next_year(catalogue, user_named("lianban"))

    # Next year: a shorter promised limit, one power added, one removed, a law replaced.
    changed = new.powers.get(code="XK-001")
    changed.promised_limit_days = 10
    changed.save()
    new.powers.get(code="CF-001").legal_bases.update(law="煤矿安全生产条例", article="第六十四条")
    add_power(new, "JC-004", "煤矿生产安全事故应急预案备案", "QTXZ", "AJK", ["AJK-YH"], 5, 3)
    new.powers.get(code="ZD-001").delete()

    result = services.diff(new)
    assert [p.code for p in result["added"]] == ["JC-004"]
    assert [p.code for p in result["removed"]] == ["ZD-001"]
    by_code = {item["power"].code: item for item in result["changed"]}
    assert set(by_code) == {"XK-001", "CF-001"}
    assert by_code["XK-001"]["changes"] == [
        {"field": "promised_limit_days", "label": "承诺时限（工作日）", "before": "15", "after": "10"}]
    [law] = by_code["CF-001"]["changes"]
    assert law["label"] == "法律依据" and law["before"] == "《安全生产法》第六十二条"
    assert law["after"] == "《煤矿安全生产条例》第六十四条"
    assert result["unchanged"] == 0


@pytest.mark.django_db
def test_create_catalogue_for_a_new_year(maj, user_named):
    cat = services.create_catalogue(maj, 2040, user_named("lianban"))
    assert cat.status == CatalogueStatus.DRAFTING
    with pytest.raises(WorkflowError, match="已有2040年度"):
        services.create_catalogue(maj, 2040, user_named("lianban"))
    with pytest.raises(PermissionDenied):
        services.create_catalogue(maj, 2041, user_named("kezhang"))


@pytest.mark.django_db
def test_the_demo_catalogues(demo_org):
    from lianfang.demo import powers as demo
    from lianfang.powers import checks

    first = demo.load()
    assert first["powers"] >= 90 and first["flowcharts"] >= 20
    again = demo.load()
    assert again["events"] == 0  # idempotent
    maj, sjj = Unit.objects.get(code="JZ-QS-MAJ"), Unit.objects.get(code="JZ-QS-SJJ")
    maj_2026 = Catalogue.objects.get(unit=maj, year=2026)
    assert maj_2026.status == CatalogueStatus.PUBLISHED and maj_2026.based_on.year == 2025
    assert Catalogue.objects.get(unit=sjj, year=2026).status == CatalogueStatus.DECIDED
    assert maj_2026.powers.count() >= 30 and Catalogue.objects.get(unit=sjj).powers.count() >= 30
    result = services.diff(maj_2026)
    assert {p.code for p in result["added"]} == {"QR-002", "JC-004"}
    assert {p.code for p in result["removed"]} == {"QT-002", "QT-003"}
    assert {item["power"].code for item in result["changed"]} >= {"XK-002", "CF-005", "JL-001"}
    assert checks.check_unit(maj) == [] and checks.check_unit(sjj) == []
