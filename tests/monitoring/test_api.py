"""The event API: tokens, per-event rejection, idempotent resends, and the
engine's findings stored against the power, the step and as alerts."""

import json

import pytest

from lianfang.alerts.models import Alert
from lianfang.flows.serialize import import_flowcharts
from lianfang.monitoring.evaluate import evaluate_unit
from lianfang.monitoring.models import CaseEvent, Finding, IngestToken
from lianfang.orgs.models import Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory

FLOW = {
    "flowchart_code": "XK-001", "power_code": "QL-001", "name": "许可核发",
    "steps": [{"code": c, "name": n, "post": None, "limit_hours": h} for c, n, h in
              [("S1", "受理", 24), ("S2", "审查", 48), ("S3", "决定", 24), ("S4", "送达", 24)]],
    "start": ["S1"], "end": ["S4"], "transitions": [["S1", "S2"], ["S2", "S3"], ["S3", "S4"]],
    "case_limit_hours": None, "incompatible_steps": [["S2", "S3"]], "discretion": [],
}


def ev(event_id, case, step, actor, ts, power="QL-001", **extra):
    return {"event_id": event_id, "case_id": case, "power_code": power, "step_code": step, "actor_id": actor,
            "timestamp": ts, **extra}


@pytest.fixture
def unit(db):
    unit = Unit.objects.create(code="U1", name="测试局")
    catalogue = Catalogue.objects.create(unit=unit, year=2026)
    Power.objects.create(catalogue=catalogue, code="QL-001", name="许可", category=PowerCategory.objects.first())
    import_flowcharts(unit, [FLOW])
    return unit


@pytest.fixture
def token(unit):
    return IngestToken.issue(unit, "行政审批系统")[1]


def post(client, token, body, content_type="application/x-ndjson"):
    return client.post("/api/v1/events", data=body, content_type=content_type,
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def jsonl(events):
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in events)


CLEAN = [ev(f"E{i}", "C1", s, "a" if s != "S3" else "b", f"2026-03-0{i + 1}T10:00:00+08:00")
         for i, s in enumerate(["S1", "S2", "S3", "S4"])]


def test_a_bad_or_revoked_token_is_refused(client, unit, token):
    assert post(client, "nope", jsonl(CLEAN)).status_code == 401
    IngestToken.objects.get().revoke()
    response = post(client, token, jsonl(CLEAN))
    assert response.status_code == 401 and "令牌" in response.json()["error"]
    assert not CaseEvent.objects.exists()


def test_good_events_are_kept_and_bad_ones_rejected_one_by_one(client, unit, token):
    body = jsonl([*CLEAN, ev("E9", "C2", "S1", "a", "2026-03-01 10:00"), ev("E10", "C2", "S1", "a",
                  "2026-03-01T10:00:00+08:00", power="OTHER")]) + "\n{broken json\n"
    response = post(client, token, body)
    assert response.status_code == 207
    result = response.json()
    assert result["stored"] == 4 and result["received"] == 7
    reasons = {r["line"]: r["reason"] for r in result["rejected"]}
    assert "时区" in reasons[5] and "不属于" in reasons[6] and "JSON" in reasons[7]
    assert CaseEvent.objects.count() == 4


def test_a_resend_adds_nothing(client, unit, token):
    assert post(client, token, jsonl(CLEAN)).json()["stored"] == 4
    again = post(client, token, jsonl(CLEAN + CLEAN[:1])).json()
    assert again["stored"] == 0 and again["duplicates"] == 5
    assert CaseEvent.objects.count() == 4


def test_csv_batches_are_accepted(client, unit, token):
    header = "event_id,case_id,power_code,step_code,actor_id,timestamp,amount"
    rows = [f"{e['event_id']},{e['case_id']},{e['power_code']},{e['step_code']},{e['actor_id']},{e['timestamp']},100"
            for e in CLEAN]
    result = post(client, token, "\n".join([header, *rows]), content_type="text/csv").json()
    assert result["stored"] == 4
    assert CaseEvent.objects.get(event_id="E0").attributes == {"amount": "100"}


def test_more_than_ten_thousand_events_are_refused_whole(client, unit, token):
    events = [ev(f"X{i}", f"C{i}", "S1", "a", "2026-03-01T10:00:00+08:00") for i in range(10_001)]
    response = post(client, token, jsonl(events))
    assert response.status_code == 413 and not CaseEvent.objects.exists()


def test_findings_are_stored_linked_and_raised_as_alerts(client, unit, token):
    events = [
        ev("A1", "C1", "S1", "a", "2026-03-02T10:00:00+08:00"),
        ev("A2", "C1", "S2", "b", "2026-03-02T11:00:00+08:00"),
        ev("A3", "C1", "S3", "b", "2026-03-02T12:00:00+08:00"),  # same actor on 审查 and 决定
        ev("A4", "C1", "S4", "c", "2026-03-02T13:00:00+08:00"),
        ev("B1", "C2", "S1", "a", "2026-03-02T10:00:00+08:00"),
        ev("B2", "C2", "S3", "d", "2026-03-02T11:00:00+08:00"),  # skipped 审查
        ev("B3", "C2", "S4", "c", "2026-03-02T12:00:00+08:00"),
    ]
    post(client, token, jsonl(events))
    summary = evaluate_unit(unit)
    rules = set(Finding.objects.values_list("rule", flat=True))
    assert {"sod_violation", "skipped_step"} <= rules
    sod = Finding.objects.get(rule="sod_violation")
    assert sod.power.code == "QL-001" and sod.flowchart.code == "XK-001" and sod.step.code in ("S2", "S3")
    assert Alert.objects.filter(finding=sod).exists()
    assert summary.new == Finding.objects.count()
    # Running again changes nothing; removing the deviating case retracts its findings.
    assert evaluate_unit(unit).new == 0 and Finding.objects.count() == summary.new
    CaseEvent.objects.filter(case_id="C2").delete()
    evaluate_unit(unit)
    assert Finding.objects.get(rule="skipped_step").retracted
    assert not Finding.objects.get(rule="sod_violation").retracted
