"""Recording that a measure's rule was issued (rule_done_at): from the risk
detail page and the measures overview, for those who may change the measure,
with Chinese refusals for a future or invalid date and for a measure that
names no rule, and an audit entry for every change."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from lianfang.audit.models import AuditEntry
from lianfang.measures.models import Measure
from lianfang.measures.services import MeasureError, record_rule_issued
from lianfang.orgs.models import Post, Unit
from lianfang.risks.models import RiskCategory, RiskPoint

TODAY = timezone.localdate()


@pytest.fixture
def measures(demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    risk = RiskPoint.objects.create(
        unit=unit, year=TODAY.year, code="SL-1", finding_level="post", post=Post.objects.get(unit=unit, code="SPK-SL"),
        title="受理环节违规受理", description="收受好处后放宽受理条件", category=RiskCategory.objects.get(name="岗位职责"),
        inherent_level="medium", status="approved")
    with_rule = Measure.objects.create(risk=risk, content="制定受理工作规程，明确受理条件和时限", line="prevention",
                                       kind="rules", owner_text="行政审批科", rule_name="行政许可受理工作规程",
                                       rule_due=TODAY - dt.timedelta(days=5))
    without = Measure.objects.create(risk=risk, content="受理台账每月由科长抽查", line="monitoring",
                                     kind="supervision", owner_text="行政审批科")
    return {"risk": risk, "rule": with_rule, "plain": without}


def post(client, measure, **data):
    return client.post(reverse("risks:measure_status", args=[measure.pk]), {"action": "rule", **data})


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def rule_entries(measure):
    return AuditEntry.objects.filter(object_type="measures.measure", object_id=str(measure.pk), action="update")


@pytest.mark.django_db
def test_the_holder_records_the_issue_date_and_it_is_audited(client_for, user_named, measures):
    measure = measures["rule"]
    assert measure.rule_overdue
    issued = TODAY - dt.timedelta(days=3)
    response = post(client_for("keyuan"), measure, rule_done_at=issued.isoformat())
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:detail", args=[measures["risk"].pk]) + f"#measure-{measure.pk}"
    assert any("已登记《行政许可受理工作规程》" in t for t in texts(response))
    measure.refresh_from_db()
    assert measure.rule_done_at == issued and not measure.rule_overdue
    entry = rule_entries(measure).get()
    assert entry.actor_id == user_named("keyuan").pk
    assert entry.changes == {"rule_done_at": [None, issued.isoformat()]}


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "says"), [
    ((TODAY + dt.timedelta(days=1)).isoformat(), "不能晚于今天"),
    ("2026-13-01", "有效的制度印发日期"),
    ("", "请填写制度印发日期"),
])
def test_a_bad_date_is_refused_in_chinese_and_nothing_is_written(client_for, measures, value, says):
    response = post(client_for("keyuan"), measures["rule"], rule_done_at=value)
    assert response.status_code == 302
    assert any(says in t for t in texts(response))
    measures["rule"].refresh_from_db()
    assert measures["rule"].rule_done_at is None
    assert not rule_entries(measures["rule"]).exists()


@pytest.mark.django_db
def test_a_measure_without_a_rule_is_refused(client_for, measures):
    response = post(client_for("kezhang"), measures["plain"], rule_done_at=TODAY.isoformat())
    assert any("没有需要制定或修订的制度" in t for t in texts(response))
    measures["plain"].refresh_from_db()
    assert measures["plain"].rule_done_at is None
    with pytest.raises(MeasureError, match="没有需要制定或修订的制度"):
        record_rule_issued(measures["plain"], TODAY)
    with pytest.raises(MeasureError, match="不能晚于今天"):
        record_rule_issued(measures["rule"], TODAY + dt.timedelta(days=1))


@pytest.mark.django_db
def test_only_those_who_may_change_the_measure(client_for, measures):
    measure = measures["rule"]
    # The discipline group and the county see the measure but do not change it.
    for username in ("jijian", "xianjiwei"):
        response = post(client_for(username), measure, rule_done_at=TODAY.isoformat())
        assert response.status_code == 302 and any("您不能登记" in t for t in texts(response)), username
    # A peer unit does not even learn that it exists.
    assert post(client_for("shichang"), measure, rule_done_at=TODAY.isoformat()).status_code == 404
    measure.refresh_from_db()
    assert measure.rule_done_at is None and not rule_entries(measure).exists()
    # The department head may.
    post(client_for("kezhang"), measure, rule_done_at=TODAY.isoformat())
    measure.refresh_from_db()
    assert measure.rule_done_at == TODAY


@pytest.mark.django_db
def test_a_registration_can_be_corrected_and_withdrawn(client_for, measures):
    measure = measures["rule"]
    client = client_for("keyuan")
    post(client, measure, rule_done_at=(TODAY - dt.timedelta(days=9)).isoformat())
    post(client, measure, rule_done_at=(TODAY - dt.timedelta(days=2)).isoformat())
    measure.refresh_from_db()
    assert measure.rule_done_at == TODAY - dt.timedelta(days=2)
    response = post(client, measure, clear="1")
    assert any("已撤销" in t for t in texts(response))
    measure.refresh_from_db()
    assert measure.rule_done_at is None
    assert rule_entries(measure).count() == 3


@pytest.mark.django_db
def test_the_forms_appear_where_the_user_may_use_them(client_for, measures):
    detail = reverse("risks:detail", args=[measures["risk"].pk])
    overview = reverse("risks:measures")
    marker = f'data-rule-form="{measures["rule"].pk}"'
    for username, shown in (("keyuan", True), ("kezhang", True), ("jijian", False)):
        client = client_for(username)
        assert (marker in client.get(detail).content.decode()) is shown, username
        assert (marker in client.get(overview).content.decode()) is shown, username
    html = client_for("keyuan").get(overview).content.decode()
    assert f'data-rule-form="{measures["plain"].pk}"' not in html  # no rule, no form


@pytest.mark.django_db
def test_from_the_overview_the_user_comes_back_to_it_and_never_elsewhere(client_for, measures):
    client = client_for("keyuan")
    back = reverse("risks:measures") + "?status=planned"
    response = post(client, measures["rule"], rule_done_at=TODAY.isoformat(), next=back)
    assert response["Location"] == back
    html = client.get(back).content.decode()
    assert f'data-rule-done="{TODAY.isoformat()}"' in html
    response = post(client, measures["rule"], rule_done_at=TODAY.isoformat(), next="https://example.com/")
    assert response["Location"].startswith(reverse("risks:detail", args=[measures["risk"].pk]))
