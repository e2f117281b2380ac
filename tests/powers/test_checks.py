"""Catalogue checks: a clean unit has no findings; each planted defect gives exactly its finding."""

import datetime as dt
from types import SimpleNamespace

import pytest

from lianfang.flows.models import Flowchart, Step, Transition
from lianfang.orgs.models import Department, Person, Post, PostAssignment, RankClass, Unit
from lianfang.powers import checks
from lianfang.powers.models import Catalogue, LegalBasis, Power, PowerCategory

D = dt.date


def make_flowchart(unit, code, name, powers, steps, edges):
    """steps: (code, name, post or label, limit_workdays, limit_hours, flags...)."""
    fc = Flowchart.objects.create(unit=unit, code=code, name=name)
    fc.powers.set(powers)
    made = {}
    for order, (scode, sname, post, workdays, hours, *flags) in enumerate(steps):
        made[scode] = Step.objects.create(
            flowchart=fc, code=scode, name=sname, sort_order=order,
            post=post if isinstance(post, Post) else None, post_label=post if isinstance(post, str) else "",
            limit_workdays=workdays, limit_hours=hours,
            is_start="start" in flags, is_end="end" in flags, clock_stop="stop" in flags,
        )
    for order, (a, b) in enumerate(edges):
        Transition.objects.create(flowchart=fc, source=made[a], target=made[b], sort_order=order)
    return fc, made


def make_unit(code="T-MAJ", name="测试县煤矿安全监督管理局"):
    """A unit whose catalogue passes every check."""
    unit = Unit.objects.create(code=code, name=name)
    spk = Department.objects.create(unit=unit, code="SPK", name="审批科")
    zfk = Department.objects.create(unit=unit, code="ZFK", name="执法科")
    posts = {
        "L-JZ": Post.objects.create(unit=unit, code="L-JZ", name="局长"),
        "L-FJZ": Post.objects.create(unit=unit, code="L-FJZ", name="副局长"),
        "SPK-KZ": Post.objects.create(unit=unit, code="SPK-KZ", name="审批科科长", department=spk),
        "SPK-KY": Post.objects.create(unit=unit, code="SPK-KY", name="审批岗", department=spk),
        "ZFK-KY": Post.objects.create(unit=unit, code="ZFK-KY", name="执法岗", department=zfk),
    }
    head = Person.objects.create(unit=unit, code=f"{code}-1", name="王建国", rank_class=RankClass.HEAD)
    leader = Person.objects.create(unit=unit, code=f"{code}-2", name="李志强", rank_class=RankClass.LEADER)
    staff = Person.objects.create(unit=unit, code=f"{code}-3", name="赵鹏", rank_class=RankClass.STAFF)
    head_job = PostAssignment.objects.create(person=head, post=posts["L-JZ"], start_date=D(2024, 1, 1))
    PostAssignment.objects.create(person=leader, post=posts["L-FJZ"], start_date=D(2024, 1, 1))
    PostAssignment.objects.create(person=staff, post=posts["SPK-KY"])
    cat = {c.code: c for c in PowerCategory.objects.all()}
    catalogue = Catalogue.objects.create(unit=unit, year=2026)

    def power(code, name, category, department, post_codes, statutory=None, promised=None, order=0):
        p = Power.objects.create(catalogue=catalogue, code=code, name=name, category=cat[category],
                                 department=department, statutory_limit_days=statutory,
                                 promised_limit_days=promised, sort_order=order)
        p.posts.set([posts[c] for c in post_codes])
        LegalBasis.objects.create(power=p, law="安全生产法", article="第六十二条", text="……")
        return p

    permit = power("XK-001", "煤矿建设项目安全设施设计审查", "XZXK", spk, ["SPK-KY", "SPK-KZ"], 20, 15, 1)
    penalty = power("CF-001", "煤矿安全违法行为行政处罚", "XZCF", zfk, ["ZFK-KY"], 30, None, 2)
    decision = power("ZD-001", "重大事项集体决策", "ZDJC", None, ["L-JZ", "L-FJZ"], order=3)
    # 受理 1 + 审查 40 h (5) + 审核 3 + 决定 2 = 11 working days; 补正 stops the clock and loops back.
    permit_fc, permit_steps = make_flowchart(unit, "LC-XK-001", "设计审查流程", [permit], [
        ("S1", "受理", posts["SPK-KY"], 1, None, "start"),
        ("S2", "审查", posts["SPK-KY"], None, 40),
        ("S3", "补正", "申请人", None, None, "stop"),
        ("S4", "审核", posts["SPK-KZ"], 3, None),
        ("S5", "决定", posts["L-FJZ"], 2, None),
        ("S6", "归档", posts["SPK-KY"], None, None, "end"),
    ], [("S1", "S2"), ("S2", "S3"), ("S3", "S1"), ("S2", "S4"), ("S4", "S2"), ("S4", "S5"), ("S5", "S6")])
    # 立案 5 + 调查 15 + 决定 5 = 25 of 30; 听证 stops the clock.
    penalty_fc, penalty_steps = make_flowchart(unit, "LC-CF-001", "行政处罚流程", [penalty], [
        ("S1", "立案", posts["ZFK-KY"], 5, None, "start"),
        ("S2", "调查取证", posts["ZFK-KY"], 15, None),
        ("S3", "听证", posts["ZFK-KY"], None, None, "stop"),
        ("S4", "决定", posts["L-FJZ"], 5, None, "end"),
    ], [("S1", "S2"), ("S2", "S3"), ("S3", "S4"), ("S2", "S4")])
    decision_fc, decision_steps = make_flowchart(unit, "LC-ZD-001", "重大事项决策流程", [decision], [
        ("S1", "提出议题", posts["L-FJZ"], 5, None, "start"),
        ("S2", "集体决策", posts["L-JZ"], None, 4, "end"),
    ], [("S1", "S2")])
    return SimpleNamespace(
        unit=unit, spk=spk, zfk=zfk, posts=posts, head=head, leader=leader, head_job=head_job,
        catalogue=catalogue, cat=cat, permit=permit, penalty=penalty, decision=decision,
        permit_fc=permit_fc, penalty_fc=penalty_fc, decision_fc=decision_fc,
        permit_steps=permit_steps, penalty_steps=penalty_steps, decision_steps=decision_steps,
    )


