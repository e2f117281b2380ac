"""Quality checks on risk points and measures (lianfang.risks.quality)."""

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lianfang.measures.models import Measure
from lianfang.orgs.models import Person, Post, Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory
from lianfang.risks import quality
from lianfang.risks.models import RiskCategory, RiskPoint

YEAR = 2026
DEADLINE = dt.date(2026, 12, 31)

# Eight entries at the 县煤监局: (code, post code, person code, level, title, description).
# Levels are mixed across ranks, texts differ, every entry has a concrete measure.
ENTRIES = [
    ("R01", "L-JZ", "P1001", "high", "党组会议决定大额资金使用时个人说了算",
     "在大额资金使用决策中不经集体研究，由主要负责人个人决定资金拨付，为特定关系人谋取利益。"),
    ("R02", "L-FJZ1", "P1002", "medium", "分管领导干预安全生产许可审查",
     "分管领导为熟人企业打招呼、说情，要求审查人员降低标准通过许可审查。"),
    ("R03", "L-FJZ2", "P1003", "low", "审核财务报销时把关不严",
     "对违规列支的招待费、差旅费签字同意报销，造成公款浪费。"),
    ("R04", "SPK-KZ", "P1041", "medium", "审批科长审核许可材料时收受好处",
     "科长在审核煤矿安全生产许可申报材料时收受企业红包礼金，对材料缺项不予指出。"),
    ("R05", "SPK-SL", "P1042", "high", "许可受理环节违规受理不符合条件的申请",
     "受理人员收受申请人财物后，对不符合法定条件的申请违规受理并出具受理回执。"),
    ("R06", "SPK-SC", "P1043", "low", "许可审查中泄露审查信息",
     "审查人员向申请企业泄露专家评审意见和审查进度，帮助企业规避现场核查。"),
    ("R07", "SPK-PX", "P1044", "medium", "安全培训考核放宽考核标准",
     "培训考核岗在考核中对关系户放宽标准，伪造考试成绩，收取考生好处费。"),
    ("R08", "BGS-HQ", "P1013", "low", "后勤采购中指定供应商",
     "采购人员在办公用品采购中与供应商串通，虚开发票套取资金，收受回扣。"),
]
GOOD_MEASURES = [
    "严格执行《行政许可法》，受理后3个工作日内由科室负责人复核受理材料",
    "实行大额资金使用党组集体研究决策制度，会议纪要存档备查，纪检组全程监督",
]


def unit_maj():
    return Unit.objects.get(code="JZ-QS-MAJ")


def make_risk(unit, code, post_code=None, person_code=None, level="medium", title="", description="",
              power=None, year=YEAR):
    post = Post.objects.get(unit=unit, code=post_code) if post_code else None
    person = Person.objects.get(code=person_code) if person_code else None
    return RiskPoint.objects.create(
        unit=unit, year=year, code=code, finding_level="leadership" if post and post.is_leadership else "post",
        post=post, person=person, author=person, power=power, title=title, description=description,
        category=RiskCategory.objects.get(name="岗位职责"), inherent_level=level, residual_level=level,
    )


def add_measure(risk, content=None, owner_text="办公室", deadline=DEADLINE, **extra):
    return Measure.objects.create(risk=risk, content=content or GOOD_MEASURES[risk.pk % 2], line="prevention",
                                  kind="rules", owner_text=owner_text, deadline=deadline, **extra)


@pytest.fixture
def clean(demo_org):
    """A clean 县煤监局 2026: a catalogue with a licensing power (受理、审查岗) and a
    三重一大 power of the head's post, eight entries covering those posts."""
    unit = unit_maj()
    catalogue = Catalogue.objects.create(unit=unit, year=YEAR)
    licence = Power.objects.create(catalogue=catalogue, code="XK-001", name="煤矿安全生产许可证核发初审",
                                   category=PowerCategory.objects.get(code="XZXK"))
    licence.posts.set(Post.objects.filter(unit=unit, code__in=["SPK-SL", "SPK-SC"]))
    funds = Power.objects.create(catalogue=catalogue, code="NB-001", name="大额资金使用决策",
                                 category=PowerCategory.objects.get(code="ZJSY"))
    funds.posts.set(Post.objects.filter(unit=unit, code="L-JZ"))
    risks = {}
    for code, post, person, level, title, description in ENTRIES:
        power = funds if code == "R01" else licence if post in ("SPK-SL", "SPK-SC") else None
        risks[code] = make_risk(unit, code, post, person, level, title, description, power)
        add_measure(risks[code])
    return {"unit": unit, "risks": risks, "licence": licence, "funds": funds}


def codes(findings):
    return {f.code for f in findings}


