"""The fast paths of the batch CLI (PyArrow CSV → NumPy rules) agree with the reference paths."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from lianfang.supervision import check_log, read_events, run_stream
from lianfang.supervision.calendar import MAX_US, MIN_US
from lianfang.supervision.findings import _iso_local_dt, iso_local

from .conftest import FLOWS
from .helpers import comparable, ev, ts
from .test_equivalence import NOWS, logs

ROOT = Path(__file__).resolve().parents[2]
COLS = ["event_id", "case_id", "power_code", "step_code", "actor_id", "timestamp", "amount", "supplier_id",
        "applicant_id", "penalty"]


def _write_csv(path: Path, events, extra_rows=()) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLS)
        for e in events:
            w.writerow([e.get(c) or "" for c in COLS])
        for r in extra_rows:
            w.writerow(r)


def test_iso_local_matches_datetime():
    rng = random.Random(7)
    offsets = [0, 8 * 3_600_000_000, -5 * 3_600_000_000, (5 * 60 + 45) * 60_000_000, -(9 * 60 + 30) * 60_000_000,
               90_000_000, 3_600_000_001]
    for i in range(20_000):
        t = rng.randint(MIN_US, MAX_US)
        if i % 2:
            t -= t % 1_000_000
        o = rng.choice(offsets)
        assert iso_local(t, o) == _iso_local_dt(t, o)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(events=logs(), now=NOWS)
def test_csv_path_equals_record_path(tmp_path_factory, events, now):
    """CSV (PyArrow reader, Arrow tables in the batch engine) = dict records (Polars table) = stream."""
    d = tmp_path_factory.mktemp("csv")
    rows = [dict(e) for e in events]
    if rows:
        rows.append(dict(rows[0]))  # a duplicate event
        rows[0] = dict(rows[0], amount=" 46000 ")  # blanks around a number are allowed
    _write_csv(d / "e.csv", rows)
    log = read_events(d / "e.csv")
    assert log.issues == []
    ref = comparable(check_log(FLOWS, rows, now=now))
    assert comparable(check_log(FLOWS, log, now=now)) == ref
    assert comparable(run_stream(FLOWS, rows, now=now, allowed_lateness=None)) == ref


def test_csv_bad_rows_blanks_and_quotes(tmp_path):
    events = [
        ev("e1", "C1", "ACC", "u1", ts(2025, 3, 3, 9), applicant_id="A1"),
        ev("e2", "C1", "REV", "", ts(2025, 3, 4, 10)),  # blank actor = absent
        ev("e3", "C1", "DEC", "u2", "2025-03-04T23:00:00.250+08:00", amount="60000", supplier_id="S1"),
        ev("e4", "C1", "DLV", "u4", "2025-03-05 09:00:00", penalty="abc"),  # naive: calendar zone
    ]
    bad = [["x1", "C9", "P1", "", "u1", ts(2025, 3, 3), "", "", "", ""],
           ["x2", "C9", "P1", "ACC", "u1", "yesterday", "", "", "", ""],
           ["x3", "C9", "P1", "ACC", "u1", "2025-03-03T10:00:00+08:00", "", "", "", "", "extra"]]
    _write_csv(tmp_path / "e.csv", events, bad)
    log = read_events(tmp_path / "e.csv")
    assert len(log) == 4 and len(log.issues) == 3
    assert log.df["actor_id"].to_list() == ["u1", None, "u2", "u4"]
    assert comparable(check_log(FLOWS, log)) == comparable(check_log(FLOWS, events))


def test_cli_imports_neither_polars_nor_pandas(tmp_path):
    """Start-up: no Polars, no pandas, and Arrow kernels without pyarrow.compute's wrapper module."""
    events = [ev("e1", "C1", "ACC", "u1", ts(2025, 3, 3, 9), applicant_id="A1"),
              ev("e2", "C1", "DEC", "u1", ts(2025, 3, 3, 22), amount="1"),
              ev("e2", "C1", "DEC", "u1", ts(2025, 3, 3, 22), amount="1")]
    _write_csv(tmp_path / "e.csv", events, [["x", "C2", "P1", "ACC", "u", "not-a-time", "", "", "", ""]])
    (tmp_path / "flows.json").write_text(json.dumps(FLOWS, ensure_ascii=False), encoding="utf-8")
    code = (
        "import sys\n"
        "from lianfang.supervision.cli import main\n"
        f"rc = main(['--flows', {str(tmp_path / 'flows.json')!r}, {str(tmp_path / 'e.csv')!r}, "
        f"'--out', {str(tmp_path / 'out.jsonl')!r}])\n"
        "assert rc == 0\n"
        "print(sorted(m for m in ('polars', 'pandas', 'pyarrow.compute') if m in sys.modules))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(x)["rule"] for x in lines} >= {"skipped_step", "off_hours"}
