"""Review chains over the demo organisation (DOMAIN.md §5)."""

import pytest
from django.core.exceptions import PermissionDenied

from lianfang.audit.models import AuditEntry
from lianfang.measures.models import Measure
from lianfang.orgs.models import Person, Post, Unit
from lianfang.reviews import chains
from lianfang.reviews.models import ChainRule, Review
from lianfang.risks.models import RiskCategory, RiskPoint
from lianfang.risks.services import apply_rating

SCORES = {"importance": 4, "discretion": 3, "probability": 3, "harm": 3, "attention": 3, "breadth": 2, "controls": 3}


def person(code):
    return Person.objects.get(code=code)


def new_risk(author_code, level="post", post_code=None, department=None):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    post = Post.objects.get(unit=unit, code=post_code) if post_code else None
    risk = RiskPoint(unit=unit, year=2026, code=f"R{RiskPoint.objects.count() + 1}", finding_level=level, post=post,
                     department=department, title="受理环节对不符合条件的申请违规受理", description="收受好处后放宽受理条件",
                     category=RiskCategory.objects.get(name="岗位职责"), author=person(author_code))
    apply_rating(risk, SCORES)
    risk.save()
    Measure.objects.create(risk=risk, content="实行一次性告知和受理回执制度", line="prevention", kind="rules")
    return risk


@pytest.mark.django_db
def test_staff_entry_goes_department_head_then_leader_in_charge(demo_org):
    risk = new_risk("P1042", post_code="SPK-SL")  # 林芳, 许可受理岗
    assert chains.submit(risk, person("P1042")) == ["dept_head", "leader_in_charge"]
    risk.refresh_from_db()
    assert chains.may_review(risk, person("P1041"))  # 何晓明, 行政审批科科长
    assert not chains.may_review(risk, person("P1002"))  # the leader in charge comes second
    assert [r.code for r in chains.inbox(person("P1041"))] == [risk.code]
    chains.approve(risk, person("P1041"))
    risk.refresh_from_db()
    assert chains.may_review(risk, person("P1002"))  # 李志强 分管 行政审批科
    assert chains.approve(risk, person("P1002")) == "approved"
    assert list(Review.objects.filter(risk=risk).values_list("decision", flat=True)) == [
        "submitted", "approved", "approved"]
    assert set(AuditEntry.objects.filter(object_id=str(risk.pk), object_type="risks.riskpoint")
               .values_list("action", flat=True)) >= {"submit", "approve"}


@pytest.mark.django_db
def test_a_return_restarts_the_chain_from_the_author(demo_org):
    risk = new_risk("P1042", post_code="SPK-SL")
    chains.submit(risk, person("P1042"))
    chains.approve(risk, person("P1041"))
    with pytest.raises(chains.ReviewError, match="理由"):
        chains.send_back(risk, person("P1002"), "  ")
    chains.send_back(risk, person("P1002"), "措施不适用：应明确受理时限")
    risk.refresh_from_db()
    assert risk.status == "returned" and not chains.may_review(risk, person("P1041"))
    chains.submit(risk, person("P1042"))
    risk.refresh_from_db()
    assert risk.review_round == 2 and chains.may_review(risk, person("P1041"))  # from the first reviewer again
    assert Review.objects.filter(risk=risk, decision="returned", reason__contains="措施不适用").exists()


@pytest.mark.django_db
def test_nobody_reviews_their_own_entry_and_strangers_cannot_review(demo_org):
    risk = new_risk("P1041", post_code="SPK-KZ")  # a department head's own post
    assert chains.submit(risk, person("P1041")) == ["leader_in_charge", "steering_group"]
    risk.refresh_from_db()
    with pytest.raises(PermissionDenied):
        chains.approve(risk, person("P1041"))
    with pytest.raises(PermissionDenied):
        chains.approve(risk, person("P1031"))  # another department head
    chains.approve(risk, person("P1002"))
    risk.refresh_from_db()
    assert chains.current_role(risk) == "steering_group" and chains.may_review(risk, person("P1011"))


@pytest.mark.django_db
def test_leadership_and_unit_head_and_department_entries(demo_org):
    leader = new_risk("P1002", level="leadership", post_code="L-FJZ1")
    assert chains.submit(leader, person("P1002")) == ["unit_head", "steering_group"]
    head = new_risk("P1001", level="leadership", post_code="L-JZ")
    assert chains.submit(head, person("P1001")) == ["steering_group", "higher_level"]
    head.refresh_from_db()
    assert chains.reviewers_for(head, "higher_level").filter(code="P0101").exists()  # 县纪委书记
    from lianfang.orgs.models import Department

    department = new_risk("P1041", level="department", department=Department.objects.get(unit__code="JZ-QS-MAJ",
                                                                                          code="SPK"))
    assert chains.submit(department, person("P1041")) == ["peer_review", "steering_group", "party_group"]
    department.refresh_from_db()
    assert not chains.may_review(department, person("P1041"))
    assert chains.may_review(department, person("P1031"))  # a peer department's head


@pytest.mark.django_db
def test_the_chain_rules_are_data_a_unit_can_adjust(demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    ChainRule.objects.create(unit=unit, author_rank="staff", finding_level="any", steps=["dept_head"])
    risk = new_risk("P1042", post_code="SPK-SL")
    assert chains.submit(risk, person("P1042")) == ["dept_head"]
    assert chains.approve(risk, person("P1041")) == "approved"


@pytest.mark.django_db
def test_a_chain_with_nobody_to_review_is_refused_before_it_starts(demo_org):
    from lianfang.orgs.models import Charge

    Charge.objects.filter(department__code="SPK", department__unit__code="JZ-QS-MAJ").delete()
    risk = new_risk("P1042", post_code="SPK-SL")
    with pytest.raises(chains.ReviewError, match="分管领导"):
        chains.submit(risk, person("P1042"))
    risk.refresh_from_db()
    assert risk.status == "draft"


@pytest.mark.django_db
def test_bulk_approval_reports_each_refusal(demo_org):
    mine = new_risk("P1042", post_code="SPK-SL")
    other = new_risk("P1032", post_code="AJK-JC1")  # 安全监察科: not 何晓明's department
    for risk, author in ((mine, "P1042"), (other, "P1032")):
        chains.submit(risk, person(author))
    done, problems = chains.approve_many(RiskPoint.objects.filter(pk__in=[mine.pk, other.pk]), person("P1041"))
    assert done == 1 and len(problems) == 1 and other.code in problems[0]
