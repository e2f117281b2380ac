"""Hand-made cases per rule, positive and negative; every case is also checked against the stream engine."""

from __future__ import annotations

import copy

import pytest

from lianfang.supervision import SupervisionStream, check_log, run_stream

from .conftest import FLOWS
from .helpers import comparable, ev, ts


def run(events, now=None, flows=FLOWS, **kw):
    batch = check_log(flows, events, now=now, **kw)
    stream = run_stream(flows, list(reversed(events)), now=now, allowed_lateness=None, **kw)
    assert comparable(batch) == comparable(stream)
    return batch


def rules(findings, rule=None):
    return sorted((f.rule, f.case_id, f.event_id, f.severity) for f in findings if rule is None or f.rule == rule)


def clean_case(case="C1", actor_rev="u2", actor_dec="u3", start=(2025, 3, 3)):
    y, m, d = start
    return [
        ev(f"{case}-1", case, "ACC", "u1", ts(y, m, d, 9)),
        ev(f"{case}-2", case, "REV", actor_rev, ts(y, m, d + 1, 10)),
        ev(f"{case}-3", case, "DEC", actor_dec, ts(y, m, d + 2, 10), amount="3000"),
        ev(f"{case}-4", case, "DLV", "u4", ts(y, m, d + 2, 15)),
    ]


def test_clean_case_has_no_findings():
    assert run(clean_case()) == []


def test_unknown_power():
    f = run([ev("e1", "C1", "ACC", "u1", ts(2025, 3, 3), power="NOPE"), ev("e2", "C1", "REV", "u1", ts(2025, 3, 4),
                                                                          power="NOPE")])
    assert rules(f) == [("unknown_power", "C1", None, "yellow")]
    assert "NOPE" in f[0].message


def test_power_codes_share_a_flowchart():
    events = clean_case()
    for e in events:
        e["power_code"] = "P1B"
    assert run(events) == []


def test_unknown_step():
    events = clean_case()
    events.insert(2, ev("x", "C1", "ZZZ", "u2", ts(2025, 3, 4, 11)))
    assert rules(run(events)) == [("unknown_step", "C1", "x", "yellow")]


def test_skipped_step_and_clean_branch():
    events = [ev("a", "C1", "ACC", "u1", ts(2025, 3, 3)), ev("b", "C1", "DEC", "u3", ts(2025, 3, 4)),
              ev("c", "C1", "DLV", "u4", ts(2025, 3, 4, 15))]
    f = run(events)
    assert rules(f) == [("skipped_step", "C1", "b", "yellow")]
    assert f[0].related == "REV" and "审查" in f[0].message
    # the loop REV -> SUP -> REV and the branch REV -> REJ are allowed
    loop = [ev("a", "C2", "ACC", "u1", ts(2025, 3, 3)), ev("b", "C2", "REV", "u2", ts(2025, 3, 4)),
            ev("c", "C2", "SUP", "u2", ts(2025, 3, 5)), ev("d", "C2", "REV", "u2", ts(2025, 3, 6)),
            ev("e", "C2", "REJ", "u3", ts(2025, 3, 7))]
    assert run(loop) == []


def test_order_violation_wrong_start_and_backwards():
    f = run([ev("a", "C1", "REV", "u2", ts(2025, 3, 3)), ev("b", "C1", "DEC", "u3", ts(2025, 3, 4))])
    assert rules(f) == [("order_violation", "C1", "a", "yellow")]
    assert f[0].related is None and "起始环节" in f[0].message
    f = run([ev("a", "C2", "ACC", "u1", ts(2025, 3, 3)), ev("b", "C2", "REV", "u2", ts(2025, 3, 4)),
             ev("c", "C2", "DEC", "u3", ts(2025, 3, 5)), ev("d", "C2", "REV", "u2", ts(2025, 3, 6))])
    assert ("order_violation", "C2", "d", "yellow") in rules(f)
    assert [x.related for x in f if x.rule == "order_violation"] == ["DEC"]


