"""Aggregations behind the statistics dashboard (报表与统计): risk points by
level, category, department and review status; coverage of posts; measures done
and overdue; a likelihood × impact heat map; and the figures a county reports
("2281 个风险点、2635 条措施、304 项制度、46 张流程图", seed 001).

Everything is computed in the database (GROUP BY / COUNT) over querysets
narrowed with `visible(user, …)`; Python only shapes the few grouped rows. The
number of queries is fixed, whatever the number of rows.

Heat map (docs/quality-checks.md, "热力图"): entries rated with a likelihood ×
impact matrix are placed by the likelihood and impact in their `explanation`;
entries rated with an indicator model are placed by their 发生概率 (probability)
and 危害程度 (harm) factor scores. Both are mapped linearly onto a 5 × 5 grid
(a 3×3 matrix's 1/2/3 become 1/3/5; an indicator score s on scale [lo, hi]
becomes 1 + 4·(s − lo)/(hi − lo), rounded). Entries that cannot be placed (not
rated, or a unit's own indicator model without those two factors) are counted
as `unplaced`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from lianfang.access.policy import scope_for, visible
from lianfang.flows.models import Flowchart
from lianfang.measures.models import Kind as MeasureKind
from lianfang.measures.models import Measure
from lianfang.measures.models import Status as MeasureStatus
from lianfang.orgs.models import Department, Post, Unit
from lianfang.risks.models import Level, RatingModel, ReviewStatus, RiskCategory, RiskPoint

GRID = 5
LIKELIHOOD_LABELS = ["极少", "偶尔", "可能", "较多", "频繁"]
IMPACT_LABELS = ["轻微", "较小", "中等", "严重", "特别严重"]
TOP = 15
UNIT_LEVEL = "单位层面（未分科室）"


def scope_units(user):
    """The active units the user may see, in tree order."""
    return visible(user, Unit.objects.filter(is_active=True)).order_by("path")


def years(user) -> list[int]:
    return sorted(set(visible(user, RiskPoint.objects.all()).values_list("year", flat=True).distinct()),
                  reverse=True)


def default_year(available: list[int]) -> int:
    return available[0] if available else timezone.localdate().year


def record_posts(user):
    """Posts whose records the user may see (the denominator of coverage): the
    same rule as for risk points — whole units, departments, or own posts."""
    posts = Post.objects.filter(is_active=True)
    scope = scope_for(user)
    if scope.superuser:
        return posts
    return visible(user, posts).filter(
        Q(unit_id__in=scope.full_units) | Q(department_id__in=scope.departments) | Q(pk__in=scope.posts)
    )


def _to_grid(value, low, high) -> int | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    if high <= low or not low <= value <= high:
        return None
    return int(round(1 + (GRID - 1) * (value - low) / (high - low)))


def heat_map(risks) -> dict:
    """Counts on a 5 × 5 likelihood × impact grid (see the module docstring)."""
    rows = list(
        risks.values("rating_model_id", "explanation__likelihood", "explanation__impact",
                     "rating_inputs__probability", "rating_inputs__harm")
        .annotate(n=Count("pk")).order_by()
    )
    # Rating models are definitions, not records: read only those the visible entries use.
    models = {m["pk"]: m for m in RatingModel.objects.filter(pk__in={r["rating_model_id"] for r in rows})
              .values("pk", "kind", "definition")}
    cells = Counter()
    unplaced = 0
    for r in rows:
        model = models.get(r["rating_model_id"])
        place = None
        if model and model["kind"] == RatingModel.Kind.MATRIX:
            size = len(model["definition"].get("likelihood") or []) or 5
            li = _to_grid(r["explanation__likelihood"], 1, size)
            im = _to_grid(r["explanation__impact"], 1, size)
            place = (li, im) if li and im else None
        elif model and model["kind"] == RatingModel.Kind.INDICATOR:
            low, high = (model["definition"].get("scale") or [1, 5])[:2]
            li = _to_grid(r["rating_inputs__probability"], low, high)
            im = _to_grid(r["rating_inputs__harm"], low, high)
            place = (li, im) if li and im else None
        if place:
            cells[place] += r["n"]
        else:
            unplaced += r["n"]
    data = [[im - 1, li - 1, n] for (li, im), n in sorted(cells.items())]
    return {"likelihood": LIKELIHOOD_LABELS, "impact": IMPACT_LABELS, "data": data,
            "max": max(cells.values(), default=0), "placed": sum(cells.values()), "unplaced": unplaced}


def dashboard(user, year: int, unit: Unit | None = None, today: dt.date | None = None) -> dict:
    """All figures of the dashboard for the user's scope (optionally one unit's
    subtree) and one year."""
    today = today or timezone.localdate()
    risks = visible(user, RiskPoint.objects.filter(year=year))
    measures = visible(user, Measure.objects.filter(risk__year=year))
    posts = record_posts(user)
    flowcharts = visible(user, Flowchart.objects.all())
    if unit is not None:
        risks = risks.filter(unit__path__startswith=unit.path)
        measures = measures.filter(risk__unit__path__startswith=unit.path)
        posts = posts.filter(unit__path__startswith=unit.path)
        flowcharts = flowcharts.filter(unit__path__startswith=unit.path)

    # One pass over the risk points for level, status and category.
    grouped = list(risks.values("inherent_level", "residual_level", "status", "category_id")
                   .annotate(n=Count("pk")).order_by())
    inherent, residual, status, category = Counter(), Counter(), Counter(), Counter()
    for g in grouped:
        inherent[g["inherent_level"]] += g["n"]
        residual[g["residual_level"] or g["inherent_level"]] += g["n"]
        status[g["status"]] += g["n"]
        category[g["category_id"]] += g["n"]
    total = sum(g["n"] for g in grouped)
    by_level = [{"key": value, "label": str(label), "inherent": inherent.get(value, 0),
                 "residual": residual.get(value, 0)} for value, label in Level.choices]
    by_level.append({"key": "", "label": "未评定", "inherent": inherent.get("", 0), "residual": residual.get("", 0)})
    by_status = [{"key": value, "label": str(label), "count": status.get(value, 0)}
                 for value, label in ReviewStatus.choices]
    names = dict(RiskCategory.objects.filter(pk__in=list(category)).values_list("pk", "name"))
    by_category = sorted(({"key": pk, "label": names.get(pk, "—"), "count": n} for pk, n in category.items()),
                         key=lambda r: -r["count"])

    # Departments, units and posts in one GROUP BY on the foreign keys alone (no
    # joins): a few thousand groups at most, whatever the number of rows; the top
    # lists and the distinct counts are read off the groups, names looked up for
    # the few rows shown.
    cells = list(risks.values("unit_id", "department_id", "post_id").annotate(n=Count("pk")).order_by())
    per_department, per_unit = Counter(), Counter()
    for c in cells:
        per_department[c["unit_id"], c["department_id"]] += c["n"]
        per_unit[c["unit_id"]] += c["n"]
    top_departments = sorted(per_department.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or 0))[:TOP]
    top_units = sorted(per_unit.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    unit_names = dict(Unit.objects.filter(pk__in={u for (u, _), _ in top_departments} | {u for u, _ in top_units})
                      .values_list("pk", "name"))
    dept_names = dict(Department.objects.filter(pk__in={d for (_, d), _ in top_departments if d})
                      .values_list("pk", "name"))
    by_department = [
        {"unit": unit_names.get(u, "—"), "department_id": d, "label": dept_names.get(d, UNIT_LEVEL), "count": n}
        for (u, d), n in top_departments
    ]
    by_unit = [{"unit_id": u, "label": unit_names.get(u, "—"), "count": n} for u, n in top_units]
    spread = {"units": len(per_unit), "posts": len({c["post_id"] for c in cells if c["post_id"]})}
    open_ = ~Q(status=MeasureStatus.DONE)
    m = measures.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=MeasureStatus.DONE)),
        in_progress=Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS)),
        planned=Count("pk", filter=Q(status=MeasureStatus.PLANNED)),
        overdue=Count("pk", filter=open_ & Q(deadline__lt=today)),
        overdue_in_progress=Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS, deadline__lt=today)),
        no_deadline=Count("pk", filter=open_ & Q(deadline__isnull=True)),
        risks_covered=Count("risk_id", distinct=True),
        with_rule=Count("pk", filter=~Q(rule_name="")),
        rules_done=Count("pk", filter=~Q(rule_name="") & Q(rule_done_at__isnull=False)),
        rules_overdue=Count("pk", filter=~Q(rule_name="") & Q(rule_done_at__isnull=True, rule_due__lt=today)),
        education=Count("pk", filter=Q(kind=MeasureKind.EDUCATION)),
        rules_kind=Count("pk", filter=Q(kind=MeasureKind.RULES)),
        supervision=Count("pk", filter=Q(kind=MeasureKind.SUPERVISION)),
        technology=Count("pk", filter=Q(kind=MeasureKind.TECHNOLOGY)),
        checks=Count("pk", filter=Q(kind=MeasureKind.CHECKS)),
        # A rule named by several measures of one unit is one rule to write.
        rules=Count(Concat(Cast("risk__unit_id", CharField()), Value("|"), "rule_name"), distinct=True,
                    filter=~Q(rule_name="")),
    )
    rules = m["rules"]
    posts_total = posts.count()
    flowchart_count = flowcharts.count()
    by_kind = [{"key": k, "label": str(label), "count": m[field]} for (k, label), field in zip(
        MeasureKind.choices, ("education", "rules_kind", "supervision", "technology", "checks"), strict=True)]

    def pct(a, b):
        return round(100 * a / b, 1) if b else None

    return {
        "year": year,
        "unit": unit,
        "today": today,
        "totals": {
            "risks": total, "measures": m["total"], "rules": rules, "flowcharts": flowchart_count,
            "units": spread["units"], "posts_covered": spread["posts"],
        },
        "by_level": by_level,
        "by_status": by_status,
        "by_category": by_category,
        "by_department": by_department,
        "by_unit": by_unit,
        "coverage": {
            "posts_total": posts_total, "posts_covered": spread["posts"],
            "posts_pct": pct(spread["posts"], posts_total),
            "risks_total": total, "risks_with_measures": m["risks_covered"],
            "risks_pct": pct(m["risks_covered"], total),
        },
        "measures": {
            "total": m["total"], "done": m["done"], "in_progress": m["in_progress"], "planned": m["planned"],
            "overdue": m["overdue"], "overdue_in_progress": m["overdue_in_progress"],
            "overdue_planned": m["overdue"] - m["overdue_in_progress"], "no_deadline": m["no_deadline"], "done_pct": pct(m["done"], m["total"]),
            "with_rule": m["with_rule"], "rules": rules, "rules_done": m["rules_done"],
            "rules_overdue": m["rules_overdue"], "by_kind": by_kind,
        },
        "heat": heat_map(risks),
    }


def chart_data(data: dict) -> dict:
    """The subset the page's ECharts code needs, JSON-ready."""
    return {
        "levels": {"labels": [r["label"] for r in data["by_level"]],
                   "inherent": [r["inherent"] for r in data["by_level"]],
                   "residual": [r["residual"] for r in data["by_level"]]},
        "categories": [{"name": r["label"], "value": r["count"]} for r in data["by_category"]],
        "status": [{"name": r["label"], "value": r["count"]} for r in data["by_status"]],
        "departments": {"labels": [f"{r['unit']}·{r['label']}" if len({d["unit"] for d in data["by_department"]}) > 1
                                   else r["label"] for r in data["by_department"]][::-1],
                        "values": [r["count"] for r in data["by_department"]][::-1]},
        "measures": [
            {"name": "已完成", "value": data["measures"]["done"]},
            {"name": "实施中（未逾期）", "value": data["measures"]["in_progress"] - data["measures"]["overdue_in_progress"]},
            {"name": "计划（未逾期）", "value": data["measures"]["planned"] - data["measures"]["overdue_planned"]},
            {"name": "已逾期", "value": data["measures"]["overdue"]},
        ],
        "heat": data["heat"],
    }
