"""The demo case events: realistic cases over the demo flowcharts, a modest
share of deviations the engine finds, yellow and red alerts, and a reload that
adds nothing."""

from collections import Counter

import pytest

from lianfang.alerts.models import Alert
from lianfang.demo import events as demo_events
from lianfang.monitoring.models import CaseEvent, Finding
from lianfang.orgs.models import PostAssignment, Unit
from lianfang.supervision import default_calendar


@pytest.fixture
def loaded(demo_org):
    from lianfang.demo import powers

    powers.load()
    counts = demo_events.load()
    return counts


def test_demo_events_give_findings_alerts_and_a_clean_majority(loaded):
    assert loaded["stored"] == loaded["events"] > 2000
    for code in (demo_events.MAJ, demo_events.SJJ):
        unit = Unit.objects.get(code=code)
        events = CaseEvent.objects.filter(unit=unit)
        cases = set(events.values_list("case_id", flat=True))
        assert len(cases) > 200
        assert events.filter(event_id__startswith=f"DEMO-{demo_events.TAGS[code]}-").count() == events.count()
        findings = Finding.objects.filter(unit=unit, retracted=False)
        rules = Counter(findings.values_list("rule", flat=True))
        assert {"skipped_step", "step_overdue", "case_overdue", "sod_violation"} <= set(rules), rules
        flagged = set(findings.values_list("case_id", flat=True))
        assert 0.04 < len(flagged) / len(cases) < 0.2  # a modest share; the clean majority has no finding
        assert Alert.objects.filter(unit=unit, level="red").exists()
        assert Alert.objects.filter(unit=unit, level="yellow").exists()
    all_rules = set(Finding.objects.values_list("rule", flat=True))
    assert {"discretion_out_of_range", "off_hours"} <= all_rules
    _realistic()
    _deterministic()


def _realistic():
    cal = default_calendar()
    unit = Unit.objects.get(code=demo_events.MAJ)
    holders = set(PostAssignment.objects.current().filter(post__unit=unit).values_list("person__code", flat=True))
    events = list(CaseEvent.objects.filter(unit=unit))
    assert {e.actor_id for e in events} <= holders  # demo people of the unit
    off_hours = set(Finding.objects.filter(unit=unit, rule="off_hours").values_list("event_id", flat=True))
    for event in events:
        assert demo_events.START <= event.at.astimezone(demo_events.TZ).date() <= demo_events.END
        if event.event_id in off_hours:
            continue
        local = event.at.astimezone(demo_events.TZ)
        day = (local.date() - demo_events.EPOCH).days
        assert cal.is_working(day), event
        assert 8 <= local.hour < 20, event
    # some cases loop back (退回补正 and the like): a step visited twice
    visits = Counter((e.case_id, e.step_code) for e in events)
    assert any(n > 1 for n in visits.values())


def test_reloading_the_demo_events_adds_nothing(loaded):
    events, findings, alerts = CaseEvent.objects.count(), Finding.objects.count(), Alert.objects.count()
    again = demo_events.load()
    assert again["stored"] == 0
    assert (CaseEvent.objects.count(), Finding.objects.count(), Alert.objects.count()) == (events, findings, alerts)


def _deterministic():
    unit = Unit.objects.get(code=demo_events.SJJ)
    first, kinds = demo_events.generate(unit)
    second, _ = demo_events.generate(unit)
    assert first == second
    assert 0.06 < len(kinds) / len({e["case_id"] for e in first}) < 0.2