def found(findings):
    return [(f.code, f.object_type, f.object_id) for f in findings]


@pytest.mark.django_db
def test_clean_unit_has_no_findings(django_assert_max_num_queries):
    org = make_unit()
    with django_assert_max_num_queries(10):
        assert checks.check_unit(org.unit) == []
    assert checks.check_unit(org.unit, org.catalogue) == []


# Each defect: (plant(org) -> the object the finding must name, code, object_type, severity).
def _no_basis(o):
    o.penalty.legal_bases.all().delete()
    return o.penalty


def _no_handler(o):
    o.penalty.department = None
    o.penalty.save()
    o.penalty.posts.clear()
    return o.penalty


def _no_flowchart(o):
    o.penalty_fc.powers.remove(o.penalty)
    return o.penalty


def _unreachable(o):
    return Step.objects.create(flowchart=o.permit_fc, code="S9", name="复核", post=o.posts["SPK-KZ"],
                               limit_workdays=1)


def _step_no_post(o):
    step = o.permit_steps["S4"]
    step.post = None
    step.save()
    return step


def _step_only_label_has_post(o):
    step = o.permit_steps["S4"]
    step.post, step.post_label = None, "   "
    step.save()
    return step


def _step_no_limit(o):
    step = o.permit_steps["S2"]
    step.limit_hours = None
    step.save()
    return step


def _over_statutory(o):
    o.permit.statutory_limit_days, o.permit.promised_limit_days = 10, None
    o.permit.save()
    return o.permit_fc


def _over_statutory_by_hours(o):
    step = o.penalty_steps["S2"]
    step.limit_workdays, step.limit_hours = None, 8 * 20.5  # 5 + 20.5 + 5 = 30.5 > 30
    step.save()
    return o.penalty_fc


def _over_promised(o):
    o.permit.promised_limit_days = 10
    o.permit.save()
    return o.permit_fc


def _overlap(o):
    twin = Power.objects.create(catalogue=o.catalogue, code="XK-002", name=" 煤矿建设项目安全设施 设计审查",
                                category=o.cat["XZXK"], department=o.zfk, sort_order=9)
    twin.posts.set([o.posts["ZFK-KY"]])
    LegalBasis.objects.create(power=twin, law="安全生产法", article="第三十条")
    o.permit_fc.powers.add(twin)
    return o.permit


def _flow_no_start(o):
    Step.objects.filter(pk=o.decision_steps["S1"].pk).update(is_start=False)
    return o.decision_fc


def _flow_no_end(o):
    Step.objects.filter(pk=o.decision_steps["S2"].pk).update(is_end=False)
    return o.decision_fc


def _flow_no_steps(o):
    fc = Flowchart.objects.create(unit=o.unit, code="LC-EMPTY", name="空流程图")
    fc.powers.add(o.penalty)
    return fc


def _no_three_important(o):
    o.decision.category = o.cat["NBGL"]
    o.decision.save()
    return o.catalogue


def _leader_without(o):
    o.decision.posts.remove(o.posts["L-FJZ"])
    return o.leader


def _head_without_post(o):
    o.head_job.end_date = D(2025, 1, 1)
    o.head_job.save()
    return o.head