def test_step_overdue_workdays_yellow_red_and_holidays():
    base = [ev("a", "C1", "ACC", "u1", ts(2025, 3, 3, 9))]  # Monday
    ok = run(base + [ev("b", "C1", "REV", "u2", ts(2025, 3, 10, 17))])  # 5th working day after
    assert rules(ok, "step_overdue") == []
    f = run(base + [ev("b", "C1", "REV", "u2", ts(2025, 3, 11, 9))])  # 6th -> overdue
    assert rules(f, "step_overdue") == [("step_overdue", "C1", "b", "yellow")]
    assert f[0].value == 6 and f[0].limit == 5 and f[0].unit == "workdays"
    f = run(base + [ev("b", "C1", "REV", "u2", ts(2025, 3, 13, 9))])  # 8 > 5 * 1.5 -> red
    assert rules(f, "step_overdue") == [("step_overdue", "C1", "b", "red")]
    # 劳动节 2025: 5/1-5/5 off, so 4/30 -> 5/8 uses only 3 working days
    hol = [ev("a", "C2", "ACC", "u1", ts(2025, 4, 30)), ev("b", "C2", "REV", "u2", ts(2025, 5, 8))]
    assert rules(run(hol), "step_overdue") == []


def test_step_overdue_hours():
    events = clean_case()
    events[3]["timestamp"] = ts(2025, 3, 7, 11)  # DEC 3/5 10:00 -> DLV 49 h later (limit 48 h)
    assert rules(run(events), "step_overdue") == [("step_overdue", "C1", "C1-4", "yellow")]
    events[3]["timestamp"] = ts(2025, 3, 8, 11)  # 73 h > 72 h -> red
    assert rules(run(events), "step_overdue") == [("step_overdue", "C1", "C1-4", "red")]


def _sup_case():
    return [ev("a", "C1", "ACC", "u1", ts(2025, 3, 3)), ev("b", "C1", "REV", "u2", ts(2025, 3, 5)),
            ev("c", "C1", "SUP", "u2", ts(2025, 3, 20)), ev("d", "C1", "REV", "u2", ts(2025, 3, 21)),
            ev("e", "C1", "DEC", "u3", ts(2025, 3, 24)), ev("f", "C1", "DLV", "u4", ts(2025, 3, 24, 16))]


def test_case_overdue_excludes_clock_stop_steps():
    assert rules(run(_sup_case()), "case_overdue") == []
    flows = copy.deepcopy(FLOWS)
    flows[0]["steps"][2]["clock_stop"] = False
    f = run(_sup_case(), flows=flows)
    # crossed at SUP; 15 working days is exactly 50 % over 10: red needs strictly more
    assert rules(f, "case_overdue") == [("case_overdue", "C1", "c", "yellow")]


def test_case_overdue_hours():
    events = [ev("a", "C1", "REQ", "u1", ts(2025, 3, 3, 9), power="P2"),
              ev("b", "C1", "CHK", "u2", ts(2025, 3, 4, 9), power="P2"),
              ev("c", "C1", "APP", "u3", ts(2025, 3, 5, 9), power="P2"),
              ev("d", "C1", "PAY", "u4", ts(2025, 3, 8, 10), power="P2")]  # 121 h > 120 h
    f = run(events)
    assert rules(f, "case_overdue") == [("case_overdue", "C1", "d", "yellow")]
    events[3]["timestamp"] = ts(2025, 3, 8, 8)
    assert rules(run(events), "case_overdue") == []


def test_open_case_deadlines_need_now():
    events = [ev("a", "C1", "REQ", "u1", ts(2025, 3, 3, 9), power="P2")]  # next: CHK within 48 h
    assert run(events) == []
    assert run(events, now=ts(2025, 3, 4, 9)) == []  # 24 h used; warn window = min(24 h, 48/4 h) = 12 h
    f = run(events, now=ts(2025, 3, 5, 0))  # 39 h
    assert rules(f) == [("step_overdue", "C1", None, "warning")]
    assert f[0].step_code == "CHK" and "即将到期" in f[0].message
    assert rules(run(events, now=ts(2025, 3, 5, 10))) == [("step_overdue", "C1", None, "yellow")]
    f = run(events, now=ts(2025, 3, 7, 10))  # 97 h: step red, case within 24 h of 120 h -> warning
    assert rules(f) == [("case_overdue", "C1", None, "warning"), ("step_overdue", "C1", None, "red")]
    closed = events + [ev("b", "C1", "CHK", "u2", ts(2025, 3, 3, 12), power="P2"),
                       ev("c", "C1", "APP", "u3", ts(2025, 3, 3, 15), power="P2"),
                       ev("d", "C1", "PAY", "u4", ts(2025, 3, 3, 16), power="P2")]
    assert run(closed, now=ts(2025, 6, 1)) == []  # a closed case has no pending deadlines


