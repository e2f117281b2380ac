"""Synthetic programme data for bench/risks.py, by bulk insert.

A city, ten counties and bodies under them (2,000 units by default); each
body has five departments, eight posts (two leadership posts) and two
flowcharts; risk points are spread over the bodies (one "big" bureau holds
5,000 of the 2026 ones, for the register export), 60 % in 2026 and 40 % in
2025, with levels, statuses, categories and review states mixed; every risk
has a measure and every fourth a second one (250,000 for 200,000 risks), some
naming a rule to write. Two logins: `bench-admin` (superuser) and
`bench-county` (the first county's coordination group: its whole subtree)."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction

from lianfang.flows.models import Flowchart
from lianfang.measures.models import Measure
from lianfang.orgs.models import Department, GroupKind, GroupMembership, OrgGroup, Person, Post, Unit
from lianfang.risks.models import RatingModel, RiskCategory, RiskPoint

COUNTIES = 10
BIG_UNIT_RISKS = 5000
DEPARTMENTS = [("BGS", "办公室"), ("CWK", "财务科"), ("SPK", "行政审批科"), ("ZFK", "执法监察科"), ("RSK", "人事科")]
POSTS = [("L-1", "主要负责人", None), ("L-2", "分管副职", None), ("BGS-1", "后勤采购岗", "BGS"),
         ("CWK-1", "会计岗", "CWK"), ("SPK-1", "许可受理岗", "SPK"), ("SPK-2", "许可审查岗", "SPK"),
         ("ZFK-1", "现场检查岗", "ZFK"), ("RSK-1", "干部人事岗", "RSK")]
WHO = ["受理人员", "审查人员", "科长", "分管领导", "会计", "出纳", "检查人员", "采购人员", "人事干部", "主要负责人"]
WHERE = ["许可受理", "现场检查", "政府采购", "资金拨付", "干部选拔", "工程验收", "行政处罚", "专项资金", "物资管理",
         "公务接待", "项目审批", "招标投标", "补助发放", "证照核发", "档案管理"]
HOW = ["收受财物后放宽审查标准", "为亲友企业提供便利", "泄露评审信息", "违规减免处罚", "与供应商串通抬高价格",
       "虚报冒领补助资金", "不经集体研究擅自决定", "对举报线索压案不查", "接受宴请后降低要求", "插手干预工程发包",
       "选择性执法、吃拿卡要", "利用职务之便套取资金"]
MEASURES = ["实行双人受理、科长复核，受理结果当日录入系统留痕", "严格执行《政府采购法》，采购事项集体研究并公示",
            "资金拨付实行会计、出纳、分管领导三级审签，纪检组每季度抽查", "建立执法全过程记录制度，执法记录仪全程录像",
            "干部选拔实行民主推荐、考察公示，纪检组全程监督", "加强学习，提高认识"]
RULES = ["行政许可受理管理办法", "政府采购内部控制制度", "专项资金管理办法", "执法全过程记录制度", "干部选拔任用工作规程"]
LEVELS = ["high", "medium", "medium", "low", "low", "low"]
STATUSES = ["approved"] * 10 + ["in_review"] * 4 + ["draft"] * 5 + ["returned"]
FINDING = ["post"] * 14 + ["department"] * 3 + ["unit"] + ["leadership"] * 2


def _reset_sequences(*models):
    sql = connection.ops.sequence_reset_sql(no_style(), models)
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def _units(n: int) -> tuple[list[Unit], list[Unit]]:
    units = [Unit(pk=1, code="BENCH", name="基准市人民政府", path="/1/", depth=0)]
    counties = []
    for c in range(COUNTIES):
        pk = 2 + c
        county = Unit(pk=pk, code=f"BENCH-{c:02d}", name=f"基准市第{c + 1}县人民政府", parent_id=1, path=f"/1/{pk}/",
                      depth=1, sort_order=c)
        units.append(county)
        counties.append(county)
    pk = 2 + COUNTIES
    bodies = []
    while len(units) < n:
        county = counties[(pk - 2 - COUNTIES) % COUNTIES]
        body = Unit(pk=pk, code=f"BENCH-B{pk:05d}", name=f"{county.name[5:-4]}第{pk}局", parent_id=county.pk,
                    path=f"{county.path}{pk}/", depth=2, sort_order=pk)
        units.append(body)
        bodies.append(body)
        pk += 1
    Unit.objects.bulk_create(units, batch_size=2000)
    _reset_sequences(Unit)
    return counties, bodies


def load(units: int = 2000, risks: int = 200_000, measures: int = 250_000, seed: int = 11) -> dict:
    rng = random.Random(seed)
    with transaction.atomic():
        counties, bodies = _units(units)
        Department.objects.bulk_create([Department(unit_id=b.pk, code=code, name=name, sort_order=i)
                                        for b in bodies for i, (code, name) in enumerate(DEPARTMENTS)],
                                       batch_size=5000)
        dept_ids = {(u, c): pk for pk, u, c in Department.objects.values_list("pk", "unit_id", "code")}
        Post.objects.bulk_create([Post(unit_id=b.pk, code=code, name=name, sort_order=i,
                                       department_id=dept_ids[b.pk, d] if d else None)
                                  for b in bodies for i, (code, name, d) in enumerate(POSTS)], batch_size=5000)
        posts_of: dict[int, list[tuple[int, int | None]]] = {}
        for pk, u, d in Post.objects.values_list("pk", "unit_id", "department_id"):
            posts_of.setdefault(u, []).append((pk, d))
        Flowchart.objects.bulk_create([Flowchart(unit_id=b.pk, code=f"LC-{i}", name=f"流程图{i}")
                                       for b in bodies for i in (1, 2)], batch_size=5000)
        users = get_user_model()
        admin = users.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
        county_user = users.objects.create(username="bench-county")
        person = Person.objects.create(unit_id=counties[0].pk, code="BENCH-P1", name="县纪委书记", rank_class="leader",
                                       user=county_user)
        group = OrgGroup.objects.create(unit_id=counties[0].pk, kind=GroupKind.COORDINATION, name="县指导协调小组")
        GroupMembership.objects.create(group=group, person=person, role="lead")
        del admin

    categories = list(RiskCategory.objects.values_list("pk", flat=True))
    indicator = RatingModel.objects.filter(unit=None, kind="indicator").values_list("pk", flat=True).first()
    matrix = RatingModel.objects.filter(unit=None, kind="matrix").values_list("pk", flat=True).first()
    big = bodies[0]
    # Risk points per body: the big bureau's 5,000 (2026), the rest spread with some variation.
    rest = risks - BIG_UNIT_RISKS
    weights = [rng.uniform(0.6, 1.4) for _ in bodies[1:]]
    scale = rest / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] += rest - sum(counts)
    plan = [(big, BIG_UNIT_RISKS)] + list(zip(bodies[1:], counts, strict=True))
    extra_every = max(1, round(risks / max(1, measures - risks)))
    today = dt.date(2026, 6, 30)
    made_risks = made_measures = 0
    batch: list[tuple[Unit, int]] = []

    def flush():
        nonlocal made_risks, made_measures
        rows = []
        for body, count in batch:
            posts = posts_of[body.pk]
            for i in range(count):
                year = 2026 if body is big or rng.random() < 0.6 else 2025
                finding = "post" if body is big else rng.choice(FINDING)
                post_id, dept_id = rng.choice(posts) if finding in ("post", "leadership") else (None, None)
                if finding == "department":
                    dept_id = rng.choice(posts[2:])[1]
                level = rng.choice(LEVELS)
                residual = rng.choice([level, level, "low", ""])
                matrix_rated = rng.random() < 0.1
                who, where, how = rng.choice(WHO), rng.choice(WHERE), rng.choice(HOW)
                rows.append(RiskPoint(
                    unit_id=body.pk, year=year, code=f"R{i:05d}", finding_level=finding, post_id=post_id,
                    department_id=dept_id, title=f"{where}环节{how[:8]}",
                    description=f"{who}在{where}中{how}，第{i}项{rng.randint(1, 99999)}",
                    category_id=rng.choice(categories), inherent_level=level, residual_level=residual,
                    status="approved" if body is big else rng.choice(STATUSES),
                    rating_model_id=matrix if matrix_rated else indicator,
                    rating_inputs={} if matrix_rated else {"probability": rng.randint(1, 5), "harm": rng.randint(1, 5)},
                    explanation={"kind": "matrix", "likelihood": rng.randint(1, 5), "impact": rng.randint(1, 5)}
                    if matrix_rated else {},
                ))
        RiskPoint.objects.bulk_create(rows, batch_size=2000)
        ms = []
        for n, r in enumerate(rows):
            for k in range(2 if (made_risks + n) % extra_every == 0 else 1):
                status = rng.choice(["done", "done", "in_progress", "planned"])
                named = rng.random() < 0.12
                ms.append(Measure(
                    risk_id=r.pk, content=rng.choice(MEASURES), line=rng.choice(["prevention", "monitoring", "disposal"]),
                    kind=rng.choice(["education", "rules", "supervision", "technology", "checks"]),
                    owner_text=rng.choice(["办公室", "财务科", "纪检组", ""]),
                    deadline=today + dt.timedelta(days=rng.randint(-200, 200)), status=status,
                    done_at=today if status == "done" else None, rule_name=rng.choice(RULES) if named else "",
                    rule_due=today + dt.timedelta(days=rng.randint(-100, 100)) if named else None, sort_order=k,
                ))
        Measure.objects.bulk_create(ms, batch_size=2000)
        made_risks += len(rows)
        made_measures += len(ms)
        batch.clear()

    pending = 0
    with transaction.atomic():
        for body, count in plan:
            batch.append((body, count))
            pending += count
            if pending >= 10_000:
                flush()
                pending = 0
        flush()
    county = counties[0]
    county_bodies = [b.pk for b in bodies if b.parent_id == county.pk]
    return {
        "units": Unit.objects.count(), "risks": made_risks, "measures": made_measures,
        "category_ids": categories, "big_unit": big.pk,
        "sample_unit": next(b for b in county_bodies if b != big.pk),
        "county_units": len(county_bodies),
        "county_risks_2026": RiskPoint.objects.filter(unit_id__in=county_bodies, year=2026).count(),
    }


# Indexes proposed in docs/performance.md, created ad hoc (the models are not changed by the bench).
PROPOSED_INDEXES = [
    # Year-scoped scans of risk points (lists, dashboard, quality checks) read these
    # columns only: a covering index turns them into index-only scans.
    ("risk_year_unit_cover_idx", "risks_riskpoint",
     "(year, unit_id, department_id, post_id, status, inherent_level, residual_level, category_id)"),
    # The measure figures join measures to the year's risk points.
    ("measure_risk_status_idx", "measures_measure", "(risk_id, status, deadline)"),
]


def create_proposed_indexes() -> None:
    with connection.cursor() as cursor:
        for name, table, columns in PROPOSED_INDEXES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def analyze() -> None:
    # PostgreSQL: VACUUM too, as autovacuum would in production, so that the
    # visibility map allows index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
