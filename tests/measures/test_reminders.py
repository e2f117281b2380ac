"""Deadline reminders for measures and rules, and the notification screen."""

import datetime as dt

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import NoReverseMatch, include, path, reverse

TODAY = dt.date(2026, 11, 23)
SCORES = {"importance": 4, "discretion": 3, "probability": 3, "harm": 3, "attention": 3, "breadth": 2, "controls": 3}


def _urlpatterns():
    from lianfang.urls import urlpatterns

    try:
        reverse("notifications:list")
        return urlpatterns
    except NoReverseMatch:
        return [*urlpatterns, path("notifications/", include("lianfang.notifications.urls"))]


urlpatterns = _urlpatterns() if apps.is_installed("lianfang.notifications") else []


def person(code):
    from lianfang.orgs.models import Person

    return Person.objects.get(code=code)


@pytest.fixture
def measure(demo_org):
    """A measure owned by 林芳 (许可受理岗, login keyuan) on a medium risk, whose
    responsible leader is 李志强 (分管副局长, login fuju): due in 7 days."""
    from lianfang.measures.models import Measure
    from lianfang.orgs.models import Post, Unit
    from lianfang.risks.models import RiskCategory, RiskPoint
    from lianfang.risks.services import apply_rating, assign_responsibility

    unit = Unit.objects.get(code="JZ-QS-MAJ")
    risk = RiskPoint(unit=unit, year=2026, code="GW-SPK-SL-99", finding_level="post",
                     post=Post.objects.get(unit=unit, code="SPK-SL"), title="对材料不全的申请违规受理",
                     description="对熟人申请放宽受理条件", category=RiskCategory.objects.get(name="岗位职责"))
    risk.department = risk.post.department
    apply_rating(risk, SCORES)
    assign_responsibility(risk)
    risk.save()
    assert risk.responsible.code == "P1002"
    return Measure.objects.create(risk=risk, content="实行一次性告知和首问负责制，受理回执统一编号登记",
                                  line="prevention", kind="rules", owner=person("P1042"),
                                  deadline=TODAY + dt.timedelta(days=7), status="in_progress")


def sent():
    from lianfang.notifications.models import Notification

    return list(Notification.objects.order_by("pk").values_list("person__code", "key"))


def run(day):
    from lianfang.measures.reminders import send_reminders

    return send_reminders(day)


@pytest.mark.django_db
def test_each_stage_fires_exactly_once_for_owner_and_responsible_leader(measure):
    fired = {}
    for offset in range(0, 24):
        day = TODAY + dt.timedelta(days=offset)
        before = len(sent())
        counts = run(day)
        again = run(day)  # a second run the same day sends nothing
        assert again["notifications"] == 0
        if len(sent()) > before:
            fired[offset] = counts
    # 7 days before, 1 day before, the day after, and weekly after that.
    assert sorted(fired) == [0, 6, 8, 15, 22]
    assert all(c["notifications"] == 2 for c in fired.values())
    assert fired[0]["measure_due"] == 1 and fired[8]["measure_overdue"] == 1
    keys = [key for code, key in sent() if code == "P1042"]
    assert [k.rsplit(":", 1)[1] for k in keys] == ["due7", "due1", "overdue0", "overdue1", "overdue2"]
    assert {code for code, _ in sent()} == {"P1042", "P1002"}


@pytest.mark.django_db
def test_a_missed_day_catches_up_with_the_most_urgent_stage_only(measure):
    counts = run(TODAY + dt.timedelta(days=7))
    assert counts["measure_due"] == 1  # due today: stage "1 day", not "7 days" as well
    assert [k.rsplit(":", 1)[1] for _, k in sent()] == ["due1", "due1"]
    assert run(TODAY + dt.timedelta(days=30))["measure_overdue"] == 1  # 23 days late: one "week 3" reminder
    assert run(TODAY + dt.timedelta(days=31))["notifications"] == 0


@pytest.mark.django_db
def test_done_measures_are_quiet_and_a_moved_deadline_starts_afresh(measure):
    from lianfang.notifications.models import Notification

    assert run(TODAY)["notifications"] == 2
    measure.deadline = TODAY + dt.timedelta(days=1)
    measure.save()
    assert run(TODAY)["notifications"] == 2  # new date, new key
    measure.status, measure.done_at = "done", TODAY
    measure.save()
    assert run(TODAY + dt.timedelta(days=10))["notifications"] == 0
    note = Notification.objects.filter(person__code="P1042").first()
    assert "防控措施" in note.title and "GW-SPK-SL-99" in note.body and note.recipient.username == "keyuan"


