"""Aggregations behind the statistics dashboard (报表与统计): risk points by
level, category, department and review status; coverage of posts; measures done
and overdue; a likelihood × impact heat map; and the figures a county reports
("2281 个风险点、2635 条措施、304 项制度、46 张流程图", seed 001).

Everything is counted in the database (GROUP BY / COUNT) over querysets
narrowed with `visible(user, …)`, per unit; units whose every record the user
sees are read from stored per-unit partials (reports.figures), so a province's
dashboard adds up a few thousand small rows instead of scanning every risk
point. The number of queries is fixed, whatever the number of rows.

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

from django.db.models import Q
from django.utils import timezone

from lianfang.access.policy import scope_for, visible
from lianfang.flows.models import Flowchart
from lianfang.measures.models import Kind as MeasureKind
from lianfang.measures.models import Measure
from lianfang.orgs.models import Department, Post, Unit
from lianfang.risks.models import Level, ReviewStatus, RiskCategory, RiskPoint
from lianfang.risks.queries import distinct_years

from . import figures

LIKELIHOOD_LABELS = ["极少", "偶尔", "可能", "较多", "频繁"]
IMPACT_LABELS = ["轻微", "较小", "中等", "严重", "特别严重"]
TOP = 15
UNIT_LEVEL = "单位层面（未分科室）"


def scope_units(user):
    """The active units the user may see, in tree order."""
    return visible(user, Unit.objects.filter(is_active=True)).order_by("path")


def years(user) -> list[int]:
    return distinct_years(visible(user, RiskPoint.objects.all()))


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


def _sees_beyond_whole_units(scope) -> bool:
    """Does the user see departments' or posts' records outside the units they
    see whole (which come from the stored figures)?"""
    elsewhere = Q(pk__in=scope.departments) & ~Q(unit_id__in=scope.full_units)
    if scope.departments and Department.objects.filter(elsewhere).exists():
        return True
    elsewhere = Q(pk__in=scope.posts) & ~Q(unit_id__in=scope.full_units)
    return bool(scope.posts) and Post.objects.filter(elsewhere).exists()


def scope_figures(user, year: int, subtree: set[int] | None = None) -> dict:
    """One partial (reports.figures) for everything of the year the user may
    see, optionally within a set of units."""
    return scope_figures_by_year(user, [year], subtree)[year]


def scope_figures_by_year(user, years, subtree: set[int] | None = None) -> dict[int, dict]:
    """`scope_figures` for several years: stored rows for the units the user
    sees whole, live counts for the rest. The unit tree and the scope check
    are done once, whatever the number of years."""
    scope = scope_for(user)
    if scope.superuser:
        whole = subtree
    else:
        whole = set(scope.full_units) if subtree is None else set(scope.full_units) & subtree
    tree = figures.Tree() if whole is None or whole else None
    live = not scope.superuser and _sees_beyond_whole_units(scope)
    result = {}
    for year in years:
        parts = [figures.stored(year, whole, tree)]
        if live:
            risks = visible(user, RiskPoint.objects.filter(year=year)).exclude(unit_id__in=scope.full_units)
            measures = visible(user, Measure.objects.filter(risk__year=year)).exclude(
                risk__unit_id__in=scope.full_units)
            if subtree is not None:
                risks, measures = risks.filter(unit_id__in=subtree), measures.filter(risk__unit_id__in=subtree)
            parts += figures.compute(risks, measures).values()
        result[year] = figures.add(parts)
    return result


def dashboard(user, year: int, unit: Unit | None = None, today: dt.date | None = None) -> dict:
    """All figures of the dashboard for the user's scope (optionally one unit's
    subtree) and one year.

    Units whose every record the user may see are added up from their stored
    partials (reports.figures); whatever else the user sees (a department's or
    a post's records in another unit) is computed live. Either way the number
    of queries does not depend on the number of rows."""
    today = today or timezone.localdate()
    posts = record_posts(user)
    flowcharts = visible(user, Flowchart.objects.all())
    subtree = None
    if unit is not None:
        subtree = set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        posts = posts.filter(unit_id__in=subtree)
        flowcharts = flowcharts.filter(unit_id__in=subtree)
    f = scope_figures(user, year, subtree)
    total, m = f["n"], f["m"]
    overdue, overdue_in_progress, rules_overdue = figures.overdue(f, today)

    by_level = [{"key": value, "label": str(label), "inherent": f["inh"].get(value, 0),
                 "residual": f["res"].get(value, 0)} for value, label in Level.choices]
    by_level.append({"key": "", "label": "未评定", "inherent": f["inh"].get("", 0), "residual": f["res"].get("", 0)})
    by_status = [{"key": value, "label": str(label), "count": f["st"].get(value, 0)}
                 for value, label in ReviewStatus.choices]
    category = {int(k): n for k, n in f["cat"].items() if n}
    names = dict(RiskCategory.objects.filter(pk__in=list(category)).values_list("pk", "name"))
    by_category = sorted(({"key": pk, "label": names.get(pk, "—"), "count": n} for pk, n in category.items()),
                         key=lambda r: -r["count"])
    # Names are looked up only for the few rows shown.
    unit_names = dict(Unit.objects.filter(pk__in={u for _, u, _ in f["td"]} | {u for _, u in f["tu"]})
                      .values_list("pk", "name"))
    dept_names = dict(Department.objects.filter(pk__in={d for _, _, d in f["td"] if d}).values_list("pk", "name"))
    by_department = [
        {"unit": unit_names.get(u, "—"), "department_id": d or None, "label": dept_names.get(d, UNIT_LEVEL),
         "count": n} for n, u, d in f["td"]
    ]
    by_unit = [{"unit_id": u, "label": unit_names.get(u, "—"), "count": n} for n, u in f["tu"]]
    posts_total = posts.count()
    flowchart_count = flowcharts.count()
    by_kind = [{"key": k, "label": str(label), "count": m.get(f"kind_{k}", 0)} for k, label in MeasureKind.choices]
    heat = {tuple(int(x) for x in k.split(",")): n for k, n in f["heat"].items()}

    def pct(a, b):
        return round(100 * a / b, 1) if b else None

    done, measures_total = m.get("done", 0), m.get("total", 0)
    return {
        "year": year,
        "unit": unit,
        "today": today,
        "totals": {
            "risks": total, "measures": measures_total, "rules": m.get("rules", 0), "flowcharts": flowchart_count,
            "units": f["units"], "posts_covered": f["posts"],
        },
        "by_level": by_level,
        "by_status": by_status,
        "by_category": by_category,
        "by_department": by_department,
        "by_unit": by_unit,
        "coverage": {
            "posts_total": posts_total, "posts_covered": f["posts"],
            "posts_pct": pct(f["posts"], posts_total),
            "risks_total": total, "risks_with_measures": m.get("risks_covered", 0),
            "risks_pct": pct(m.get("risks_covered", 0), total),
        },
        "measures": {
            "total": measures_total, "done": done, "in_progress": m.get("in_progress", 0),
            "planned": m.get("planned", 0), "overdue": overdue, "overdue_in_progress": overdue_in_progress,
            "overdue_planned": overdue - overdue_in_progress, "no_deadline": m.get("no_deadline", 0),
            "done_pct": pct(done, measures_total), "with_rule": m.get("with_rule", 0), "rules": m.get("rules", 0),
            "rules_done": m.get("rules_done", 0), "rules_overdue": rules_overdue, "by_kind": by_kind,
        },
        "heat": {"likelihood": LIKELIHOOD_LABELS, "impact": IMPACT_LABELS,
                 "data": [[im - 1, li - 1, n] for (li, im), n in sorted(heat.items()) if n],
                 "max": max(heat.values(), default=0), "placed": sum(heat.values()), "unplaced": f["unplaced"]},
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
