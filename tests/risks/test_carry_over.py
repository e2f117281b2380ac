"""回头看: carrying last year's risk points into the new year as drafts, over HTTP
(who may carry what, what is copied, idempotence, refusal, audit) and through
the service (all or nothing)."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from lianfang.audit.models import AuditEntry
from lianfang.measures.models import Measure
from lianfang.orgs.models import Person, Post, PostAssignment, Unit
from lianfang.risks.models import DiscoveryMethod, RiskCategory, RiskPoint
from lianfang.risks.services import (
    CarryOverError,
    apply_rating,
    assign_responsibility,
    carry_over,
    default_responsible,
)

SCORES = {"importance": 4, "discretion": 3, "probability": 3, "harm": 3, "attention": 3, "breadth": 2, "controls": 3}
URL = reverse("risks:carry_over")
YEARS = {"from": "2025", "to": "2026"}


def make_risk(post_code, code, *, year=2025, unit_code="JZ-QS-MAJ", status="approved", level="post"):
    unit = Unit.objects.get(code=unit_code)
    post = Post.objects.get(unit=unit, code=post_code) if post_code else None
    risk = RiskPoint(unit=unit, year=year, code=code, finding_level=level, post=post, title=f"{code} 违规受理",
                     description="收受好处后放宽受理条件", cause="受理标准不公开",
                     category=RiskCategory.objects.get(name="岗位职责"), status=status)
    if status == "approved":
        risk.review_chain, risk.review_round, risk.review_step = ["dept_head", "leader_in_charge"], 1, 2
    apply_rating(risk, SCORES)
    risk.department = post.department if post else None
    holder = PostAssignment.objects.current().filter(post=post).first() if post else None
    risk.person = holder.person if holder else None  # as the form fills it
    assign_responsibility(risk)
    risk.save()
    risk.discovery.set(DiscoveryMethod.objects.all()[:2])
    Measure.objects.create(risk=risk, content="实行一次性告知和受理回执制度", line="prevention", kind="rules",
                           owner=Person.objects.get(code="P1041"), deadline=dt.date(year, 6, 30),
                           status="done", rule_name="受理工作规程", rule_due=dt.date(year, 5, 1),
                           rule_done_at=dt.date(year, 4, 20))
    Measure.objects.create(risk=risk, content="受理台账每月由科长抽查", line="monitoring", kind="supervision",
                           owner_text="行政审批科", deadline=dt.date(year, 12, 31), rule_name="受理台账抽查办法",
                           rule_due=dt.date(year, 9, 30))
    return risk


@pytest.fixture
def last_year(demo_org):
    return {
        "SL-1": make_risk("SPK-SL", "SL-1"),
        "SC-1": make_risk("SPK-SC", "SC-1", status="draft"),
        "AJK-1": make_risk("AJK-JC1", "AJK-1"),
        "LD-1": make_risk("L-FJZ1", "LD-1", level="leadership"),
    }


def candidate_codes(response) -> set[str]:
    html = response.content.decode()
    table = html.split('id="lf-candidates"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<tr data-code="([^"]+)"', table))


def carried_codes(response) -> set[str]:
    html = response.content.decode()
    table = html.split('id="lf-carried"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<tr data-code="([^"]+)"', table))


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def new_year(unit_code="JZ-QS-MAJ"):
    return RiskPoint.objects.filter(unit__code=unit_code, year=2026)


# ---------------------------------------------------------------- who may carry what


@pytest.mark.django_db
def test_the_list_page_links_to_the_screen_for_those_who_record_risks(client_for, last_year):
    assert 'id="lf-carry-over-link"' in client_for("keyuan").get(reverse("risks:index")).content.decode()
    assert 'id="lf-carry-over-link"' in client_for("lianban").get(reverse("risks:index")).content.decode()


@pytest.mark.django_db
def test_each_user_is_offered_what_they_may_change(client_for, last_year):
    assert candidate_codes(client_for("lianban").get(URL, YEARS)) == {"SL-1", "SC-1", "AJK-1", "LD-1"}
    assert candidate_codes(client_for("kezhang").get(URL, YEARS)) == {"SL-1", "SC-1"}
    assert candidate_codes(client_for("keyuan").get(URL, YEARS)) == {"SL-1"}


@pytest.mark.django_db
def test_a_peer_unit_sees_nothing_and_cannot_reach_the_unit(client_for, last_year):
    client = client_for("shichang")
    response = client.get(URL, YEARS)
    assert response.status_code == 200 and candidate_codes(response) == set()
    assert "SL-1" not in response.content.decode()
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    assert client.get(URL, {**YEARS, "unit": unit.pk}).status_code == 404
    assert client.post(URL, {**YEARS, "unit": unit.pk, "scope": "all"}).status_code == 404
    assert client.post(URL, {**YEARS, "unit": unit.pk, "scope": "selected",
                             "risk": [r.pk for r in last_year.values()]}).status_code == 404
    # Posting the other unit's ids against one's own unit copies nothing either.
    response = client.post(URL, {**YEARS, "scope": "selected", "risk": [r.pk for r in last_year.values()]})
    assert response.status_code == 302
    assert not RiskPoint.objects.filter(year=2026).exists()


@pytest.mark.django_db
def test_accounts_without_a_post_are_refused_and_anonymous_users_sent_to_log_in(client, last_year):
    assert client.get(URL).status_code == 302
    get_user_model().objects.create_user("nobody", password="x-Passw0rd-1")
    client.login(username="nobody", password="x-Passw0rd-1")
    assert client.get(URL).status_code == 403
    assert client.post(URL, {**YEARS, "scope": "all"}).status_code == 403
    assert not RiskPoint.objects.filter(year=2026).exists()


@pytest.mark.django_db
def test_staff_carry_only_their_own_posts_entries(client_for, last_year):
    client = client_for("keyuan")
    response = client.post(URL, {**YEARS, "scope": "selected",
                                 "risk": [r.pk for r in last_year.values()]})  # asks for all four
    assert response.status_code == 302
    assert set(new_year().values_list("code", flat=True)) == {"SL-1"}


# ---------------------------------------------------------------- the copy


@pytest.mark.django_db
def test_carrying_all_copies_drafts_that_point_back_with_measures_without_deadlines(client_for, last_year):
    client = client_for("lianban")
    response = client.post(URL, {**YEARS, "scope": "all"})
    assert response.status_code == 302
    assert any("已将 4 条风险点结转到 2026 年度" in t for t in texts(response))
    copies = {r.code: r for r in new_year().select_related("previous")}
    assert set(copies) == {"SL-1", "SC-1", "AJK-1", "LD-1"}
    for code, copy in copies.items():
        old = last_year[code]
        assert copy.previous_id == old.pk and copy.status == "draft"
        assert (copy.review_chain, copy.review_round, copy.review_step) == ([], 0, 0)
        assert (copy.title, copy.description, copy.cause, copy.post_id, copy.department_id) == (
            old.title, old.description, old.cause, old.post_id, old.department_id)
        assert copy.inherent_level == old.inherent_level and copy.responsible_id == old.responsible_id
        assert set(copy.discovery.all()) == set(old.discovery.all()) and copy.discovery.exists()
        measures = list(copy.measures.order_by("sort_order", "pk"))
        assert [m.content for m in measures] == [m.content for m in old.measures.order_by("sort_order", "pk")]
        assert all(m.deadline is None and m.rule_due is None and m.rule_done_at is None for m in measures)
        assert all(m.status == "planned" and m.done_at is None for m in measures)
        # The rule written last year is not to be written again; the one still due is.
        assert [m.rule_name for m in measures] == ["", "受理台账抽查办法"]
    # Last year's entries are untouched.
    assert RiskPoint.objects.get(pk=last_year["SL-1"].pk).status == "approved"
    assert Measure.objects.filter(risk__year=2025, deadline__isnull=True).count() == 0

    page = client.get(URL, YEARS)
    assert candidate_codes(page) == set()
    assert carried_codes(page) == {"SL-1", "SC-1", "AJK-1", "LD-1"}
    html = client.get(reverse("risks:detail", args=[copies["SL-1"].pk])).content.decode()
    assert "上年度风险点" in html
    assert f'href="{reverse("risks:detail", args=[last_year["SL-1"].pk])}"' in html
    assert "内容与上年度相同" in html


@pytest.mark.django_db
def test_selected_entries_only(client_for, last_year):
    client = client_for("lianban")
    client.post(URL, {**YEARS, "scope": "selected", "risk": [last_year["AJK-1"].pk, last_year["LD-1"].pk]})
    assert set(new_year().values_list("code", flat=True)) == {"AJK-1", "LD-1"}
    assert candidate_codes(client.get(URL, YEARS)) == {"SL-1", "SC-1"}
    response = client.post(URL, {**YEARS, "scope": "selected"})
    assert any("没有选中" in t for t in texts(response))
    client.post(URL, {**YEARS, "scope": "all"})
    response = client.post(URL, {**YEARS, "scope": "all"})
    assert any("没有需要结转的风险点" in t for t in texts(response))
    assert new_year().count() == 4


@pytest.mark.django_db
def test_a_second_post_copies_nothing(client_for, last_year):
    client = client_for("lianban")
    client.post(URL, {**YEARS, "scope": "all"})
    ids = set(new_year().values_list("pk", flat=True))
    assert len(ids) == 4
    again = client.post(URL, {**YEARS, "scope": "all"})
    assert again.status_code == 302
    # The same ids posted again (a stale page, a double click) copy nothing either.
    stale = client.post(URL, {**YEARS, "scope": "selected", "risk": [r.pk for r in last_year.values()]})
    assert stale.status_code == 302
    assert set(new_year().values_list("pk", flat=True)) == ids
    assert carry_over(Unit.objects.get(code="JZ-QS-MAJ"), 2025, 2026) == 0
    assert AuditEntry.objects.filter(object_type="risks.carry_over").count() == 1


@pytest.mark.django_db
def test_an_entry_whose_code_is_taken_this_year_is_shown_and_left_alone(client_for, last_year):
    make_risk("SPK-SL", "SL-1", year=2026, status="draft")  # recorded by hand this year, no link back
    client = client_for("lianban")
    page = client.get(URL, YEARS).content.decode()
    assert "已有相同编号的风险点" in page
    client.post(URL, {**YEARS, "scope": "all"})
    assert new_year().filter(previous__isnull=False).count() == 3
    assert new_year().filter(code="SL-1", previous__isnull=True).exists()


@pytest.mark.django_db
def test_carrying_into_a_year_not_after_the_source_is_refused(client_for, last_year):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    for to_year in (2025, 2024):
        with pytest.raises(CarryOverError, match="更晚的年度"):
            carry_over(unit, 2025, to_year)
    client = client_for("lianban")
    page = client.get(URL, {"from": "2025", "to": "2025"}).content.decode()
    assert 'id="lf-year-error"' in page and "更晚的年度" in page
    response = client.post(URL, {"from": "2025", "to": "2024", "scope": "all"})
    assert any("更晚的年度" in t for t in texts(response))
    assert RiskPoint.objects.filter(unit=unit).count() == 4


@pytest.mark.django_db
def test_the_copy_is_all_or_nothing(last_year, monkeypatch):
    calls = {"n": 0}
    real = Measure.objects.bulk_create

    def failing(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Measure.objects, "bulk_create", failing)
    with pytest.raises(RuntimeError):
        carry_over(Unit.objects.get(code="JZ-QS-MAJ"), 2025, 2026)
    assert not new_year().exists()
    assert not Measure.objects.filter(risk__year=2026).exists()
    assert not AuditEntry.objects.filter(object_type="risks.carry_over").exists()


# ---------------------------------------------------------------- audit and the detail page


@pytest.mark.django_db
def test_the_carry_over_is_audited(client_for, user_named, last_year):
    client_for("kezhang").post(URL, {**YEARS, "scope": "all"})
    entry = AuditEntry.objects.get(object_type="risks.carry_over")
    kezhang = user_named("kezhang")
    assert entry.actor_id == kezhang.pk and entry.action == "create"
    assert entry.unit_id == Unit.objects.get(code="JZ-QS-MAJ").pk
    assert entry.changes["copied"] == 2 and entry.changes["measures"] == 4
    assert {(r["from"], r["code"]) for r in entry.changes["risks"]} == {
        (last_year["SL-1"].pk, "SL-1"), (last_year["SC-1"].pk, "SC-1")}
    # Each new risk point has its own creation entry as well.
    created = set(AuditEntry.objects.filter(object_type="risks.riskpoint", action="create", actor_id=kezhang.pk)
                  .values_list("object_id", flat=True))
    assert created == {str(pk) for pk in new_year().values_list("pk", flat=True)}


@pytest.mark.django_db
def test_the_detail_page_shows_what_changed_since_last_year(client_for, last_year):
    client = client_for("lianban")
    client.post(URL, {**YEARS, "scope": "all"})
    copy = new_year().get(code="SL-1")
    copy.title = "受理环节对不符合条件的申请违规受理"
    copy.save()
    copy.measures.filter(rule_name="").update(content="受理条件和材料清单在大厅和网站公开")
    html = client.get(reverse("risks:detail", args=[copy.pk])).content.decode()
    changes = html.split('id="lf-changes"', 1)[1].split("</table>", 1)[0]
    assert 'data-field="title"' in changes and "SL-1 违规受理" in changes
    assert 'data-field="measures"' in changes and "受理条件和材料清单在大厅和网站公开" in changes
    assert 'data-field="description"' not in changes


@pytest.mark.django_db
def test_the_copy_goes_to_whoever_holds_the_post_now(last_year):
    """轮岗: 林芳 has left the 许可受理岗 and the unit; 高峰 holds it now."""
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    post = Post.objects.get(unit=unit, code="SPK-SL")
    lin, gao = Person.objects.get(code="P1042"), Person.objects.get(code="P1044")
    mine = last_year["SL-1"]
    RiskPoint.objects.filter(pk=mine.pk).update(person=lin, author=lin)
    mine.measures.update(owner=lin)
    department_entry = last_year["SC-1"]
    RiskPoint.objects.filter(pk=department_entry.pk).update(author=Person.objects.get(code="P1041"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    PostAssignment.objects.filter(person=lin).update(end_date=yesterday)
    Person.objects.filter(pk=lin.pk).update(is_active=False)
    PostAssignment.objects.create(person=gao, post=post, start_date=yesterday)

    assert carry_over(unit, 2025, 2026) == 4
    copy = new_year().get(code="SL-1")
    assert copy.person_id == gao.pk and copy.author_id == gao.pk
    assert set(copy.measures.values_list("owner_id", flat=True)) == {None}
    assert copy.responsible_id == default_responsible(copy)[0].pk
    # 何晓明 still heads the department: his entry stays his.
    assert new_year().get(code="SC-1").author.code == "P1041"