@pytest.mark.django_db
def test_rules_to_write_are_reminded_until_written(measure):
    measure.status, measure.done_at = "done", TODAY
    measure.rule_name, measure.rule_due = "《县煤监局行政许可受理工作规范》", TODAY + dt.timedelta(days=1)
    measure.save()
    counts = run(TODAY)
    assert counts["rule_due"] == 1 and counts["measure_due"] == 0
    assert run(TODAY + dt.timedelta(days=2))["rule_overdue"] == 1
    from lianfang.notifications.models import Notification

    assert Notification.objects.filter(title__contains="制度《县煤监局行政许可受理工作规范》").count() == 4
    measure.rule_done_at = TODAY + dt.timedelta(days=3)
    measure.save()
    assert run(TODAY + dt.timedelta(days=9))["notifications"] == 0


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:The EMAIL_HOST setting is deprecated")
def test_email_only_when_a_mail_server_is_configured(measure, settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="fuju").update(email="lizhiqiang@example.org")
    get_user_model().objects.filter(username="keyuan").update(email="linfang@example.org")
    assert not settings.is_overridden("EMAIL_HOST") and not hasattr(settings, "MAILERS")
    assert run(TODAY)["emails"] == 0  # nothing configured: in-app only
    assert mail.outbox == []
    settings.EMAIL_HOST = "smtp.example.org"  # the test environment swaps in the locmem backend
    counts = run(TODAY + dt.timedelta(days=6))
    assert counts["emails"] == 2 and len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {"linfang@example.org", "lizhiqiang@example.org"}
    assert mail.outbox[0].subject.startswith("【廉防】") and "1天后到期" in mail.outbox[0].subject
    assert "GW-SPK-SL-99" in mail.outbox[0].body
    run(TODAY + dt.timedelta(days=6))
    assert len(mail.outbox) == 2  # nothing twice


@pytest.mark.django_db
def test_email_through_a_configured_default_mailer(measure, settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="keyuan").update(email="linfang@example.org")
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert run(TODAY)["emails"] == 1  # 李志强 has no address: in-app only
    assert [m.to for m in mail.outbox] == [["linfang@example.org"]]
    settings.LIANFANG_NOTIFY_EMAIL = False
    assert run(TODAY + dt.timedelta(days=6))["emails"] == 0


@pytest.mark.django_db
def test_people_without_login_still_get_notified_and_see_it_later(demo_org, measure):
    from django.contrib.auth import get_user_model

    from lianfang.notifications.models import Notification

    measure.owner = person("P1043")  # 罗刚: no login
    measure.save()
    run(TODAY)
    note = Notification.objects.get(person__code="P1043")
    assert note.recipient is None
    user = get_user_model().objects.create(username="luogang")
    person("P1043").__class__.objects.filter(code="P1043").update(user=user)
    assert Notification.objects.for_user(user).count() == 1


@pytest.mark.django_db
def test_command_and_task(measure):
    from io import StringIO

    from lianfang.measures.tasks import send_reminders_task

    out = StringIO()
    call_command("measures", "remind", "--date", TODAY.isoformat(), "--json", stdout=out)
    assert '"notifications": 2' in out.getvalue()
    result = send_reminders_task.call((TODAY + dt.timedelta(days=6)).isoformat())
    assert result["measure_due"] == 1


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_list_mark_read_and_unread_count(measure, client_for, user_named):
    from lianfang.notifications.context_processors import notifications
    from lianfang.notifications.models import Notification

    run(TODAY)
    run(TODAY + dt.timedelta(days=6))
    client = client_for("keyuan")
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    assert "防控措施将于7天后到期" in page.content.decode() and "防控措施将于1天后到期" in page.content.decode()
    request = RequestFactory().get("/")
    request.user = user_named("keyuan")
    assert notifications(request) == {"unread_notifications": 2}
    first = Notification.objects.filter(person__code="P1042").first()
    client.post(reverse("notifications:read", args=[first.pk]))
    assert notifications(request) == {"unread_notifications": 1}
    # Nobody else's notifications can be touched.
    other = Notification.objects.filter(person__code="P1002").first()
    assert client.post(reverse("notifications:read", args=[other.pk])).status_code == 404
    assert client.get(reverse("notifications:list") + "?unread=1").context["page"].paginator.count == 1
    client.post(reverse("notifications:read_all"))
    assert notifications(request) == {"unread_notifications": 0}
    assert Notification.objects.filter(person__code="P1002", read_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_a_measure_nobody_answers_for_goes_to_the_steering_office(measure):
    measure.owner, measure.owner_text = None, "县纪委监委"
    measure.save()
    risk = measure.risk
    risk.responsible, risk.responsible_body = None, "上级纪委（主要负责人的高等级风险）"
    risk.save()
    counts = run(TODAY)
    assert counts["notifications"] == 1 and counts["unaddressed"] == 0
    assert [code for code, _ in sent()] == ["P1011"]  # 杨丽, 领导小组办公室主任