@pytest.mark.django_db
def test_clean_fixture_has_no_findings(clean):
    assert quality.check_unit(clean["unit"], YEAR) == []


def _rank(c):
    levels = {"P1001": "high", "P1002": "high", "P1003": "high", "P1041": "medium"}
    for risk in c["risks"].values():
        RiskPoint.objects.filter(pk=risk.pk).update(inherent_level=levels.get(risk.person.code, "low"))


def _no_level(c):
    RiskPoint.objects.filter(pk=c["risks"]["R03"].pk).update(inherent_level="", residual_level="")


def _no_measure(c):
    Measure.objects.filter(risk=c["risks"]["R06"]).delete()


def _no_owner(c):
    Measure.objects.filter(risk=c["risks"]["R02"]).update(owner_text="", owner=None)


def _no_deadline(c):
    Measure.objects.filter(risk=c["risks"]["R02"]).update(deadline=None)


def _vague(c):
    add_measure(c["risks"]["R04"], content="加强学习，提高认识，严格执行相关规定")


def _duplicate(c):
    # Two texts only a few characters apart, on different posts (拿来主义).
    r5 = c["risks"]["R05"]
    RiskPoint.objects.filter(pk=c["risks"]["R06"].pk).update(
        title=r5.title, description=r5.description.replace("财物", "礼金"))


def _post_no_risk(c):
    risk = c["risks"]["R06"]  # the only entry of 许可审查岗, which handles XK-001
    RiskPoint.objects.filter(pk=risk.pk).update(post=None, person=None, power=None, finding_level="unit")


def _leader_power(c):
    # The head's 三重一大 power loses its risk point altogether.
    RiskPoint.objects.filter(pk=c["risks"]["R01"].pk).update(power=None, post=None, person=None,
                                                            finding_level="unit")


def _work_gap(c):
    RiskPoint.objects.filter(pk=c["risks"]["R07"].pk).update(
        title="培训考核工作效率不高", description="业务能力不足，服务态度生硬，工作不够细致。")


PLANTED = [
    (quality.RANK_RATING, _rank),
    (quality.RISK_NO_LEVEL, _no_level),
    (quality.RISK_NO_MEASURE, _no_measure),
    (quality.MEASURE_NO_OWNER, _no_owner),
    (quality.MEASURE_NO_DEADLINE, _no_deadline),
    (quality.MEASURE_VAGUE, _vague),
    (quality.DUPLICATE_TEXT, _duplicate),
    (quality.POST_NO_RISK, _post_no_risk),
    (quality.LEADER_POWER_NO_RISK, _leader_power),
    (quality.WORK_GAP, _work_gap),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "plant"), PLANTED, ids=[c for c, _ in PLANTED])
def test_each_check_flags_its_planted_problem(clean, code, plant):
    plant(clean)
    findings = quality.check_unit(clean["unit"], YEAR)
    assert code in codes(findings)
    # Nothing else fires: the checks are independent of each other.
    assert codes(findings) == {code}
    for f in findings:
        assert f.message and f.title == quality.TITLES[code]


def test_every_check_is_planted():
    assert {c for c, _ in PLANTED} == set(quality.CHECKS)


@pytest.mark.django_db
def test_rank_rating_reports_the_table_and_a_probability(clean):
    _rank(clean)
    (finding,) = quality.check_unit(clean["unit"], YEAR)
    assert finding.severity == quality.ERROR and finding.object_type == quality.UNIT
    assert "一般工作人员 4 条全部为低" in finding.message and "%" in finding.message


def test_rank_test_statistics():
    rows = [("leader", "high")] * 4 + [("staff", "low")] * 4
    p, _ = quality.rank_test(rows)
    assert p == pytest.approx(2 / 70)
    # Three and three could be chance (p = 0.1): not flagged.
    assert quality.rank_test([("leader", "high")] * 3 + [("staff", "low")] * 3) is None
    # One exception is enough not to flag.
    assert quality.rank_test(rows[:-1] + [("staff", "high")]) is None
    # Everything at one level says nothing about rank.
    assert quality.rank_test([("leader", "high")] * 4 + [("staff", "high")] * 4) is None


@pytest.mark.django_db
def test_leaders_high_and_staff_low_with_mixed_department_heads_is_a_warning(clean):
    unit = clean["unit"]
    levels = {"P1001": "high", "P1002": "high", "P1003": "high", "P1041": "medium"}
    for risk in clean["risks"].values():
        RiskPoint.objects.filter(pk=risk.pk).update(inherent_level=levels.get(risk.person.code, "low"))
    extra = make_risk(unit, "R09", "AJK-KZ", "P1031", "low", "安全监察科长对举报线索压案不查",
                      "科长收受煤矿企业好处后，对群众举报的违法生产线索不安排核查。")
    add_measure(extra)
    (finding,) = quality.check_unit(unit, YEAR)
    assert finding.code == quality.RANK_RATING and finding.severity == quality.WARNING
    assert "不计科室负责人" in finding.message