def test_tick_emits_then_retracts_pending_findings():
    eng = SupervisionStream(FLOWS)
    assert eng.feed(ev("a", "C1", "REQ", "u1", ts(2025, 3, 3, 9), power="P2")) == []
    d = eng.tick(ts(2025, 3, 5, 0))
    assert [(f.rule, f.severity, f.retracted) for f in d] == [("step_overdue", "warning", False)]
    d = eng.tick(ts(2025, 3, 5, 10))
    assert [(f.rule, f.severity, f.retracted) for f in d] == [("step_overdue", "yellow", False)]
    d = eng.feed(ev("b", "C1", "CHK", "u2", ts(2025, 3, 5, 10, 30), power="P2"))
    kinds = {(f.rule, f.event_id, f.retracted) for f in d}
    assert ("step_overdue", None, True) in kinds and ("step_overdue", "b", False) in kinds


def test_sod_violation():
    f = run(clean_case(actor_rev="u2", actor_dec="u2"))
    assert rules(f, "sod_violation") == [("sod_violation", "C1", "C1-3", "yellow")]
    assert f[0].related == "REV" and f[0].actor_id == "u2"
    assert rules(run(clean_case()), "sod_violation") == []


def test_discretion_out_of_range():
    events = clean_case()
    events[2]["amount"] = "60000"
    f = run(events)
    assert rules(f) == [("discretion_out_of_range", "C1", "C1-3", "red")]
    assert f[0].attribute == "amount" and f[0].value == 60000
    for v in ("50000", "1000", "abc", ""):
        events[2]["amount"] = v
        assert run(events) == []
    rej = [ev("a", "C2", "ACC", "u1", ts(2025, 3, 3)), ev("b", "C2", "REV", "u2", ts(2025, 3, 4)),
           ev("c", "C2", "REJ", "u3", ts(2025, 3, 5), penalty="250")]
    assert rules(run(rej)) == [("discretion_out_of_range", "C2", "c", "red")]


def test_off_hours_night_weekend_and_makeup_workday():
    def with_dec(when):
        e = clean_case()
        e[1]["timestamp"] = ts(*when[:3], 1) if when[3] >= 4 else e[1]["timestamp"]
        e[2]["timestamp"] = ts(*when)
        e[3]["timestamp"] = ts(when[0], when[1], when[2], min(when[3] + 1, 23), 30)
        return e

    assert rules(run(with_dec((2025, 3, 5, 22))), "off_hours") == [("off_hours", "C1", "C1-3", "yellow")]
    assert rules(run(with_dec((2025, 3, 8, 10))), "off_hours") == [("off_hours", "C1", "C1-3", "yellow")]  # Sat
    assert rules(run(with_dec((2025, 3, 5, 10))), "off_hours") == []
    makeup = [ev("a", "C2", "ACC", "u1", ts(2025, 4, 24, 9)), ev("b", "C2", "REV", "u2", ts(2025, 4, 25, 9)),
              ev("c", "C2", "DEC", "u3", ts(2025, 4, 27, 10))]  # Sunday 4/27/2025 is a make-up working day
    assert rules(run(makeup), "off_hours") == []


def test_too_fast():
    events = clean_case()
    events[2]["timestamp"] = ts(2025, 3, 4, 11)  # DEC 1 h after REV (min 2 h)
    events[3]["timestamp"] = ts(2025, 3, 4, 15)
    assert rules(run(events), "too_fast") == [("too_fast", "C1", "C1-3", "yellow")]
    events[2]["timestamp"] = ts(2025, 3, 4, 12, 30)
    assert rules(run(events), "too_fast") == []


