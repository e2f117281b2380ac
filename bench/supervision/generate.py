"""Synthetic event logs with injected deviations and a ground-truth file.

    python -m bench.supervision.generate --events 1000000 --out DIR [--seed 7]

Writes DIR/flows.json, DIR/events.csv (interleaved by time, with duplicates and a few
malformed rows) and DIR/truth.csv (case_id, rule) listing every injected deviation.
Clean cases are built to break no rule (working days only, within limits, separate actors,
in-range values, amounts away from the split band, applicants spread thin).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path

from lianfang.supervision.calendar import FIRST_DAY, default_calendar

TZ = dt.timezone(dt.timedelta(hours=8))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def templates() -> list[dict]:
    flows: list[dict] = []
    lic = {
        "flowchart_code": "T-LIC", "power_code": "L001", "power_codes": [f"L{i:03d}" for i in range(1, 9)],
        "name": "行政许可（通用）",
        "steps": [
            {"code": "ACC", "name": "受理", "post": "窗口", "limit_hours": None},
            {"code": "REV", "name": "审查", "post": "科员", "limit_hours": None, "limit_workdays": 5},
            {"code": "SUP", "name": "补正", "post": "申请人", "limit_hours": None, "clock_stop": True},
            {"code": "DEC", "name": "决定", "post": "科长", "limit_hours": None, "limit_workdays": 3,
             "decision": True, "min_hours": 2},
            {"code": "DLV", "name": "送达", "post": "窗口", "limit_hours": 24},
            {"code": "REJ", "name": "不予许可", "post": "科长", "limit_hours": None, "limit_workdays": 3,
             "decision": True},
        ],
        "start": ["ACC"], "end": ["DLV", "REJ"],
        "transitions": [["ACC", "REV"], ["REV", "SUP"], ["SUP", "REV"], ["REV", "DEC"], ["DEC", "DLV"],
                        ["REV", "REJ"]],
        "case_limit_hours": None, "case_limit_workdays": 20,
        "incompatible_steps": [["REV", "DEC"]],
        "discretion": [{"step": "DEC", "attribute": "fee", "min": 0, "max": 5000}],
    }
    flows.append(lic)
    for i in range(1, 9):
        flows.append({
            "flowchart_code": f"T-PEN-{i}", "power_code": f"X{i:03d}", "name": f"行政处罚（类别{i}）",
            "steps": [
                {"code": "REG", "name": "立案", "post": "执法", "limit_hours": None},
                {"code": "INV", "name": "调查取证", "post": "执法", "limit_hours": None, "limit_workdays": 10},
                {"code": "NOT", "name": "告知", "post": "法制", "limit_hours": None, "limit_workdays": 3},
                {"code": "HEA", "name": "听证", "post": "法制", "limit_hours": None, "clock_stop": True},
                {"code": "DEC", "name": "处罚决定", "post": "负责人", "limit_hours": None, "limit_workdays": 5,
                 "decision": True, "min_hours": 4},
                {"code": "EXE", "name": "执行", "post": "执法", "limit_hours": None},
            ],
            "start": ["REG"], "end": ["EXE"],
            "transitions": [["REG", "INV"], ["INV", "NOT"], ["NOT", "HEA"], ["HEA", "DEC"], ["NOT", "DEC"],
                            ["DEC", "EXE"]],
            "case_limit_hours": None, "case_limit_workdays": 30,
            "incompatible_steps": [["INV", "DEC"]],
            "discretion": [{"step": "DEC", "attribute": "amount", "min": 500, "max": 50000}],
        })
    flows.append({
        "flowchart_code": "T-PRO", "power_code": "G001", "power_codes": ["G001", "G002"], "name": "政府采购",
        "steps": [
            {"code": "REQ", "name": "采购申请", "post": "经办", "limit_hours": None},
            {"code": "CHK", "name": "财务审核", "post": "财务", "limit_hours": None, "limit_workdays": 3,
             "min_hours": 1},
            {"code": "APP", "name": "审批", "post": "领导", "limit_hours": None, "limit_workdays": 2,
             "decision": True},
            {"code": "CON", "name": "签订合同", "post": "经办", "limit_hours": None},
            {"code": "PAY", "name": "支付", "post": "出纳", "limit_hours": None},
        ],
        "start": ["REQ"], "end": ["PAY"],
        "transitions": [["REQ", "CHK"], ["CHK", "APP"], ["APP", "CON"], ["CON", "PAY"]],
        "case_limit_hours": None, "case_limit_workdays": 15,
        "incompatible_steps": [["REQ", "APP"], ["CHK", "PAY"]],
        "discretion": [],
        "params": {"split_threshold": 1000000, "split_margin": 0.15, "split_window_days": 30,
                   "split_min_count": 3, "split_red_count": 4},
    })
    flows.append({
        "flowchart_code": "T-SUB", "power_code": "S001", "power_codes": ["S001", "S002", "S003", "S004"],
        "name": "补贴资金拨付",
        "steps": [
            {"code": "APL", "name": "申报", "post": "申请人", "limit_hours": None},
            {"code": "R1", "name": "初审", "post": "科员", "limit_hours": None, "limit_workdays": 5},
            {"code": "R2", "name": "复核", "post": "科长", "limit_hours": None, "limit_workdays": 5},
            {"code": "PUB", "name": "公示", "post": "科员", "limit_hours": None, "clock_stop": True},
            {"code": "PAY", "name": "拨付", "post": "财务", "limit_hours": None, "decision": True},
        ],
        "start": ["APL"], "end": ["PAY"],
        "transitions": [["APL", "R1"], ["R1", "R2"], ["R2", "PUB"], ["PUB", "PAY"]],
        "case_limit_hours": 1500, "incompatible_steps": [["R1", "R2"]], "discretion": [],
    })
    return flows


# linear clean paths per flowchart code (the generator only needs a few)
PATHS = {
    "T-LIC": [["ACC", "REV", "DEC", "DLV"], ["ACC", "REV", "SUP", "REV", "DEC", "DLV"], ["ACC", "REV", "REJ"]],
    "T-PEN": [["REG", "INV", "NOT", "DEC", "EXE"], ["REG", "INV", "NOT", "HEA", "DEC", "EXE"]],
    "T-PRO": [["REQ", "CHK", "APP", "CON", "PAY"]],
    "T-SUB": [["APL", "R1", "R2", "PUB", "PAY"]],
}
INJECT = ["unknown_step", "skipped_step", "order_violation", "step_overdue", "case_overdue", "sod_violation",
          "discretion_out_of_range", "off_hours", "too_fast", "unknown_power"]


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        cal = default_calendar()
        lo = (dt.date(2025, 1, 2) - dt.date(1970, 1, 1)).days
        hi = (dt.date(2026, 11, 30) - dt.date(1970, 1, 1)).days
        self.workdays = [d for d in range(lo, hi) if cal.work_l[d - FIRST_DAY]]
        self.rows: list[tuple] = []
        self.truth: list[tuple[str, str]] = []
        self.eid = 0
        self.ncase = 0
        self.flows = templates()
        self.by_code = {f["flowchart_code"]: f for f in self.flows}

    def _ts(self, wd_index: int, minute_of_day: int) -> str:
        day = self.workdays[wd_index]
        t = dt.datetime(1970, 1, 1, tzinfo=TZ) + dt.timedelta(days=day, minutes=minute_of_day)
        return t.isoformat()

    def _emit(self, case: str, power: str, step: str, actor: str, ts: str, **attrs: object) -> None:
        self.eid += 1
        self.rows.append((f"E{self.eid:09d}", case, power, step, actor, ts, attrs.get("amount", ""),
                          attrs.get("fee", ""), attrs.get("applicant_id", ""), attrs.get("supplier_id", "")))

    def case(self, fam: str, inject: str | None = None, start_wd: int | None = None, applicant: str | None = None,
             actor_override: dict | None = None, amount: float | None = None, supplier: str | None = None,
             open_case: bool = False) -> str:
        r = self.rng
        self.ncase += 1
        cid = f"C{self.ncase:08d}"
        if fam == "T-PEN":
            fc = f"T-PEN-{r.randint(1, 8)}"
            flow = self.by_code[fc]
            power = flow["power_code"]
        else:
            flow = self.by_code[fam]
            power = r.choice(flow["power_codes"])
        steps = {s["code"]: s for s in flow["steps"]}
        path = list(r.choice(PATHS[fam]))
        if open_case:
            path = path[: r.randint(1, len(path) - 1)]
        wd = start_wd if start_wd is not None else r.randint(0, len(self.workdays) - 220)
        applicant = applicant or f"A{r.randint(1, 60000):06d}"
        if fam == "T-PRO":
            supplier = supplier or f"SUP{r.randint(1, 5000):05d}"
            if amount is None:
                amount = r.choice([round(r.uniform(10_000, 700_000), 2), round(r.uniform(1_200_000, 5_000_000), 2)])
        posts: dict[str, str] = {}
        events: list[list] = []  # [step, wd_index, minute, actor, attrs]
        minute = r.randint(9 * 60, 11 * 60 + 59)
        for k, sc in enumerate(path):
            st = steps[sc]
            if k:
                if st.get("limit_hours"):
                    minute = events[-1][2] + r.randint(60, 240)
                else:
                    wd += r.randint(1, min(2, st.get("limit_workdays") or 2)) if not st.get("clock_stop") else \
                        r.randint(1, 10)
                    minute = r.randint(9 * 60, 11 * 60 + 59)
            post = st["post"]
            if post not in posts or sc in ("DEC", "APP", "R2", "PAY"):
                posts[post] = f"{fam[2:]}-{post}-{r.randint(1, 300):03d}"
            actor = posts[post]
            if actor_override and sc in actor_override:
                actor = actor_override[sc]
            attrs: dict = {}
            if k == 0:
                attrs["applicant_id"] = applicant
            if fam == "T-PRO" and k == 0:
                attrs["amount"] = amount
                attrs["supplier_id"] = supplier
            if sc == "DEC" and fam == "T-LIC":
                attrs["fee"] = r.randint(0, 5000)
            if sc == "DEC" and fam == "T-PEN":
                attrs["amount"] = r.randint(500, 50000)
            events.append([sc, wd, minute, actor, attrs])
        # make incompatible actors distinct
        seen: dict[str, str] = {}
        for e in events:
            seen.setdefault(e[0], e[3])
        for a, b in flow.get("incompatible_steps", []):
            if a in seen and b in seen and seen[a] == seen[b]:
                for e in events:
                    if e[0] == b:
                        e[3] = e[3] + "x"
        if inject:
            events = self._inject(inject, flow, fam, events, steps)
            if events is None:
                return self.case(fam, None)
            self.truth.append((cid, inject))
            if inject == "unknown_power":
                power = "UNK-" + power
        for sc, w, m, actor, attrs in events:
            self._emit(cid, power, sc, actor, self._ts(w, m), **attrs)
        return cid

    def _inject(self, kind: str, flow: dict, fam: str, ev: list[list], steps: dict) -> list[list] | None:
        r = self.rng
        n = len(ev)
        if kind == "unknown_step":
            i = r.randint(1, n - 1)
            prev = ev[i - 1]
            ev.insert(i, ["ZZ9", prev[1], prev[2] + 1, prev[3], {}])
        elif kind == "skipped_step":
            edges = {tuple(t) for t in flow["transitions"]}
            cand = [i for i in range(1, n - 1) if not steps[ev[i + 1][0]].get("limit_hours")
                    and (ev[i - 1][0], ev[i + 1][0]) not in edges and ev[i - 1][0] != ev[i + 1][0]]
            if not cand:
                return None
            i = r.choice(cand)
            del ev[i]
        elif kind == "order_violation":
            del ev[0]
        elif kind == "step_overdue":
            cand = [i for i in range(1, n) if steps[ev[i][0]].get("limit_workdays")]
            if not cand:
                return None
            i = r.choice(cand)
            extra = steps[ev[i][0]]["limit_workdays"] + r.randint(1, 4)
            for e in ev[i:]:
                e[1] += extra
        elif kind == "case_overdue":
            # working days always exceed the same number of calendar days, so this overruns either kind
            limit = flow.get("case_limit_workdays") or int(flow["case_limit_hours"] / 24) + 1
            extra = limit + 2  # may also overrun the last step's own limit (a secondary finding)
            i = n - 1
            for e in ev[i:]:
                e[1] += extra
        elif kind == "sod_violation":
            pair = flow["incompatible_steps"][0]
            a = next((e[3] for e in ev if e[0] == pair[0]), None)
            if a is None or not any(e[0] == pair[1] for e in ev):
                return None
            for e in ev:
                if e[0] == pair[1]:
                    e[3] = a
        elif kind == "discretion_out_of_range":
            if not flow["discretion"]:
                return None
            d = flow["discretion"][0]
            tgt = [e for e in ev if e[0] == d["step"]]
            if not tgt:
                return None
            tgt[0][4][d["attribute"]] = d["max"] * 3
        elif kind == "off_hours":
            tgt = [i for i, e in enumerate(ev) if steps.get(e[0], {}).get("decision")]
            if not tgt:
                return None
            i = tgt[0]
            ev[i][2] = 22 * 60 + r.randint(0, 50)
            for e in ev[i + 1:]:
                if e[1] == ev[i][1]:
                    e[2] = ev[i][2] + 5 + (e[2] - ev[i][2] if e[2] > ev[i][2] else 0)
                    e[2] = min(e[2], 23 * 60 + 59)
        elif kind == "too_fast":
            cand = [i for i in range(1, n) if steps.get(ev[i][0], {}).get("min_hours")]
            if not cand:
                return None
            i = cand[0]
            shift_days = ev[i][1] - ev[i - 1][1]
            for e in ev[i:]:
                e[1] -= shift_days
            base = ev[i - 1][2]
            ev[i][2] = base + 10
            for e in ev[i + 1:]:
                if e[1] == ev[i][1] and e[2] <= ev[i][2]:
                    e[2] = ev[i][2] + 60
        return ev

    def split_cluster(self) -> None:
        r = self.rng
        sup = f"SPLIT{len(self.truth):06d}"
        wd = r.randint(0, len(self.workdays) - 220)
        for k in range(3):
            cid = self.case("T-PRO", start_wd=wd + k * r.randint(1, 4), supplier=sup,
                            amount=round(r.uniform(860_000, 999_000), 2))
            self.truth.append((cid, "split_purchase"))

    def concentration_cluster(self) -> None:
        r = self.rng
        app = f"HOT{len(self.truth):06d}"
        official = f"LIC-科员-HOT{len(self.truth)}"
        q = r.randint(0, 3)  # 2025: where most clean cases are, so the official's overall share is small
        quarter_start = (dt.date(2025 + q // 4, (q % 4) * 3 + 1, 1) - dt.date(1970, 1, 1)).days
        import bisect

        wd0 = bisect.bisect_left(self.workdays, quarter_start)
        for _ in range(8):
            cid = self.case("T-LIC", start_wd=wd0 + r.randint(0, 40), applicant=app,
                            actor_override={"REV": official})
            self.truth.append((cid, "concentration"))


def generate(n_events: int, out: Path, seed: int = 7, deviation_rate: float = 0.03) -> dict:
    g = Gen(seed)
    r = g.rng
    fams = ["T-LIC"] * 4 + ["T-PEN"] * 3 + ["T-PRO"] * 2 + ["T-SUB"]
    while len(g.rows) < n_events:
        x = r.random()
        if x < deviation_rate:
            g.case(r.choice(fams), inject=r.choice(INJECT))
        elif x < deviation_rate * 1.08:
            g.split_cluster()
        elif x < deviation_rate * 1.12:
            g.concentration_cluster()
        elif x < deviation_rate * 1.12 + 0.03:
            g.case(r.choice(fams), open_case=True)
        else:
            g.case(r.choice(fams))
    rows = g.rows
    # duplicates (same event delivered twice) and interleaving by time
    dups = [rows[r.randrange(len(rows))] for _ in range(len(rows) // 1000)]
    rows = rows + dups
    rows.sort(key=lambda x: (x[5], x[0]))
    out.mkdir(parents=True, exist_ok=True)
    (out / "flows.json").write_text(json.dumps(g.flows, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(out / "events.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "case_id", "power_code", "step_code", "actor_id", "timestamp", "amount", "fee",
                    "applicant_id", "supplier_id"])
        w.writerows(rows)
        for k in range(5):  # malformed rows: reported, not fatal
            w.writerow([f"BAD{k}", "CBAD", "L001", "ACC", "x", "not-a-time", "", "", "", ""])
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "rule"])
        w.writerows(sorted(set(g.truth)))
    return {"events": len(rows), "cases": g.ncase, "injected": len(set(g.truth)), "malformed": 5}


def verify(findings: list, truth_path: Path) -> dict:
    """Every injected (case, rule) found; no finding on a case without an injection."""
    truth: set[tuple[str, str]] = set()
    with open(truth_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            truth.add((row["case_id"], row["rule"]))
    injected_cases = {c for c, _ in truth}
    found = {(f.case_id, f.rule) for f in findings}
    missed = sorted(truth - found)
    false_cases = sorted({f.case_id for f in findings if f.case_id not in injected_cases})
    return {"injected": len(truth), "found": len(truth) - len(missed), "missed": missed[:20], "n_missed": len(missed),
            "false_positive_cases": false_cases[:20], "n_false_positive_cases": len(false_cases)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    print(json.dumps(generate(a.events, Path(a.out), a.seed), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