@pytest.mark.django_db
def test_leader_power_with_other_leader_risks_is_a_warning(clean):
    RiskPoint.objects.filter(pk=clean["risks"]["R01"].pk).update(power=None)  # still on the head's post
    (finding,) = quality.check_unit(clean["unit"], YEAR)
    assert finding.code == quality.LEADER_POWER_NO_RISK and finding.severity == quality.WARNING
    assert finding.object_id == clean["funds"].pk


@pytest.mark.django_db
def test_copied_text_across_units_is_found_within_the_users_scope(clean, user_named):
    peer = Unit.objects.get(code="JZ-QS-SJJ")
    r5 = clean["risks"]["R05"]
    copied = make_risk(peer, "S01", "SPG-SL", "P2032", "high", r5.title, r5.description.replace("财物", "财礼"))
    add_measure(copied)
    # The head of 县煤监局 does not see the peer unit: nothing to compare with.
    assert quality.check_unit(clean["unit"], YEAR, user=user_named("juzhang")) == []
    # The county coordination group sees both.
    findings = quality.check_unit(clean["unit"], YEAR, user=user_named("xianjiwei"))
    (finding,) = findings
    assert finding.code == quality.DUPLICATE_TEXT and finding.object_id == r5.pk
    assert "其他单位" in finding.message and "青山县市场监督管理局" in finding.message


def test_vagueness_scores():
    assert quality.vagueness("加强学习，提高认识")[0] >= quality.VAGUE_THRESHOLD
    assert quality.vagueness("加强监督")[0] >= quality.VAGUE_THRESHOLD
    assert quality.vagueness("进一步加强监督管理，严格执行相关制度")[0] >= quality.VAGUE_THRESHOLD
    assert quality.vagueness(GOOD_MEASURES[0])[0] < quality.VAGUE_THRESHOLD
    assert quality.vagueness("许可审查实行双人审查、科长复核")[0] < quality.VAGUE_THRESHOLD
    # A named rule on the measure makes a short text concrete.
    assert quality.vagueness("完善采购管理", rule_name="政府采购内部控制办法")[0] < quality.VAGUE_THRESHOLD


def test_work_gap_needs_no_integrity_element():
    assert quality.work_gap_terms("工作效率不高，服务态度生硬") == ["工作效率不高", "态度生硬", "服务态度"] or \
        set(quality.work_gap_terms("工作效率不高，服务态度生硬")) == {"工作效率不高", "服务态度", "态度生硬"}
    assert quality.work_gap_terms("服务态度差，对熟人优亲厚友、吃拿卡要") == []
    assert quality.work_gap_terms("受理时收受申请人财物") == []


# ----------------------------------------------------------------------- near duplicates

A = "在行政许可受理环节，对不符合法定条件的申请违规受理，收受申请人财物或接受宴请。"
B = "在行政许可受理环节，对不符合法定条件的申请违规受理，收受申请人礼金或接受宴请。"  # 两字之差
C = "财务人员利用管理资金的便利，挪用公款或虚列支出套取资金，并以虚假票据报销。"


def test_texts_a_few_characters_apart_match():
    assert quality.jaccard(quality.shingles(A), quality.shingles(B)) >= quality.DUPLICATE_THRESHOLD
    groups = quality.near_duplicate_groups([(1, A), (2, B), (3, C)])
    assert [sorted(g) for g in groups] == [[1, 2]]


def test_unrelated_texts_and_punctuation_only_differences():
    assert quality.near_duplicate_groups([(1, A), (2, C)]) == []
    # Punctuation and spaces do not make a copy original.
    assert quality.near_duplicate_groups([(1, A), (2, A.replace("，", " ").replace("。", ""))]) == [[1, 2]]
    # Short texts legitimately recur.
    assert quality.near_duplicate_groups([(1, "违规受理"), (2, "违规受理")]) == []


def test_focus_limits_to_groups_touching_the_focus():
    docs = [(1, A), (2, B), (3, C), (4, C.replace("挪用", "侵占"))]
    assert [sorted(g) for g in quality.near_duplicate_groups(docs, focus={4})] == [[3, 4]]
    assert quality.near_duplicate_groups(docs, focus={9}) == []


