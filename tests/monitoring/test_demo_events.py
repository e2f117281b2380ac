"""The demo case events: realistic cases over the demo flowcharts, a modest
share of deviations the engine finds (the pattern and minimum-time rules too),
yellow and red alerts, and a reload that adds nothing."""

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
    _pattern_rules()


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


PATTERN_RULES = ("too_fast", "split_purchase", "concentration")


def _pattern_rules():
    """A few planted cases trip 办理过快, 疑似拆分采购 and 经办集中; no ordinary case does."""
    total = Counter()
    for code in (demo_events.MAJ, demo_events.SJJ):
        unit = Unit.objects.get(code=code)
        _, kinds = demo_events.generate(unit)
        findings = Finding.objects.filter(unit=unit, retracted=False, rule__in=PATTERN_RULES)
        for rule in PATTERN_RULES:
            planted = {case for case, kind in kinds.items() if kind == rule}
            found = set(findings.filter(rule=rule).values_list("case_id", flat=True))
            assert found == planted, (code, rule, found ^ planted)
            total[rule] += findings.filter(rule=rule).count()
    assert all(total[rule] >= 1 for rule in PATTERN_RULES), total
    assert sum(total.values()) <= 20, total  # a modest number
    for split in Finding.objects.filter(rule="split_purchase"):
        assert 40000 <= split.details["value"] < 50000 == split.details["limit"], split.details
        assert split.details["details"]["count"] >= 3 and split.severity == "red"
    for too_fast in Finding.objects.filter(rule="too_fast"):
        assert too_fast.details["value"] < 1 < too_fast.details["limit"], too_fast.details  # minutes, not hours
    applicant = demo_events.APPLICANT_IDS[demo_events.CONCENTRATED_APPLICANT]
    assert {f.details["related"] for f in Finding.objects.filter(rule="concentration")} == {applicant}


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
