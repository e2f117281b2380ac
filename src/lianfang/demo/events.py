"""Demo case events (办件事件) for the electronic supervision screens.

Four months (2026-07-01 … 2026-10-31) of cases for every demo flowchart of the
two bureaus. Each case walks its flowchart's graph (branch choices weighted
towards the ordinary path, a 退回补正 loop now and then), is handled by the
demo people holding each step's post, on working days within working hours,
and takes well under its step and case limits. About one case in ten carries a
deviation of one of several kinds (a skipped step, an overrun step, the same
person on an incompatible pair of steps, a penalty outside the discretion
range, a decision at night or on a rest day), and a few cases are left open
near or past their deadline.

The events go in through `store_events` like a business system's, then the
engine runs once with `now` at the end of the period, so findings and alerts
are real. Idempotent: a fixed random seed and stable event ids
(DEMO-MAJ-000123); a reload stores nothing new and raises no new alerts.

After these ordinary cases, from a random stream of their own (so the ordinary
cases and their event ids do not move), come the cases that exercise the
engine's minimum-time and cross-case rules, with a few planted deviations:

* small purchases (办公用品和小额物资采购, LC-NB-006 and SC-NB-004, whose
  flowcharts set a 50,000-yuan split_threshold): 30 per bureau with `supplier_id`
  and `amount` on the request, all well under the "just under" band, then 3
  purchases from one supplier at 46,000–49,750 yuan within a few working days →
  3 red 疑似拆分采购 (split_purchase) findings per bureau;
* for each step with a shortest plausible time (现场核查 of LC-XK-001, 4 hours;
  材料审查 of SC-XK-002, 2 hours), 2 cases where it is done within minutes →
  办理过快 (too_fast), the second one red (same person again within 90 days);
  ordinary cases never take less than the minimum;
* 县市场监管局: 6 市场主体登记 cases (SC-DJ-001) of one applicant in 2026 Q3, 5
  of them 审核 by the 分管副局长 instead of the 审批股股长 → 5 yellow 经办集中
  (concentration) findings.

Cases of the other flowcharts carry `applicant` (the name, shown on the case
timeline) and `applicant_id` (the registration number the concentration rule
reads); with one post holder per post, random applicants give no concentration
finding (the official's overall share is as high as the applicant's)."""

import datetime as dt
import math
import random

from lianfang.orgs.models import PostAssignment, Unit
from lianfang.supervision import default_calendar
from lianfang.supervision.calendar import EPOCH

MAJ, SJJ = "JZ-QS-MAJ", "JZ-QS-SJJ"
TAGS = {MAJ: "MAJ", SJJ: "SJJ"}
SEED = 20260701
TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.date(2026, 7, 1)
END = dt.date(2026, 10, 31)
NOW = dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ)
DEVIATION_SHARE = 0.11
LATE_OPEN_SHARE = 0.03
DAY_START, DAY_END = 8 * 60 + 30, 17 * 60 + 30  # minutes after midnight

RARE_WORDS = ("不予", "不通过", "不属", "涉嫌", "终止", "逾期", "暂缓", "没收")
OCCASIONAL_WORDS = ("听证", "检测", "论证", "鉴定", "重大", "复检", "发现问题", "需")

APPLICANTS = [
    "青山县东岭煤业有限公司", "青山县红星煤矿", "青山县石门沟煤矿", "青山县金鼎矿业有限公司", "青山县北坡煤矿",
    "青山县宏达煤业有限公司", "青山县永安煤矿", "青山县万顺矿业有限公司", "青山县福源食品有限公司",
    "青山县鑫旺超市", "青山县百味餐饮店", "青山县康宁大药房", "青山县城关农贸市场", "青山县润丰粮油店",
    "青山县好客来酒店", "青山县新华电梯安装有限公司", "青山县顺通锅炉厂", "青山县惠民商贸有限公司",
]
# Planted for the concentration rule: not among the applicants drawn at random, so its
# cases in the quarter are exactly the planted ones.
CONCENTRATED_APPLICANT = "青山县聚源商贸有限公司"
# applicant_id is what the engine's concentration rule reads (a registration number);
# applicant (the name) is shown on the case timeline.
APPLICANT_IDS = {name: f"QSQY-{n:04d}" for n, name in enumerate([*APPLICANTS, CONCENTRATED_APPLICANT], 1)}