def _corpus(n, seed=7):
    rng = random.Random(seed)
    verbs = ["违规受理", "收受财物", "泄露信息", "优亲厚友", "放宽标准", "虚报冒领", "串通投标", "挪用资金",
             "隐瞒不报", "私自减免", "压案不查", "超范围检查", "选择性执法", "虚开发票", "插手工程"]
    things = ["许可申请", "处罚案件", "采购项目", "补助资金", "检测报告", "考核成绩", "招标文件", "审批材料",
              "执法检查", "工程款项", "人事档案", "会议纪要"]
    who = ["受理人员", "审查人员", "科长", "分管领导", "会计", "出纳", "检测员", "执法人员", "采购员"]
    texts = []
    for i in range(n):
        parts = [rng.choice(who), "在", rng.choice(things), "中", rng.choice(verbs), "，", rng.choice(things),
                 rng.choice(verbs), "，编号", str(i * 7919 % 100003), "涉及", rng.choice(who), rng.choice(verbs)]
        texts.append((i, "".join(parts)))
    return texts


def test_near_duplicates_scale_without_comparing_every_pair(monkeypatch):
    n = 4000
    docs = _corpus(n)
    planted = [(n + k, docs[k * 97][1].replace("在", "于", 1)) for k in range(20)]
    calls = {"n": 0}
    original = quality.jaccard

    def counting(a, b):
        calls["n"] += 1
        return original(a, b)

    monkeypatch.setattr(quality, "jaccard", counting)
    groups = quality.near_duplicate_groups(docs + planted)
    found = {frozenset(g) for g in groups}
    for k in range(20):
        assert any({k * 97, n + k} <= g for g in found)
    # All pairs would be ~8 million comparisons; prefix filtering verifies a small fraction.
    assert calls["n"] < 40 * (n + 20)


# ----------------------------------------------------------------------- summary and page


@pytest.mark.django_db
def test_summary_counts_by_check(clean):
    _no_deadline(clean)
    _work_gap(clean)
    result = quality.summary([clean["unit"], Unit.objects.get(code="JZ-QS-SJJ")], YEAR)
    by_code = {row["code"]: row["count"] for row in result["by_check"]}
    assert by_code[quality.MEASURE_NO_DEADLINE] == 1 and by_code[quality.WORK_GAP] == 1
    assert result["findings"] == 2 and result["warnings"] == 2 and result["errors"] == 0
    assert result["units"] == 2 and result["units_with_findings"] == 1


@pytest.mark.django_db
def test_a_unit_costs_a_fixed_number_of_queries(clean, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        quality.check_unit(clean["unit"], YEAR)
    unit = clean["unit"]
    for i in range(30):
        add_measure(make_risk(unit, f"X{i:02d}", "AJK-JC1", "P1032", "low", f"现场检查第{i}项", "收受好处" * (i + 1)))
    with django_assert_max_num_queries(6):
        quality.check_unit(unit, YEAR)


@pytest.mark.django_db
def test_quality_page_lists_findings_and_keeps_to_the_users_units(clean, client_for):
    _vague(clean)
    client = client_for("juzhang")
    response = client.get(reverse("reports:quality"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-finding="measure_vague"' in html and "过于笼统" in html
    assert "青山县市场监督管理局" not in html  # not in the unit selector either
    peer = Unit.objects.get(code="JZ-QS-SJJ")
    assert client.get(reverse("reports:quality"), {"year": YEAR, "unit": peer.pk}).status_code == 404


@pytest.mark.django_db
def test_quality_page_for_staff_checks_only_their_own_records(clean, client_for):
    _work_gap(clean)  # R07 is 安全培训考核岗, not 林芳's post
    response = client_for("keyuan").get(reverse("reports:quality"), {"year": YEAR})
    assert response.status_code == 200
    assert 'data-finding="work_gap"' not in response.content.decode()
    admin = get_user_model().objects.get(username="admin")
    findings = quality.check_unit(clean["unit"], YEAR, user=admin)
    assert quality.WORK_GAP in codes(findings)


@pytest.mark.django_db
def test_coverage_counts_only_posts_whose_records_the_user_sees(clean, user_named):
    """Staff see the whole unit's posts but only their own posts' risk points: a
    colleague's post, or the head's 三重一大 power, is not theirs to have covered."""
    clean["risks"]["R06"].delete()  # 许可审查岗 is now really uncovered
    for username in ("keyuan", "shichang"):
        assert quality.check_unit(clean["unit"], YEAR, user=user_named(username)) == [], username
    assert codes(quality.check_unit(clean["unit"], YEAR, user=user_named("kezhang"))) == {quality.POST_NO_RISK}
    assert codes(quality.check_unit(clean["unit"], YEAR, user=user_named("juzhang"))) == {quality.POST_NO_RISK}