def _purchase(case, day, amount, supplier="S1"):
    return [ev(f"{case}-1", case, "REQ", "u1", ts(2025, 3, day, 9), power="P2", amount=amount, supplier_id=supplier),
            ev(f"{case}-2", case, "CHK", "u2", ts(2025, 3, day, 11), power="P2"),
            ev(f"{case}-3", case, "APP", "u3", ts(2025, 3, day, 14), power="P2"),
            ev(f"{case}-4", case, "PAY", "u4", ts(2025, 3, day, 16), power="P2")]


def test_split_purchase():
    two = _purchase("A", 3, "85000") + _purchase("B", 10, "99000")
    assert rules(run(two), "split_purchase") == [("split_purchase", "A", "A-1", "yellow"),
                                                  ("split_purchase", "B", "B-1", "yellow")]
    three = two + _purchase("C", 12, "90000")
    assert {s for *_, s in rules(run(three), "split_purchase")} == {"red"}
    assert rules(run(_purchase("A", 3, "85000") + _purchase("B", 17, "85000")), "split_purchase") == []  # 14 d > 10
    assert rules(run(_purchase("A", 3, "50000") + _purchase("B", 4, "100000")), "split_purchase") == []  # not near
    assert rules(run(_purchase("A", 3, "85000") + _purchase("B", 4, "85000", "S2")), "split_purchase") == []


def _lic(case, day, reviewer, applicant):
    return [ev(f"{case}-1", case, "ACC", "w1", ts(2025, 3, day, 9), applicant_id=applicant),
            ev(f"{case}-2", case, "REV", reviewer, ts(2025, 3, day + 1, 9)),
            ev(f"{case}-3", case, "REJ", "boss", ts(2025, 3, day + 2, 9))]


def test_concentration():
    events = _lic("A1", 3, "hot", "appA") + _lic("A2", 10, "hot", "appA")
    for k, rev in enumerate(["r1", "r2", "r3", "r4"]):
        events += _lic(f"B{k}", 3 + k, rev, f"app{k}")
    f = run(events)
    assert rules(f, "concentration") == [("concentration", "A1", "A1-2", "red"), ("concentration", "A2", "A2-2", "red")]
    assert f[0].related == "appA" and "2025年3月" in f[0].message
    # the same official handles everyone: no outlier (lift 1)
    even = _lic("A1", 3, "hot", "appA") + _lic("A2", 10, "hot", "appA") + _lic("B1", 4, "hot", "appB")
    assert rules(run(even), "concentration") == []


def test_repeat_escalates_to_red_within_window():
    c1 = clean_case("C1", actor_rev="u2", actor_dec="u2")
    c2 = clean_case("C2", actor_rev="u2", actor_dec="u2", start=(2025, 3, 17))
    f = rules(run(c1 + c2), "sod_violation")
    assert f == [("sod_violation", "C1", "C1-3", "yellow"), ("sod_violation", "C2", "C2-3", "red")]
    c3 = clean_case("C3", actor_rev="u2", actor_dec="u2", start=(2025, 5, 12))  # > 30 days later
    assert rules(run(c1 + c3), "sod_violation")[1][3] == "yellow"


def test_duplicates_are_one_event():
    events = clean_case(actor_rev="u2", actor_dec="u2")
    assert comparable(run(events + [dict(events[2]), dict(events[0])])) == comparable(run(events))


def test_disabled_rule_and_global_config():
    events = clean_case(actor_rev="u2", actor_dec="u2")
    assert rules(run(events, config={"disabled_rules": ["sod_violation"]})) == []


@pytest.mark.parametrize("order", ["forward", "reverse", "interleaved"])
def test_stream_order_independence_small(order):
    events = _sup_case() + clean_case("C2", actor_rev="u3", actor_dec="u3") + _purchase("A", 3, "85000") + \
        _purchase("B", 5, "90000")
    seq = {"forward": events, "reverse": events[::-1], "interleaved": events[::2] + events[1::2]}[order]
    assert comparable(run_stream(FLOWS, seq, allowed_lateness=None)) == comparable(check_log(FLOWS, events))