SUPPLIERS = {
    MAJ: ["青山县文汇办公用品商行", "青山县博雅文具店", "江州市恒通办公设备有限公司", "青山县鑫达电脑经营部",
          "青山县兴隆劳保用品店", "青山县安泰矿用器材经销部"],
    SJJ: ["青山县文汇办公用品商行", "青山县晨光文具店", "江州市瑞丰办公设备有限公司", "青山县鑫达电脑经营部",
          "青山县兴隆劳保用品店", "江州市检安仪器有限公司"],
}

# Planted deviations of the cross-case and minimum-time rules, generated after the
# ordinary cases from a random stream of their own (so the ordinary cases and their
# event ids stay as they were):
FAST_CASES = 2  # per flowchart with a min_hours step: that step done within minutes
PURCHASES = 30  # ordinary purchases per small-purchase flowchart, all well under the threshold
SPLIT_CLUSTER = 3  # then purchases just under the threshold from one supplier within days
# unit: (flowchart, step, post of the official, applicant, cases in the quarter, of which by the official)
CONCENTRATION = {SJJ: ("SC-DJ-001", "S3", "副局长（分管审批、食品）", CONCENTRATED_APPLICANT, 6, 5)}
QUARTER = (dt.date(2026, 7, 1), dt.date(2026, 9, 25))


def _day(date: dt.date) -> int:
    return (date - EPOCH).days


def _date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=day)


def _at(day: int, minutes: float) -> dt.datetime:
    return dt.datetime.combine(_date(day), dt.time(0, 0), tzinfo=TZ) + dt.timedelta(minutes=round(minutes))


class _Chart:
    """A flow-model dict with the graph questions the generator asks."""

    def __init__(self, model: dict):
        self.model = model
        self.code = model["flowchart_code"]
        self.powers = model.get("power_codes") or [model["power_code"]]
        self.steps = {s["code"]: s for s in model["steps"]}
        self.order = [s["code"] for s in model["steps"]]
        self.start = list(model["start"])
        self.end = set(model["end"])
        self.succ: dict[str, list[tuple[str, str]]] = {c: [] for c in self.order}
        labels = {(t["from"], t["to"]): t["label"] for t in model.get("transition_labels") or []}
        for a, b in model["transitions"]:
            self.succ[a].append((b, labels.get((a, b), "")))
        self.edges = {(a, b) for a, b in model["transitions"]}
        self.reach = {c: self._reach(c) for c in self.order}
        index = {c: i for i, c in enumerate(self.order)}
        # A transition goes round a loop when it leads back (to an earlier step, or to itself)
        # or into a clock-stop step that returns straight here (补正 → 重新提交); a step that can
        # only come back later (受理 → 材料审查, which may send the case to 补正) is the way on.
        self.loops = {(a, b) for a, b in self.edges if a == b or (
            a in self.reach[b] and (index[b] < index[a] or (self.steps[b].get("clock_stop")
                                                           and a in {x for x, _ in self.succ[b]})))}
        self.pairs = [tuple(p) for p in model.get("incompatible_steps") or []]
        self.discretion: dict[str, list[dict]] = {}
        for d in model.get("discretion") or []:
            self.discretion.setdefault(d["step"], []).append(d)
        self.case_limit = model.get("case_limit_workdays")
        self.hourly = any(s.get("limit_hours") for s in model["steps"])
        self.params = model.get("params") or {}
        self.threshold = self.params.get("split_threshold")  # a small-purchase flowchart
        self.min_steps = [c for c in self.order if self.steps[c].get("min_hours")]

    def _reach(self, code: str) -> set[str]:
        seen: set[str] = set()
        stack = [b for b, _ in self.succ[code]]
        while stack:
            x = stack.pop()
            if x not in seen:
                seen.add(x)
                stack.extend(b for b, _ in self.succ[x])
        return seen

    def weight(self, target: str, label: str) -> float:
        if any(w in label for w in RARE_WORDS):
            return 0.06
        if any(w in label for w in OCCASIONAL_WORDS):
            return 0.2
        if target in self.end and self.steps[target]["name"].startswith(("不予", "终止")):
            return 0.06
        return 1.0

    def walk(self, rng: random.Random) -> list[str]:
        path = [rng.choice(self.start)]
        looped = False
        while path[-1] not in self.end and len(path) < 30:
            here = path[-1]
            options = self.succ[here]
            if not options:
                break
            loops = [(b, lab) for b, lab in options if (here, b) in self.loops]
            forward = [(b, lab) for b, lab in options if (b, lab) not in loops]
            if loops and (not forward or (not looped and rng.random() < 0.07)):
                if forward:
                    looped = True
                path.append(rng.choice(loops)[0])
                continue
            weights = [self.weight(b, lab) for b, lab in forward]
            path.append(rng.choices([b for b, _ in forward], weights=weights)[0])
        return path


