"""The batch engine's fast paths (exact integer keys for fixed-length ids, the
presorted CSV path, the pattern rules in a second thread, JSON lines written
by hand) give what the plain paths give."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings

from lianfang.supervision import check_log, read_events
from tests.supervision.conftest import FLOWS
from tests.supervision.helpers import comparable
from tests.supervision.test_equivalence import NOWS, logs
from tests.supervision.test_fast_paths import _write_csv


def test_fixed_key_is_exact_and_ordered():
    """`_arrow.fixed_key`: equal strings ⇔ equal keys, byte order kept; rows not judged may differ in length."""
    import numpy as np
    import pyarrow as pa

    from lianfang.supervision import _arrow as A

    rng = random.Random(3)
    vals = [f"C{rng.randint(0, 99_999):08d}" for _ in range(3000)]
    col = pa.chunked_array([pa.array(vals[:1000]), pa.array(vals[1000:1001]), pa.array(vals[1001:])])
    k = A.fixed_key(col)
    assert k is not None
    for _ in range(2000):
        i, j = rng.randrange(3000), rng.randrange(3000)
        assert (k[i] == k[j]) == (vals[i] == vals[j])
        assert (k[i] < k[j]) == (vals[i] < vals[j])
    assert A.take_list(col, np.array([2999, 0, 1000, 5])) == [vals[2999], vals[0], vals[1000], vals[5]]
    # a row of another length (or null) is fine when it is not judged, fatal otherwise
    odd = pa.chunked_array([pa.array(["AB1", "x", "AB2", None, "AB1"])])
    ok = np.array([True, False, True, False, True])
    k2 = A.fixed_key(odd, ok)
    assert k2 is not None and k2[0] == k2[4] != k2[2]
    assert A.fixed_key(odd) is None
    assert A.fixed_key(pa.array(["ab", "abc"])) is None
    # too many varying bytes for an int64: None (callers fall back to a hash / dictionary)
    wide = pa.array(["".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(20)) for _ in range(50)])
    assert A.fixed_key(wide) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(events=logs(), now=NOWS)
def test_csv_path_with_ids_of_mixed_lengths(tmp_path_factory, events, now):
    """Ids of different lengths take the dictionary / hash paths of the batch engine: same result."""
    d = tmp_path_factory.mktemp("csvmix")
    rows = []
    for k, e in enumerate(events):
        r = dict(e)
        r["event_id"] = "E" + "x" * (k % 3) + e["event_id"]
        r["case_id"] = e["case_id"] + "-" * (int(e["case_id"][1:]) % 2)
        rows.append(r)
    if rows:
        rows.append(dict(rows[0]))  # a duplicate event
    _write_csv(d / "e.csv", rows)
    log = read_events(d / "e.csv")
    ref = comparable(check_log(FLOWS, rows, now=now))
    assert comparable(check_log(FLOWS, log, now=now)) == ref


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(events=logs(), now=NOWS, seed=__import__("hypothesis").strategies.integers(0, 1000))
def test_csv_path_shuffled_file(tmp_path_factory, events, now, seed):
    d = tmp_path_factory.mktemp("csvshuf")
    rows = [dict(e) for e in events]
    if rows:
        rows.append(dict(rows[0]))
    random.Random(seed).shuffle(rows)
    _write_csv(d / "e.csv", rows)
    log = read_events(d / "e.csv")
    ref = comparable(check_log(FLOWS, [dict(e) for e in events], now=now))
    assert comparable(check_log(FLOWS, log, now=now)) == ref


@settings(max_examples=80, deadline=None)
@given(events=logs(), now=NOWS)
def test_to_json_is_json_dumps(events, now):
    import json
    import math

    from lianfang.supervision import SupervisionStream
    from lianfang.supervision.findings import Finding

    enc = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    fs = check_log(FLOWS, events, now=now)
    eng = SupervisionStream(FLOWS, allowed_lateness=None)
    for e in events:
        fs += eng.feed(e)
    fs += eng.finish()
    for f in fs:
        assert f.to_json() == enc(f.to_dict()) == json.dumps(f.to_dict(), ensure_ascii=False)
    odd = Finding("r", "red", 'a"\\b\n中', None, None, None, None, None, None, value=math.nan, limit=math.inf,
                  related="\u2028", extra=(("x", 1), ("y", True), ("z", -math.inf), ("w", [1, "é"])), retracted=True)
    assert odd.to_json() == json.dumps(odd.to_dict(), ensure_ascii=False)
    odd.value, odd.limit = 3, -math.inf
    assert odd.to_json() == json.dumps(odd.to_dict(), ensure_ascii=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=logs(), now=NOWS)
def test_pattern_rules_in_a_second_thread_give_the_same_findings(monkeypatch, events, now):
    """Large logs run split_purchase and concentration beside the other rules;
    forced on for small logs here, the findings and their order are unchanged."""
    from lianfang.supervision import batch

    sequential = check_log(FLOWS, [dict(e) for e in events], now=now)
    monkeypatch.setattr(batch, "_THREAD_MIN_ROWS", 0)
    monkeypatch.setattr(batch.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    threaded = check_log(FLOWS, [dict(e) for e in events], now=now)
    assert [f.to_json() for f in threaded] == [f.to_json() for f in sequential]