DEFECTS = [
    (_no_basis, checks.POWER_NO_LEGAL_BASIS, "powers.power", "error"),
    (_no_handler, checks.POWER_NO_HANDLER, "powers.power", "error"),
    (_no_flowchart, checks.POWER_NO_FLOWCHART, "powers.power", "error"),
    (_unreachable, checks.STEP_UNREACHABLE, "flows.step", "error"),
    (_step_no_post, checks.STEP_NO_POST, "flows.step", "error"),
    (_step_only_label_has_post, checks.STEP_NO_POST, "flows.step", "error"),
    (_step_no_limit, checks.STEP_NO_LIMIT, "flows.step", "error"),
    (_over_statutory, checks.LIMIT_OVER_STATUTORY, "flows.flowchart", "error"),
    (_over_statutory_by_hours, checks.LIMIT_OVER_STATUTORY, "flows.flowchart", "error"),
    (_over_promised, checks.LIMIT_OVER_PROMISED, "flows.flowchart", "warning"),
    (_overlap, checks.POWER_OVERLAP, "powers.power", "error"),
    (_flow_no_start, checks.FLOW_NO_START, "flows.flowchart", "error"),
    (_flow_no_end, checks.FLOW_NO_END, "flows.flowchart", "error"),
    (_flow_no_steps, checks.FLOW_NO_STEPS, "flows.flowchart", "error"),
    (_no_three_important, checks.NO_THREE_IMPORTANT, "powers.catalogue", "error"),
    (_leader_without, checks.LEADER_NO_THREE_IMPORTANT, "orgs.person", "error"),
    (_head_without_post, checks.LEADER_NO_THREE_IMPORTANT, "orgs.person", "error"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("plant", "code", "object_type", "severity"), DEFECTS,
                         ids=[d[0].__name__.strip("_") for d in DEFECTS])
def test_each_defect_gives_exactly_its_finding(plant, code, object_type, severity):
    org = make_unit()
    target = plant(org)
    findings = checks.check_unit(org.unit)
    assert found(findings) == [(code, object_type, target.pk)]
    finding = findings[0]
    assert finding.severity == severity
    assert finding.message and finding.object_label
    assert finding.as_dict()["title"] == checks.TITLES[code]


@pytest.mark.django_db
def test_messages_name_the_path_and_the_limit():
    org = make_unit()
    _over_statutory(org)
    (finding,) = checks.check_unit(org.unit)
    assert "受理（1）→审查（5）→审核（3）→决定（2）→归档（0）" in finding.message
    assert "合计 11 个工作日" in finding.message and "法定时限 10 个工作日" in finding.message
    org = make_unit("T-2")
    _leader_without(org)
    (finding,) = checks.check_unit(org.unit)
    assert "李志强" in finding.message


@pytest.mark.django_db
def test_overlap_ignores_the_same_department():
    org = make_unit()
    twin = Power.objects.create(catalogue=org.catalogue, code="XK-003", name="煤矿建设项目安全设施设计审查",
                                category=org.cat["XZXK"], department=org.spk)
    twin.posts.set([org.posts["SPK-KY"]])
    LegalBasis.objects.create(power=twin, law="安全生产法")
    org.permit_fc.powers.add(twin)
    assert checks.check_unit(org.unit) == []


@pytest.mark.django_db
def test_no_catalogue_and_empty_catalogue():
    bare = Unit.objects.create(code="T-BARE", name="空白单位")
    assert found(checks.check_unit(bare)) == [(checks.NO_CATALOGUE, "orgs.unit", bare.pk)]
    catalogue = Catalogue.objects.create(unit=bare, year=2026)
    assert found(checks.check_unit(bare)) == [
        (checks.EMPTY_CATALOGUE, "powers.catalogue", catalogue.pk),
        (checks.NO_THREE_IMPORTANT, "powers.catalogue", catalogue.pk),
    ]


@pytest.mark.django_db
def test_older_catalogue_and_several_units(django_assert_max_num_queries):
    org = make_unit()
    other = make_unit("T-OTHER", "另一单位")
    _no_basis(other)
    newer = Catalogue.objects.create(unit=org.unit, year=2027)
    assert [f.code for f in checks.check_unit(org.unit)] == [checks.EMPTY_CATALOGUE, checks.NO_THREE_IMPORTANT]
    assert checks.check_unit(org.unit, org.catalogue) == []
    newer.delete()
    with django_assert_max_num_queries(20):
        result = checks.check_units(Unit.objects.filter(code__in=["T-MAJ", "T-OTHER"]).order_by("code"))
    assert [(u.code, [f.code for f in fs]) for u, fs in result.items()] == [
        ("T-MAJ", []), ("T-OTHER", [checks.POWER_NO_LEGAL_BASIS]),
    ]
    with pytest.raises(ValueError):
        checks.check_unit(other.unit, org.catalogue)


def test_longest_path_ignores_back_edges_and_counts_the_heaviest_branch():
    codes = ["a", "b", "c", "d", "e"]
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("a", "d"), ("d", "e"), ("b", "e"), ("e", "b")]
    weight = {"a": 1, "b": 2, "c": 10, "d": 4, "e": 1}
    total, path = checks.longest_path(codes, ["a"], ["e"], edges, weight)
    assert (total, path) == (6, ["a", "d", "e"])
    forward = checks.forward_edges(codes, ["a"], edges)
    assert ("c", "a") not in forward
    assert checks.longest_path(["x"], [], [], [], {"x": 1}) == (0.0, [])