class _Generator:
    def __init__(self, unit: Unit, charts: list[_Chart], rng: random.Random):
        self.unit = unit
        self.charts = charts
        self.rng = rng
        self.cal = default_calendar()
        self.tag = TAGS.get(unit.code, unit.code)
        self.holders: dict[str, list[str]] = {}
        self.colleagues: dict[str, list[str]] = {}
        rows = (PostAssignment.objects.current(END).filter(post__unit=unit, person__is_active=True)
                .order_by("person__code").values_list("post__name", "post__department_id", "person__code"))
        by_dept: dict[int | None, list[str]] = {}
        post_dept: dict[str, int | None] = {}
        for post, dept, person in rows:
            self.holders.setdefault(post, []).append(person)
            by_dept.setdefault(dept, []).append(person)
            post_dept[post] = dept
        for post, dept in post_dept.items():
            self.colleagues[post] = [p for p in by_dept.get(dept, []) if p not in self.holders[post]]
        self.everyone = sorted({p for ps in self.holders.values() for p in ps})
        self.workdays = [d for d in range(_day(START), _day(END) + 1) if self.cal.is_working(d)]
        self.events: list[dict] = []
        self.kinds: dict[str, str] = {}  # case id -> deviation kind

    # ------------------------------------------------------------ planning
    def plan(self, chart: _Chart, path: list[str], shrink: float) -> list[dict]:
        """One entry per event: working days after the previous event (k) or
        minutes for hour-limited steps."""
        plan = []
        for i, code in enumerate(path):
            step = chart.steps[code]
            entry = {"step": code, "k": 0, "minutes": None, "morning": False, "flag": None,
                     "min": (step.get("min_hours") or 0) * 60}
            if i:
                if step.get("clock_stop"):
                    entry["k"] = self.rng.randint(2, 7)
                    entry["morning"] = True
                elif step.get("limit_workdays"):
                    limit = int(math.ceil(step["limit_workdays"]))
                    entry["k"] = self.rng.randint(0, max(0, int(limit * 0.5 * shrink)))
                elif step.get("limit_hours"):
                    entry["minutes"] = self.rng.uniform(10, max(15.0, step["limit_hours"] * 60 * 0.45))
                else:
                    entry["k"] = self.rng.randint(0, 2)
            plan.append(entry)
        return plan

    def materialise(self, chart: _Chart, plan: list[dict], first_day: int) -> list[tuple[dict, dt.datetime]]:
        rng, cal = self.rng, self.cal
        morning = chart.hourly
        start = rng.uniform(DAY_START + 10, DAY_START + 90) if morning else rng.uniform(DAY_START, DAY_END - 120)
        moment = _at(first_day, start)
        out = [(plan[0], moment)]
        for entry in plan[1:]:
            day = (moment - _at(0, 0)).days
            minutes_now = moment.hour * 60 + moment.minute
            if entry["flag"] == "rest":
                target = day + 1
                while cal.is_working(target):
                    target += 1
                moment = _at(target, rng.uniform(9 * 60, 16 * 60))
            elif entry["minutes"] is not None:
                moment = moment + dt.timedelta(minutes=round(entry["minutes"]))
            elif (entry["k"] == 0 and minutes_now < DAY_END - 30 - entry["min"] and not entry["morning"]
                  and cal.is_working(day)):
                # same day, never faster than the step's shortest plausible time
                low = max(20, entry["min"] + 15)
                high = min(max(180, low + 120), DAY_END - minutes_now)
                moment = moment + dt.timedelta(minutes=round(rng.uniform(low, high)))
            else:
                target = cal.deadline_day(day, max(1, entry["k"]))
                low, high = (DAY_START + 5, DAY_START + 110) if entry["morning"] or morning else (DAY_START, DAY_END)
                moment = _at(target, rng.uniform(low, high))
            if entry["flag"] == "night":
                moment = _at((moment - _at(0, 0)).days, rng.uniform(20 * 60 + 30, 22 * 60 + 45))
            out.append((entry, moment))
        return out

    def case_days(self, chart: _Chart, timed: list[tuple[dict, dt.datetime]]) -> int:
        """Working days the case used, less its clock-stop spans (as the engine counts)."""
        cal = self.cal
        days = [(m - _at(0, 0)).days for _, m in timed]
        stopped = sum(cal.cum_at(days[i]) - cal.cum_at(days[i - 1]) for i in range(1, len(days))
                      if chart.steps[timed[i][0]["step"]].get("clock_stop"))
        return cal.used(days[0], days[-1]) - stopped

    # ------------------------------------------------------------ deviations
    def deviate(self, chart: _Chart, path: list[str], plan: list[dict]) -> str | None:
        rng = self.rng
        kinds: dict[str, float] = {}
        skippable = [i for i in range(1, len(path) - 1)
                     if (path[i - 1], path[i + 1]) not in chart.edges and path[i + 1] in chart.reach[path[i - 1]]
                     and not chart.steps[path[i]].get("clock_stop")]
        if skippable:
            kinds["skip"] = 1.0
        timed = [i for i in range(1, len(path)) if chart.steps[path[i]].get("limit_workdays")]
        if timed:
            kinds["overrun"] = 1.0
        pairs = [(path.index(a), path.index(b)) for a, b in chart.pairs if a in path and b in path]
        if pairs:
            kinds["sod"] = 1.5
        if any(code in chart.discretion for code in path):
            kinds["discretion"] = 3.0
        decisions = [i for i in range(1, len(path)) if chart.steps[path[i]].get("decision")]
        if decisions:
            kinds["off_hours"] = 1.2
        if not kinds:
            return None
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if kind == "skip":
            i = rng.choice(skippable)
            del plan[i]
            del path[i]
        elif kind == "overrun":
            longer = [i for i in timed if chart.steps[path[i]]["limit_workdays"] >= 2]
            i = rng.choice(longer or timed)
            limit = int(math.ceil(chart.steps[path[i]]["limit_workdays"]))
            red = rng.random() < 0.4
            extra = max(1, math.ceil(limit * 0.8) if red else math.floor(limit * 0.4))
            plan[i]["k"] = limit + extra
        elif kind == "sod":
            plan[0]["sod"] = rng.choice(pairs)
        elif kind == "discretion":
            plan[0]["out_of_range"] = True
        elif kind == "off_hours":
            i = rng.choice(decisions)
            plan[i]["flag"] = "night" if rng.random() < 0.6 else "rest"
        return kind

    # ------------------------------------------------------------ cases
    def actor(self, post: str | None, avoid: set[str], keep: dict[str, str]) -> str:
        if post in keep and keep[post] not in avoid:
            return keep[post]
        pool = [p for p in self.holders.get(post or "", []) if p not in avoid]
        pool = pool or [p for p in self.colleagues.get(post or "", []) if p not in avoid]
        pool = pool or [p for p in self.everyone if p not in avoid] or self.everyone
        person = self.rng.choice(pool)
        if post:
            keep.setdefault(post, person)
        return person

    def amount(self, rule: dict, out: bool) -> float:
        low, high = rule.get("min"), rule.get("max")
        rng = self.rng
        if rule["attribute"] == "multiple":
            if out:
                return round((high or 3) * rng.uniform(1.3, 2.0), 1)
            return round(rng.uniform(low or 1, high or 3), 1)
        if out:
            if low and rng.random() < 0.5:
                return float(round(low * rng.uniform(0.3, 0.8), -3))
            return float(round((high or 100000) * rng.uniform(1.2, 1.8), -3))
        lo = low if low is not None else (high or 100000) * 0.1
        hi = high if high is not None else lo * 5
        return float(max(lo, min(hi, round(rng.uniform(lo, hi), -3))))

    def purchase(self, chart: _Chart) -> float:
        """An ordinary small purchase: 600 yuan to 90 % of the lower edge of the "just under" band."""
        ceiling = chart.threshold * (1 - chart.params.get("split_margin", 0.2)) * 0.9
        return float(round(math.exp(self.rng.uniform(math.log(600), math.log(ceiling))), -1))

    def case(self, chart: _Chart, seq: int, first_day: int, *, deviate: bool, late: float | None = None,
             plant: dict | None = None):
        """One case. `plant` (planted deviations of the pattern rules): `kind`; `fast`, a step
        done within minutes; `actors`, step code -> person; `applicant`; `supplier`, `amount`."""
        rng = self.rng
        plant = plant or {}
        case_id = f"{self.tag}-{chart.code}-{seq:03d}"
        power = rng.choice(chart.powers)
        kind = None
        fast = plant.get("fast")
        for attempt in range(4):
            path = chart.walk(rng)
            for _ in range(500):  # a path through the step (most walks take the ordinary path)
                if not fast or fast in path[1:]:
                    break
                path = chart.walk(rng)
            plan = self.plan(chart, path, shrink=0.5 ** attempt)
            if deviate:
                kind = self.deviate(chart, path, plan)
            if fast in path[1:]:
                plan[path.index(fast, 1)]["minutes"] = rng.uniform(6, 35)
            timed = self.materialise(chart, plan, first_day)
            if kind == "overrun" or not chart.case_limit or self.case_days(chart, timed) <= 0.8 * chart.case_limit:
                break
        if late is not None:
            # left open after its first two or three steps, none of them an end
            kind = "late_open"
            keep = min(len(timed), self.rng.randint(2, 3))
            while keep > 1 and timed[keep - 1][0]["step"] in chart.end:
                keep -= 1
            timed = timed[:keep]
        kind = plant.get("kind") or kind
        if kind:
            self.kinds[case_id] = kind
        if chart.threshold:
            # the purchase (the engine's split_purchase rule): supplier and amount of the request
            attributes = {"supplier_id": plant.get("supplier") or rng.choice(SUPPLIERS[self.unit.code]),
                          "amount": plant.get("amount") or self.purchase(chart)}
            every = {}
        else:
            applicant = plant.get("applicant") or rng.choice(APPLICANTS)
            every = attributes = {"applicant": applicant, "applicant_id": APPLICANT_IDS[applicant]}
        actors = plant.get("actors") or {}
        keep: dict[str, str] = {}
        done: dict[str, str] = {}
        sod = plan[0].get("sod")
        for index, (entry, moment) in enumerate(timed):
            if moment > NOW:
                break
            code = entry["step"]
            step = chart.steps[code]
            partners = {b if a == code else a for a, b in chart.pairs if code in (a, b)}
            avoid = {done[p] for p in partners if p in done}
            if code in actors:
                person = actors[code]
            elif sod and index == sod[1] and path[sod[0]] in done:
                person = done[path[sod[0]]]
            else:
                person = self.actor(step.get("post"), avoid, keep)
            done[code] = person
            record = {
                "event_id": f"DEMO-{self.tag}-{len(self.events) + 1:06d}", "case_id": case_id, "power_code": power,
                "step_code": code, "actor_id": person, "timestamp": moment.isoformat(timespec="seconds"),
                **(attributes if index == 0 else every),
            }
            rules = chart.discretion.get(code)
            if rules:
                rule = rng.choice(rules)
                record[rule["attribute"]] = self.amount(rule, bool(plan[0].get("out_of_range")))
            self.events.append(record)

    def run(self) -> None:
        rng = self.rng
        seq = 0
        for chart in self.charts:
            if chart.threshold:
                continue  # generated with the planted cases below
            count = 40 if chart.hourly else 22 if chart.code.startswith(("LC-XK", "SC-XK", "LC-QR", "SC-QR")) else 12
            for _ in range(count):
                seq += 1
                first_day = rng.choice(self.workdays)
                late = None
                if chart.case_limit and rng.random() < LATE_OPEN_SHARE:
                    # left open near or past the case limit at the end of the period
                    late = rng.choice([0.95, 1.2, 1.7])
                    back = max(1, round(chart.case_limit * late) if late > 1 else int(chart.case_limit) - 1)
                    first_day = _day(END)
                    while back:
                        first_day -= 1
                        back -= self.cal.is_working(first_day)
                    first_day = max(first_day, self.workdays[0])  # not before the demo period
                deviate = late is None and rng.random() < DEVIATION_SHARE
                self.case(chart, seq, first_day, deviate=deviate, late=late)
        self.seq = seq
        self.planted()

    def planted(self) -> None:
        """Small purchases (with one split cluster), too-fast steps and one concentrated
        applicant, from a random stream of their own."""
        self.rng = rng = random.Random(f"{SEED}-{self.unit.code}-planted")
        quarter = [d for d in self.workdays if _day(QUARTER[0]) <= d <= _day(QUARTER[1])]

        def case(chart, first_day, **kwargs):
            self.seq += 1
            self.case(chart, self.seq, first_day, **kwargs)

        for chart in self.charts:
            if not chart.threshold:
                continue
            for _ in range(PURCHASES):
                case(chart, rng.choice(self.workdays), deviate=rng.random() < DEVIATION_SHARE)
            # one supplier, purchases just under the threshold on working days close together
            supplier = rng.choice(SUPPLIERS[self.unit.code])
            day = rng.choice(quarter)
            for _ in range(SPLIT_CLUSTER):
                amount = float(round(chart.threshold * rng.uniform(0.92, 0.995), -1))
                case(chart, day, deviate=False, plant={"kind": "split_purchase", "supplier": supplier, "amount": amount})
                day = self.cal.deadline_day(day, rng.randint(1, 2))
        for chart in self.charts:
            for code in chart.min_steps:
                for _ in range(FAST_CASES):
                    case(chart, rng.choice(quarter), deviate=False, plant={"kind": "too_fast", "fast": code})
        planted = CONCENTRATION.get(self.unit.code)
        chart = next((c for c in self.charts if planted and c.code == planted[0]), None)
        if chart is not None:
            _, step, post, applicant, count, by_official = planted
            official = (self.holders.get(post) or [None])[0]
            for n in range(count if official else 0):
                actors = {step: official} if n < by_official else {}
                case(chart, rng.choice(quarter), deviate=False,
                     plant={"kind": "concentration" if actors else None, "actors": actors, "applicant": applicant})


