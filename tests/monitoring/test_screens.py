"""The supervision screens over HTTP with the demo data: who may see them, the
figures, the clocks, drill-down lists, the case timeline on its flowchart, the
quarterly ranking, event-API tokens (issue once, revoke, audited) and the
"立即比对" button."""

import re

import pytest
from django.urls import reverse

from lianfang.alerts.models import Alert
from lianfang.audit.models import AuditEntry
from lianfang.demo import events as demo_events
from lianfang.monitoring import screens
from lianfang.monitoring.models import CaseEvent, Finding, IngestToken
from lianfang.orgs.models import Unit


@pytest.fixture
def demo(demo_org):
    from lianfang.demo import powers

    powers.load()
    demo_events.load()
    return Unit.objects.get(code=demo_events.MAJ), Unit.objects.get(code=demo_events.SJJ)


def url(name, unit, *args):
    return reverse(f"monitoring:{name}", args=[unit.pk, *args])


def test_who_may_see_the_supervision_screens(demo, client_for, client):
    maj, sjj = demo
    for login in ("juzhang", "lianban", "jijian", "xianjiwei"):
        c = client_for(login)
        assert c.get(url("unit", maj)).status_code == 200, login
        assert c.get(url("findings", maj)).status_code == 200, login
        client.logout()
    c = client_for("xianjiwei")  # the county group sees both bureaus
    assert c.get(url("unit", sjj)).status_code == 200
    page = c.get(reverse("monitoring:index")).content.decode()
    assert maj.name in page and sjj.name in page
    client.logout()
    c = client_for("juzhang")  # a unit head sees their own bureau only
    assert c.get(reverse("monitoring:index")).status_code == 302
    assert c.get(url("unit", sjj)).status_code == 404
    client.logout()
    for login in ("keyuan", "shichang"):
        c = client_for(login)
        assert c.get(reverse("monitoring:index")).status_code == 403, login
        for name in ("unit", "findings", "cases", "ranking", "tokens"):
            assert c.get(url(name, maj)).status_code == 404, (login, name)
        case_id = CaseEvent.objects.filter(unit=maj).values_list("case_id", flat=True).first()
        assert c.get(url("case", maj, case_id)).status_code == 404
        assert c.post(url("run", maj)).status_code == 404
        client.logout()


def test_the_unit_page_shows_the_figures(demo, client_for):
    maj, _ = demo
    response = client_for("jijian").get(url("unit", maj), {"as_of": "2026-10-31"})
    page = response.content.decode()
    live = Finding.objects.filter(unit=maj, retracted=False)
    cases = set(CaseEvent.objects.filter(unit=maj).values_list("case_id", flat=True))
    fig = response.context["fig"]
    assert fig["events"] == CaseEvent.objects.filter(unit=maj).count()
    assert fig["cases"] == len(cases) == fig["open"] + fig["closed"] and fig["open"] > 0
    for severity in ("warning", "yellow", "red"):
        assert fig["findings"][severity] == live.filter(severity=severity).count()
        assert f'id="fig-{severity}">{fig["findings"][severity]}<' in page
    assert fig["alerts_open"] == Alert.objects.filter(unit=maj).count() > 0
    assert "vendor/echarts/echarts.min.js" in page and "cdn" not in page.lower()
    assert "立即比对" not in page  # the discipline group reads; the office runs the engine
    # clocks: most urgent first, with the colours of the progress bars
    clocks = response.context["clocks"]
    assert clocks and [c["ratio"] for c in clocks] == sorted((c["ratio"] for c in clocks), reverse=True)
    assert clocks[0]["ratio"] > 1 and "bg-danger" in page
    # breakdowns add up
    by_rule = response.context["by_rule"]
    assert sum(r["total"] for r in by_rule) == live.count()
    assert sum(r["total"] for r in response.context["by_department"]) == live.count()
    assert any(r["label"].startswith(("马俊", "朱晓东", "胡斌", "郭静", "何晓明", "罗刚", "林芳", "李志强", "周文斌"))
               for r in response.context["by_actor"])
    assert "跳过环节" in page and "环节超时" in page
    # the demo feed ended on 2026-10-31: without a date the clocks stop there, and the page says so
    response = client_for("jijian").get(url("unit", maj))
    assert response.context["stale"] and response.context["as_of"].date().isoformat() == "2026-10-31"
    assert "数日未报送事件" in response.content.decode()


def test_drill_down_lists_filter_and_hide_retracted(demo, client_for):
    maj, _ = demo
    c = client_for("lianban")
    live = Finding.objects.filter(unit=maj, retracted=False)
    response = c.get(url("findings", maj), {"rule": "step_overdue"})
    assert response.context["page"].paginator.count == live.filter(rule="step_overdue").count()
    response = c.get(url("findings", maj), {"severity": "red"})
    assert response.context["page"].paginator.count == live.filter(severity="red").count()
    actor = live.exclude(actor_id="").values_list("actor_id", flat=True).first()
    response = c.get(url("findings", maj), {"actor": actor})
    assert response.context["page"].paginator.count == live.filter(actor_id=actor).count()
    # by department: the rows of the overview link to lists of the same size
    overview = c.get(url("unit", maj)).context["by_department"]
    for row in overview:
        listed = c.get(url("findings", maj), {"department": row["key"]}).context["page"].paginator.count
        assert listed == row["total"], row
    # retracted findings are hidden unless asked for
    victim = live.first()
    Finding.objects.filter(pk=victim.pk).update(retracted=True)
    assert c.get(url("findings", maj)).context["page"].paginator.count == live.count()
    assert c.get(url("findings", maj), {"retracted": "1"}).context["page"].paginator.count == live.count() + 1
    # paginated
    assert c.get(url("findings", maj), {"page": 2}).status_code == 200


