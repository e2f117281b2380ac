"""Run every supervision benchmark and print a table:

    python -m bench.supervision [--events N] [--dir DIR] [--skip-pm4py] [--only batch|stream] [--runs K]

1. synthetic log with injected deviations + ground-truth check
2. batch: `lianfang supervise` on the CSV, wall time and peak RSS of the whole process
3. PM4Py token-based replay on the same log (control flow only) and agreement with the engine
4. stream: events/s through SupervisionStream.feed
5. stream memory while closed cases accumulate
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .generate import generate, verify

ROOT = Path(__file__).resolve().parents[2]


def _row(table: list[tuple[str, str, str]], what: str, value: str, target: str = "") -> None:
    table.append((what, value, target))
    print(f"  {what:<52} {value:<28} {target}", flush=True)


def _compile_bytecode() -> None:
    """Write the CLI's .pyc files once, as an installed package has them (pip compiles on install).

    Otherwise, with PYTHONDONTWRITEBYTECODE set (as in CI sandboxes), every timed run would also
    time the compilation of the engine's sources (≈ 70 ms).
    """
    import compileall

    pkg = ROOT / "src" / "lianfang"
    compileall.compile_dir(pkg / "supervision", quiet=1)
    for name in ("__init__.py", "__main__.py", "cli.py"):
        compileall.compile_file(pkg / name, quiet=1)


def bench_batch(d: Path, table: list, runs_n: int = 5) -> list[dict]:
    out = d / "findings.jsonl"
    _compile_bytecode()
    cmd = [sys.executable, "-m", "lianfang", "supervise", "--flows", str(d / "flows.json"), str(d / "events.csv"),
           "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    runs = []
    for _ in range(runs_n):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        err = p.stderr.read().decode() if p.stderr else ""
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit(err)
        runs.append((wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024))
    walls = sorted(r[0] for r in runs)
    cpus = sorted(r[1] for r in runs)
    rss = sorted(r[2] for r in runs)
    _row(table, f"batch CLI wall, median of {runs_n} (min–max), incl. start-up",
         f"{statistics.median(walls):.2f} s ({walls[0]:.2f}–{walls[-1]:.2f})", "< 1.5 s")
    _row(table, "  CPU time (user+sys), median (min–max)", f"{statistics.median(cpus):.2f} s ({cpus[0]:.2f}–{cpus[-1]:.2f})")
    _row(table, "  load average (1 min) after the runs", f"{os.getloadavg()[0]:.2f}")
    _row(table, "batch CLI peak RSS, median (max)", f"{statistics.median(rss):.0f} MiB ({rss[-1]:.0f})",
         "< 1024 MiB")
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    _row(table, "findings", str(len(rows)))

    class F:
        def __init__(self, r: dict):
            self.case_id, self.rule = r["case_id"], r["rule"]

    res = verify([F(r) for r in rows], d / "truth.csv")
    _row(table, "injected deviations found", f"{res['found']}/{res['injected']}", "all")
    _row(table, "clean cases flagged", str(res["n_false_positive_cases"]), "0")
    # in-process split of the time
    from lianfang.supervision import check_log, read_events

    t0 = time.perf_counter()
    log = read_events(d / "events.csv")
    t1 = time.perf_counter()
    check_log(d / "flows.json", log)
    t2 = time.perf_counter()
    _row(table, "in-process: read CSV / run all rules", f"{t1 - t0:.2f} s / {t2 - t1:.2f} s")
    return rows


def bench_pm4py(d: Path, rows: list[dict], table: list) -> None:
    try:
        import pandas as pd
        import pm4py
        from pm4py.objects.petri_net.obj import Marking, PetriNet
        from pm4py.objects.petri_net.utils import petri_utils
    except ImportError:
        _row(table, "PM4Py comparison", "skipped (pm4py not installed)")
        return
    import polars as pl

    from lianfang.supervision import load_flows, read_events

    flows = load_flows(d / "flows.json")
    log = read_events(d / "events.csv").df.unique("event_id", keep="first", maintain_order=True)
    ours_dev = {r["case_id"] for r in rows if r["rule"] in ("unknown_step", "skipped_step", "order_violation")}
    rules_of: dict[str, set[str]] = {}
    for r in rows:
        rules_of.setdefault(r["case_id"], set()).add(r["rule"])
    only_ours_rules: dict[str, int] = {}
    total_time = 0.0
    agree = both = only_ours = only_pm = n = 0
    for f in flows.flows:
        net = PetriNet(f"net-{f.code}")
        src, sink = PetriNet.Place("source"), PetriNet.Place("sink")
        net.places.update({src, sink})
        p_in = {s.code: PetriNet.Place(f"in_{s.code}") for s in f.steps}
        p_out = {s.code: PetriNet.Place(f"out_{s.code}") for s in f.steps}
        net.places.update(p_in.values())
        net.places.update(p_out.values())
        for s in f.steps:
            t = PetriNet.Transition(f"t_{s.code}", s.code)
            net.transitions.add(t)
            petri_utils.add_arc_from_to(p_in[s.code], t, net)
            petri_utils.add_arc_from_to(t, p_out[s.code], net)
        k = 0

        links = [(src, p_in[f.steps[i].code]) for i in sorted(f.start)]
        links += [(p_out[f.steps[i].code], sink) for i in sorted(f.end)]
        links += [(p_out[f.steps[a].code], p_in[f.steps[b].code]) for a, b in sorted(f.edges)]
        for pa, pb in links:  # silent transitions: XOR routing between steps
            k += 1
            t = PetriNet.Transition(f"tau{k}", None)
            net.transitions.add(t)
            petri_utils.add_arc_from_to(pa, t, net)
            petri_utils.add_arc_from_to(t, pb, net)
        im, fm = Marking({src: 1}), Marking({sink: 1})
        sub = log.filter(pl.col("power_code").is_in(list(f.power_codes)))
        if sub.height == 0:
            continue
        # compare on cases whose first event has this flowchart's power and whose last event is an end step
        sub = sub.sort(["case_id", "ts", "event_id"])
        firsts = sub.group_by("case_id").agg(pl.col("power_code").first(), pl.col("step_code").last().alias("last"))
        ends = {f.steps[i].code for i in f.end}
        keep = firsts.filter(pl.col("last").is_in(list(ends)))["case_id"]
        sub = sub.filter(pl.col("case_id").is_in(keep.implode()))
        pdf = pd.DataFrame({
            "case:concept:name": sub["case_id"].to_list(),
            "concept:name": sub["step_code"].to_list(),
            "time:timestamp": pd.to_datetime(sub["ts"].to_numpy(), unit="us", utc=True),
        })
        t0 = time.perf_counter()
        res = pm4py.conformance_diagnostics_token_based_replay(pdf, net, im, fm, return_diagnostics_dataframe=True)
        total_time += time.perf_counter() - t0
        pm_dev = set(res.loc[~res["is_fit"], "case_id"].tolist())
        for cid in keep.to_list():
            n += 1
            a, b = cid in ours_dev, cid in pm_dev
            agree += a == b
            both += a and b
            only_ours += a and not b
            if a and not b:
                for rule in rules_of[cid] & {"unknown_step", "skipped_step", "order_violation"}:
                    only_ours_rules[rule] = only_ours_rules.get(rule, 0) + 1
            only_pm += b and not a
    _row(table, "PM4Py token replay (control flow), time", f"{total_time:.1f} s on {n} closed cases")
    _row(table, "agreement engine vs PM4Py (deviating or not)", f"{agree}/{n} = {100 * agree / max(n, 1):.2f}%")
    _row(table, "  deviating in both / only engine / only PM4Py", f"{both} / {only_ours} / {only_pm}")
    _row(table, "  rules of the engine-only cases", json.dumps(only_ours_rules))


def bench_stream(d: Path, table: list, limit: int | None = None, runs_n: int = 3) -> None:
    import gc
    import tracemalloc

    from lianfang.supervision import SupervisionStream, read_events
    from lianfang.supervision.events import iter_events

    df = read_events(d / "events.csv").df
    if limit:
        df = df.head(limit)
    t0 = time.perf_counter()
    evs = list(iter_events(df))
    t_build = time.perf_counter() - t0
    rates, cpu_rates = [], []
    for _ in range(runs_n):
        eng = SupervisionStream(d / "flows.json")
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        c0 = time.process_time()
        n_out = 0
        for e in evs:
            n_out += len(eng.feed(e))
        n_out += len(eng.finish())
        rates.append(len(evs) / (time.perf_counter() - t0))
        cpu_rates.append(len(evs) / (time.process_time() - c0))
        gc.enable()
    _row(table, f"stream feed(): events/s, median of {runs_n} (wall; CPU)",
         f"{statistics.median(rates):,.0f}/s; {statistics.median(cpu_rates):,.0f}/s", ">= 100,000/s")
    _row(table, "  (min–max wall)", f"{min(rates):,.0f}–{max(rates):,.0f}/s")
    _row(table, "  (building Event objects from the table)", f"{len(evs) / t_build:,.0f}/s")
    # dict input incl. ISO timestamp parsing, on a slice
    recs = df.head(200_000).with_columns(timestamp=df.head(200_000)["ts"].cast(str)).drop("ts")
    from lianfang.supervision.findings import iso_local

    dicts = [dict(r, timestamp=iso_local(int(r["timestamp"]), 8 * 3_600_000_000)) for r in recs.iter_rows(named=True)]
    eng = SupervisionStream(d / "flows.json")
    t0 = time.perf_counter()
    for r in dicts:
        eng.feed(r)
    _row(table, "stream feed(dict with ISO text): events/s", f"{len(dicts) / (time.perf_counter() - t0):,.0f}/s")
    # memory while closed cases accumulate
    eng = SupervisionStream(d / "flows.json")
    tracemalloc.start()
    step = max(len(evs) // 5, 1)
    sizes = []
    for i, e in enumerate(evs, 1):
        eng.feed(e)
        if i % step == 0:
            cur, _ = tracemalloc.get_traced_memory()
            sizes.append((i, eng.stats["evicted"], eng.state_size()["cases"], cur / 2**20))
    tracemalloc.stop()
    for i, ev_closed, live, mb in sizes:
        _row(table, f"  after {i:>9,} events: closed+evicted / live cases", f"{ev_closed:,} / {live:,}",
             f"{mb:.0f} MiB traced")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="supervision benchmarks")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--dir", default="/tmp/lianfang-bench-supervision")
    ap.add_argument("--skip-pm4py", action="store_true")
    ap.add_argument("--only", choices=["batch", "stream"], help="run only this part (after generation)")
    ap.add_argument("--runs", type=int, default=0, help="repetitions (default: 5 batch CLI runs, 3 stream runs)")
    a = ap.parse_args(argv)
    d = Path(a.dir) / str(a.events)
    table: list[tuple[str, str, str]] = []
    print(f"supervision benchmarks, {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    if not (d / "truth.csv").exists():
        t0 = time.perf_counter()
        info = generate(a.events, d)
        _row(table, "generate synthetic log", f"{info['events']:,} events, {info['cases']:,} cases",
             f"{time.perf_counter() - t0:.0f} s")
    if a.only != "stream":
        rows = bench_batch(d, table, a.runs or 5)
        if not a.skip_pm4py and a.only is None:
            bench_pm4py(d, rows, table)
    if a.only != "batch":
        bench_stream(d, table, runs_n=a.runs or 3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