def generate(unit: Unit, flows: list[dict] | None = None) -> tuple[list[dict], dict[str, str]]:
    """The demo events of a unit (deterministic) and the deviation kind of each deviating case."""
    from lianfang.flows.serialize import export_unit

    flows = export_unit(unit) if flows is None else flows
    rng = random.Random(f"{SEED}-{unit.code}")
    generator = _Generator(unit, [_Chart(f) for f in flows], rng)
    generator.run()
    return generator.events, generator.kinds


def load() -> dict:
    from lianfang.monitoring.evaluate import evaluate_unit
    from lianfang.monitoring.ingest import store_events

    counts = {"events": 0, "stored": 0, "findings": 0, "alerts": 0}
    for code in (MAJ, SJJ):
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not unit.flowcharts.exists():
            print(f"演示单位 {code} 或其流程图不存在，跳过演示办件事件。")
            continue
        events, _ = generate(unit)
        rows = [(n, e, None) for n, e in enumerate(events, 1)]
        stored = 0
        for begin in range(0, len(rows), 5000):
            stored += store_events(unit, rows[begin:begin + 5000]).stored
        summary = evaluate_unit(unit, now=NOW)
        counts["events"] += len(events)
        counts["stored"] += stored
        counts["findings"] += summary.found
        counts["alerts"] += summary.alerts
    return counts