def test_the_case_timeline_draws_the_case_on_its_flowchart(demo, client_for):
    maj, _ = demo
    skipped = Finding.objects.filter(unit=maj, rule="skipped_step").first()
    response = client_for("juzhang").get(url("case", maj, skipped.case_id))
    assert response.status_code == 200
    page = response.content.decode()
    events = list(CaseEvent.objects.filter(unit=maj, case_id=skipped.case_id).order_by("at"))
    assert len(response.context["events"]) == len(events)
    assert "<svg" in page and 'class="lf-case-overlay"' in page
    assert page.count('class="lf-visit"') == len({e.step_code for e in events})
    assert 'stroke-dasharray="6 4"' in page  # the skipped step is marked
    assert skipped.message in page
    names = [row["step_name"] for row in response.context["events"]]
    assert all(name in page for name in names)
    # a clean case says so
    flagged = set(Finding.objects.filter(unit=maj).values_list("case_id", flat=True))
    clean = next(c for c in CaseEvent.objects.filter(unit=maj).values_list("case_id", flat=True) if c not in flagged)
    assert "未发现问题" in client_for("juzhang").get(url("case", maj, clean)).content.decode()
    assert client_for("juzhang").get(url("case", maj, "NO-SUCH-CASE")).status_code == 404


def test_open_cases_and_the_quarterly_ranking(demo, client_for):
    maj, _ = demo
    c = client_for("xianjiwei")
    response = c.get(url("cases", maj), {"as_of": "2026-10-31"})
    assert response.status_code == 200 and response.context["total"] > 0
    response = c.get(url("ranking", maj), {"q": "2026-Q3"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) >= 3 and [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for row in rows:
        expected = 100 - (2 * row["warning"] + 5 * row["yellow"] + 10 * row["red"]) * 10 / row["cases"]
        assert row["score"] == pytest.approx(max(0, expected), abs=0.1)
    page = response.content.decode()
    assert "计分方法" in page and "2026 年第 3 季度" in page and "lf-rank-chart" in page
    assert ("2026-Q4", "2026 年第 4 季度") in response.context["available"]


def test_tokens_are_for_the_office_issued_once_revoked_and_audited(demo, client_for, client):
    maj, sjj = demo
    for login in ("juzhang", "jijian", "xianjiwei"):
        assert client_for(login).get(url("tokens", maj)).status_code == 403, login
        client.logout()
    c = client_for("lianban")
    assert c.get(url("tokens", sjj)).status_code == 404
    response = c.post(url("tokens", maj), {"name": "行政审批系统"})
    assert response.status_code == 200
    page = response.content.decode()
    token = re.search(r'id="lf-token" value="(lf_[^"]+)"', page).group(1)
    assert "curl -X POST" in page and "/api/v1/events" in page and "Authorization: Bearer" in page
    row = IngestToken.objects.get(unit=maj)
    assert row.digest == IngestToken.hash(token) and row.created_by.username == "lianban"
    assert token not in c.get(url("tokens", maj)).content.decode()  # shown once
    assert c.post(url("tokens", maj), {"name": ""}).status_code == 400
    # the token works for the event API
    body = ('{"event_id":"T-1","case_id":"T-CASE","power_code":"XK-001","step_code":"S1","actor_id":"P1042",'
            '"timestamp":"2026-11-02T09:30:00+08:00"}')
    assert client.post("/api/v1/events", data=body, content_type="application/x-ndjson",
                       HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    c = client_for("lianban")
    assert c.get(url("revoke_token", maj, row.pk)).status_code == 405
    response = c.post(url("revoke_token", maj, row.pk), follow=True)
    assert "已吊销" in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert client.post("/api/v1/events", data=body, content_type="application/x-ndjson",
                       HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    trail = AuditEntry.objects.filter(object_type__icontains="ingesttoken", object_id=str(row.pk)).order_by("seq")
    assert [e.action for e in trail] == ["create", "update"]
    assert all(e.actor_label and e.unit_id == maj.pk for e in trail)
    assert token not in str([e.changes for e in trail])
    # and the office sees it in the audit trail
    c = client_for("lianban")
    assert "行政审批系统" in c.get(reverse("audit:list")).content.decode()


def test_run_now_compares_immediately_or_enqueues(demo, client_for, settings):
    maj, _ = demo
    assert client_for("jijian").post(url("run", maj)).status_code == 403
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    c = client_for("lianban")
    response = c.post(url("run", maj), follow=True)
    assert "比对已完成" in response.content.decode()
    assert AuditEntry.objects.filter(object_type="monitoring.run").exists()


def test_superusers_see_every_unit_and_manage_tokens(demo, client_for):
    maj, sjj = demo
    c = client_for("admin")
    assert c.get(reverse("monitoring:index")).status_code == 200
    assert c.get(url("tokens", sjj)).status_code == 200
    assert screens.can_manage_tokens(c.get(url("unit", maj)).wsgi_request.user, maj)
