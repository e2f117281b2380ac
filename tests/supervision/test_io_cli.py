"""Readers (CSV / XES / JSON lines), the calendar, the CLI contract and the synthetic-log check."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lianfang.supervision import WorkCalendar, check_log, default_calendar, read_events
from lianfang.supervision.cli import main
from lianfang.supervision.events import parse_ts

from .conftest import FLOWS
from .helpers import comparable, ev, ts

EVENTS = [
    ev("e1", "C1", "ACC", "u1", ts(2025, 3, 3, 9), applicant_id="A1"),
    ev("e2", "C1", "REV", "u2", ts(2025, 3, 4, 10)),
    ev("e3", "C1", "DEC", "u2", ts(2025, 3, 4, 23), amount="60000"),
    ev("e4", "C1", "DLV", "u4", ts(2025, 3, 5, 9)),
    ev("e5", "C2", "REV", "u1", ts(2025, 3, 3, 9), power="PX"),
]
COLS = ["event_id", "case_id", "power_code", "step_code", "actor_id", "timestamp", "amount", "applicant_id"]


def write_csv(path: Path, events, extra_rows=()):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLS)
        for e in events:
            w.writerow([e.get(c, "") for c in COLS])
        for r in extra_rows:
            w.writerow(r)


def write_xes(path: Path, events):
    traces: dict[str, list] = {}
    for e in events:
        traces.setdefault(e["case_id"], []).append(e)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">']
    for cid, evs in traces.items():
        out.append(f'<trace><string key="concept:name" value="{cid}"/>'
                   f'<string key="power_code" value="{evs[0]["power_code"]}"/>')
        for e in evs:
            out.append(f'<event><string key="identity:id" value="{e["event_id"]}"/>'
                       f'<string key="concept:name" value="{e["step_code"]}"/>'
                       f'<string key="org:resource" value="{e["actor_id"]}"/>'
                       f'<string key="lifecycle:transition" value="complete"/>'
                       f'<date key="time:timestamp" value="{e["timestamp"]}"/>'
                       + (f'<float key="amount" value="{e["amount"]}"/>' if "amount" in e else "")
                       + (f'<string key="applicant_id" value="{e["applicant_id"]}"/>' if "applicant_id" in e else "")
                       + "</event>")
        out.append("</trace>")
    out.append("</log>")
    path.write_text("\n".join(out), encoding="utf-8")


@pytest.fixture
def flows_file(tmp_path):
    p = tmp_path / "flows.json"
    p.write_text(json.dumps(FLOWS, ensure_ascii=False), encoding="utf-8")
    return p


def test_csv_xes_jsonl_agree(tmp_path):
    write_csv(tmp_path / "e.csv", EVENTS)
    write_xes(tmp_path / "e.xes", EVENTS)
    (tmp_path / "e.jsonl").write_text("\n".join(json.dumps(e) for e in EVENTS), encoding="utf-8")
    ref = comparable(check_log(FLOWS, EVENTS))
    assert {f[0][0] for f in ref} >= {"sod_violation", "off_hours", "discretion_out_of_range", "unknown_power"}
    for name in ("e.csv", "e.xes", "e.jsonl"):
        log = read_events(tmp_path / name)
        assert log.issues == [] and len(log) == len(EVENTS)
        assert comparable(check_log(FLOWS, log)) == ref, name


def test_malformed_rows_are_reported_not_fatal(tmp_path):
    bad = [["x1", "C9", "P1", "", "u1", ts(2025, 3, 3), "", ""], ["x2", "C9", "P1", "ACC", "u1", "yesterday", "", ""],
           ["x3", "C9", "P1"]]
    write_csv(tmp_path / "e.csv", EVENTS, bad)
    log = read_events(tmp_path / "e.csv")
    assert len(log) == len(EVENTS)
    reasons = " ".join(str(i) for i in log.issues)
    assert len(log.issues) == 3 and "step_code" in reasons and "时间格式无效" in reasons and "列数" in reasons
    (tmp_path / "e.jsonl").write_text('{"event_id": "a"}\nnot json\n' + json.dumps(EVENTS[0]), encoding="utf-8")
    log = read_events(tmp_path / "e.jsonl")
    assert len(log) == 1 and len(log.issues) == 2


def test_naive_and_zulu_timestamps():
    assert parse_ts("2025-03-03T10:00:00+08:00") == parse_ts("2025-03-03T02:00:00Z") == parse_ts("2025-03-03 10:00:00")


def test_cli_contract(tmp_path, flows_file, capsys):
    write_csv(tmp_path / "e.csv", EVENTS)
    out = tmp_path / "f.jsonl"
    assert main(["--flows", str(flows_file), str(tmp_path / "e.csv"), "--out", str(out), "--summary"]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all({"case_id", "rule", "severity", "power_code", "step_code", "actor_id", "event_id",
                         "message"} <= r.keys() for r in rows)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in rows[0]["message"])
    assert "sod_violation" in capsys.readouterr().err
    # --now adds open-case findings only
    write_csv(tmp_path / "o.csv", [ev("o1", "C7", "REQ", "u1", ts(2025, 3, 3, 9), power="P2")])
    assert main(["--flows", str(flows_file), str(tmp_path / "o.csv"), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == ""
    assert main(["--flows", str(flows_file), str(tmp_path / "o.csv"), "--out", str(out),
                 "--now", "2025-03-10T09:00:00+08:00"]) == 0
    assert {json.loads(x)["rule"] for x in out.read_text(encoding="utf-8").splitlines()} == {"step_overdue",
                                                                                           "case_overdue"}


@pytest.mark.parametrize("case", ["missing_events", "bad_flows", "bad_now", "missing_columns"])
def test_cli_errors_one_chinese_line(tmp_path, flows_file, capsys, case):
    write_csv(tmp_path / "e.csv", EVENTS)
    args = ["--flows", str(flows_file), str(tmp_path / "e.csv"), "--out", str(tmp_path / "o.jsonl")]
    if case == "missing_events":
        args[2] = str(tmp_path / "nope.csv")
    elif case == "bad_flows":
        (tmp_path / "bad.json").write_text("[{", encoding="utf-8")
        args[1] = str(tmp_path / "bad.json")
    elif case == "bad_now":
        args += ["--now", "tomorrow"]
    else:
        (tmp_path / "e.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(args) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and any("\u4e00" <= c <= "\u9fff" for c in err)


def test_calendar_semantics_and_override(tmp_path):
    cal = default_calendar()

    def day(y, m, d):
        return (parse_ts(f"{y:04d}-{m:02d}-{d:02d}T12:00:00+08:00") + cal.offset_us) // 86_400_000_000

    assert not cal.is_working(day(2025, 1, 1)) and cal.is_working(day(2025, 1, 26))  # 调休 Sunday
    assert not cal.is_working(day(2026, 2, 23)) and cal.is_working(day(2026, 2, 28))
    assert cal.used(day(2025, 3, 3), day(2025, 3, 3)) == 0
    assert cal.used(day(2025, 3, 7), day(2025, 3, 8)) == 1  # Fri -> Sat: still the first working day
    assert cal.used(day(2025, 3, 7), day(2025, 3, 11)) == 2
    assert cal.deadline_day(day(2025, 3, 7), 1) == day(2025, 3, 10)
    p = tmp_path / "cal.json"
    p.write_text(json.dumps({"extends": True, "holidays": ["2025-03-10"]}), encoding="utf-8")
    cal2 = WorkCalendar.load(p)
    assert not cal2.is_working(day(2025, 3, 10)) and not cal2.is_working(day(2025, 1, 1))


def test_synthetic_log_ground_truth(tmp_path):
    from bench.supervision.generate import generate, verify

    generate(6000, tmp_path, seed=3)
    log = read_events(tmp_path / "events.csv")
    assert len(log.issues) == 5
    findings = check_log(tmp_path / "flows.json", log)
    res = verify(findings, tmp_path / "truth.csv")
    assert res["n_missed"] == 0, res["missed"]
    assert res["n_false_positive_cases"] == 0, res["false_positive_cases"]
