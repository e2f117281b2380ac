"""The statistics dashboard (报表与统计) and the quality page (排查质量检查).

Both are read-only and scoped: the unit and year selectors offer only what the
user may see (`visible()`), the aggregations run on visible querysets
(reports.dashboard), and the quality checks narrow every query with the user
(risks.quality). A unit outside the user's scope is a 404."""

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from lianfang.access.policy import scope_for
from lianfang.core.options import options
from lianfang.core.params import int_param, year_param
from lianfang.risks import quality

from . import dashboard as agg

# Where a finding links to, by object type: URL names tried in order (the risk
# screens are built elsewhere; the first name that resolves wins).
LINKS = {
    quality.RISK: ("risks:detail", "risks:risk", "risks:view"),
    quality.POWER: ("powers:power",),
    quality.UNIT: ("orgs:unit",),
}


def _reverse_first(names, pk) -> str | None:
    for name in names:
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return None


def finding_link(finding, unit_id: int) -> str | None:
    if finding.object_type == quality.MEASURE and finding.risk_id:
        return _reverse_first(LINKS[quality.RISK], finding.risk_id)
    if finding.object_type == quality.POST:
        url = _reverse_first(LINKS[quality.UNIT], unit_id)
        return f"{url}#post-{finding.object_id}" if url else None
    names = LINKS.get(finding.object_type)
    return _reverse_first(names, finding.object_id) if names else None


def _year(request, available: list[int]) -> int:
    year = year_param(request.GET.get("year"))
    if year is not None:
        return year
    return agg.default_year(available)


def _units(user) -> list:
    units = list(agg.scope_units(user).only("pk", "name", "path", "depth"))
    top = min((u.depth for u in units), default=0)
    for u in units:
        u.indent = "\u3000" * (u.depth - top)
    return units


def _unit_options(units, unit):
    return options(((u.pk, f"{u.indent}{u.name}") for u in units), unit.pk if unit else "")


def _chosen_unit(request, units):
    """The unit named by ?unit= (None when absent); one outside `units` is a 404."""
    unit_id = int_param(request.GET.get("unit"))
    if unit_id is None:
        return None
    unit = next((u for u in units if u.pk == unit_id), None)
    if unit is None:
        raise Http404
    return unit


def _year_choices(available: list[int], year: int) -> list[int]:
    return sorted(set(available) | {year}, reverse=True)


@login_required
def dashboard(request):
    user = request.user
    units = _units(user)
    available = agg.years(user)
    year = _year(request, available)
    unit = _chosen_unit(request, units)
    data = agg.dashboard(user, year, unit)
    return render(request, "reports/dashboard.html", {
        "data": data, "chart": agg.chart_data(data), "year": year, "years": _year_choices(available, year),
        "units": units, "unit_options": _unit_options(units, unit), "unit": unit, "multi_unit": len(units) > 1 and unit is None or (
            unit is not None and any(u.path.startswith(unit.path) and u.pk != unit.pk for u in units)),
    })


def _default_unit(user, units):
    scope = scope_for(user)
    person_unit = next(iter(scope.member_units), None)
    for u in units:
        if u.pk == person_unit:
            return u
    return units[0] if units else None


@login_required
def quality_page(request):
    user = request.user
    units = _units(user)
    available = agg.years(user)
    year = _year(request, available)
    unit = _chosen_unit(request, units) or _default_unit(user, units)
    groups = []
    total = errors = 0
    if unit is not None:
        findings = quality.check_unit(unit, year, user=user)
        by_code = defaultdict(list)
        for f in findings:
            by_code[f.code].append({"f": f, "url": finding_link(f, unit.pk)})
        for code in quality.CHECKS:
            rows = by_code.get(code, [])
            groups.append({
                "code": code, "title": quality.TITLES[code], "rows": rows,
                "errors": sum(1 for r in rows if r["f"].severity == quality.ERROR),
                "warnings": sum(1 for r in rows if r["f"].severity == quality.WARNING),
            })
        total = len(findings)
        errors = sum(1 for f in findings if f.severity == quality.ERROR)
    return render(request, "reports/quality.html", {
        "unit": unit, "units": units, "unit_options": _unit_options(units, unit), "year": year, "years": _year_choices(available, year), "groups": groups,
        "total": total, "errors": errors, "warnings": total - errors,
    })
