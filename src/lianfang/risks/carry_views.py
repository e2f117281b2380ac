"""The 回头看 screen: carry last year's risk points into the new year's campaign
as drafts to revise (DOMAIN.md §2, §5; `services.carry_over`), and what the
detail page shows of the entry a risk point was carried over from.

Who may carry what: the units offered are those in which the user may record
risk points (`views.creatable_units`); within one, the entries offered are last
year's that the user may see and change (`visible()` + `can(CHANGE)`) — staff
their own posts', department heads their departments', the unit head and the
steering-group office the whole unit. A unit outside that list answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.access.policy import CHANGE, can, visible
from lianfang.core.params import int_param, year_param

from .models import RiskPoint
from .services import CarryOverError, carry_over, carry_over_pending, changes_since
from .views import creatable_units


def _years(request) -> tuple[int, int]:
    source = request.POST if request.method == "POST" else request.GET
    to_year = year_param(source.get("to")) or timezone.localdate().year
    from_year = year_param(source.get("from")) or to_year - 1
    return from_year, to_year


def _unit(request, units):
    source = request.POST if request.method == "POST" else request.GET
    wanted = source.get("unit")
    if not wanted:
        return units[0]
    unit = next((u for u in units if str(u.pk) == wanted), None)
    if unit is None:
        raise Http404  # another unit's programme is not revealed
    return unit


def _candidates(user, unit, from_year: int, to_year: int) -> list[RiskPoint]:
    """Last year's entries not carried over yet that this user may carry."""
    rows = visible(user, carry_over_pending(unit, from_year, to_year)).select_related(
        "unit", "post", "department", "category").annotate(measure_count=Count("measures")).order_by("code")
    return [r for r in rows if can(user, CHANGE, r)]


def _carried(user, unit, from_year: int, to_year: int):
    """This year's entries the user may see that were carried over from `from_year`."""
    return visible(user, RiskPoint.objects.filter(unit=unit, year=to_year, previous__year=from_year)).select_related(
        "previous", "post", "department").order_by("code")


@login_required
def carry_over_screen(request):
    units = creatable_units(request.user)
    if not units:
        raise PermissionDenied
    unit = _unit(request, units)
    from_year, to_year = _years(request)
    url = f"{reverse('risks:carry_over')}?unit={unit.pk}&from={from_year}&to={to_year}"
    year_error = (_("回头看只能把风险点结转到更晚的年度：%(to)s 年度不晚于 %(from)s 年度。")
                  % {"to": to_year, "from": from_year}) if to_year <= from_year else ""
    candidates = [] if year_error else _candidates(request.user, unit, from_year, to_year)
    taken = set(RiskPoint.objects.filter(unit=unit, year=to_year).values_list("code", flat=True)) if candidates else set()
    for risk in candidates:
        risk.code_taken = risk.code in taken

    if request.method == "POST":
        allowed = {r.pk for r in candidates if not r.code_taken}
        if request.POST.get("scope") == "all":
            chosen = allowed
        else:
            chosen = {i for i in map(int_param, request.POST.getlist("risk")) if i} & allowed
        if year_error:
            messages.error(request, year_error)
        elif not allowed:
            messages.info(request, _("没有需要结转的风险点：都已结转过，或您没有可以修订的上年度风险点。"))
        elif not chosen:
            messages.warning(request, _("没有选中可以结转的风险点。"))
        else:
            try:
                copied = carry_over(unit, from_year, to_year, user=request.user, only=chosen)
            except CarryOverError as exc:
                messages.error(request, str(exc))
            except IntegrityError:
                messages.error(request, _("结转时与他人的操作发生冲突，未做任何改动。请刷新页面后重试。"))
            else:
                if copied:
                    messages.success(request, _("已将 %(n)d 条风险点结转到 %(year)s 年度，均为草稿，请逐条修订后提交审核。")
                                     % {"n": copied, "year": to_year})
                else:
                    messages.info(request, _("没有结转任何风险点：选中的风险点已经结转过。"))
                if copied < len(chosen):
                    messages.warning(request, _("有 %(n)d 条未结转：已经结转过，或本年度已有相同编号的风险点。")
                                     % {"n": len(chosen) - copied})
        return redirect(url)

    return render(request, "risks/carry_over.html", {
        "units": units, "unit": unit, "from_year": from_year, "to_year": to_year, "year_error": year_error,
        "candidates": candidates, "carryable": sum(1 for r in candidates if not r.code_taken),
        "carried": list(_carried(request.user, unit, from_year, to_year)) if not year_error else [],
        "years": sorted({*RiskPoint.objects.filter(unit=unit).values_list("year", flat=True).distinct(),
                         timezone.localdate().year, timezone.localdate().year + 1, to_year, from_year}, reverse=True),
    })


def previous_context(user, risk: RiskPoint) -> dict | None:
    """For the detail page: the entry this one was carried over from (when the
    user may see it) and what has changed since."""
    if not risk.previous_id:
        return None
    previous = visible(user, RiskPoint.objects.filter(pk=risk.previous_id)).select_related(
        "category", "post", "department", "person", "power", "step").first()
    if previous is None:
        return {"risk": None, "changes": []}
    return {"risk": previous, "changes": changes_since(previous, risk)}
