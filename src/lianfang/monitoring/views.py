"""The supervision screens (电子监察): per-unit figures, open cases and their
clocks, findings by rule / department / official with drill-down lists, a case
timeline on its flowchart, the quarterly department ranking, the event-API
tokens and the "立即比对" button.

Findings, events and alerts are oversight data: the unit head, the steering
office, the discipline group and higher-level coordination groups see them
(`screens.supervised_units`); everyone else gets a 404 for the unit."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.access.policy import visible

from . import screens
from .models import IngestToken

PAGE_SIZE = 30
CLOCKS_ON_UNIT_PAGE = 10


def _unit(request, unit_id):
    unit = screens.supervised_units(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def _as_of(request, unit) -> tuple[dt.datetime, bool]:
    chosen = screens.parse_as_of(request.GET.get("as_of"))
    if chosen is not None:
        return chosen, False
    return screens.default_as_of(request.user, unit)


@login_required
def index(request):
    units = list(screens.supervised_units(request.user))
    if not units:
        raise PermissionDenied
    if len(units) == 1 and not request.GET.get("all"):
        return redirect("monitoring:unit", unit_id=units[0].pk)
    rows = []
    for unit in units:
        fig = screens.figures(request.user, unit)
        rows.append({"unit": unit, "fig": fig})
    return render(request, "monitoring/index.html", {"rows": rows})


@login_required
def unit_page(request, unit_id):
    unit = _unit(request, unit_id)
    as_of, stale = _as_of(request, unit)
    index = screens.unit_index(unit)
    findings = screens.findings_queryset(request.user, unit)
    clocks = screens.open_case_clocks(request.user, unit, as_of=as_of, index=index)
    by_rule = screens.findings_by_rule(findings)
    chart = {
        "labels": [r["label"] for r in by_rule],
        "series": [{"name": label, "key": key, "data": [r[key] for r in by_rule]}
                   for key, label in screens.severity_choices()],
    }
    return render(request, "monitoring/unit.html", {
        "unit": unit, "fig": screens.figures(request.user, unit), "clocks": clocks[:CLOCKS_ON_UNIT_PAGE],
        "clock_total": len(clocks), "overdue": sum(1 for c in clocks if c["ratio"] > 1),
        "by_rule": by_rule, "by_department": screens.findings_by_department(findings, index),
        "by_actor": screens.findings_by_actor(findings, index)[:15], "chart": chart,
        "latest": findings[:8], "as_of": as_of, "stale": stale, "as_of_param": request.GET.get("as_of", ""),
        "can_manage": screens.can_manage_tokens(request.user, unit), "index": index,
        "units": screens.supervised_units(request.user),
    })


@login_required
def open_cases(request, unit_id):
    unit = _unit(request, unit_id)
    as_of, stale = _as_of(request, unit)
    clocks = screens.open_case_clocks(request.user, unit, as_of=as_of)
    page = Paginator(clocks, 50).get_page(request.GET.get("page"))
    return render(request, "monitoring/cases.html", {
        "unit": unit, "page": page, "as_of": as_of, "stale": stale, "as_of_param": request.GET.get("as_of", ""),
        "total": len(clocks), "overdue": sum(1 for c in clocks if c["ratio"] > 1),
        "query": f"as_of={request.GET['as_of']}" if screens.parse_as_of(request.GET.get("as_of")) else "",
        "can_manage": screens.can_manage_tokens(request.user, unit),
    })


@login_required
def findings(request, unit_id):
    unit = _unit(request, unit_id)
    index = screens.unit_index(unit)
    filters = {key: request.GET.get(key, "").strip() for key in ("rule", "severity", "department", "actor", "case")}
    show_retracted = request.GET.get("retracted") == "1"
    qs = screens.findings_queryset(request.user, unit, retracted=show_retracted, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for f in page.object_list:
        f.actor_label = index.person(f.actor_id) if f.actor_id else "—"
        f.department_label = index.department_name(f.dept)
    query = request.GET.copy()
    query.pop("page", None)
    departments = screens.findings_by_department(screens.findings_queryset(request.user, unit), index)
    return render(request, "monitoring/findings.html", {
        "unit": unit, "page": page, "filters": filters, "retracted": show_retracted, "query": query.urlencode(),
        "rules": screens.rule_choices(), "severities": screens.severity_choices(), "departments": departments,
        "actor_label": index.person(filters["actor"]) if filters["actor"] else "",
        "rule_label": dict(screens.rule_choices()).get(filters["rule"], ""),
        "department_label": next((d["label"] for d in departments if str(d["key"]) == filters["department"]), ""),
        "can_manage": screens.can_manage_tokens(request.user, unit),
    })


@login_required
def case_detail(request, unit_id, case_id):
    unit = _unit(request, unit_id)
    timeline = screens.case_timeline(request.user, unit, case_id)
    if timeline is None:
        raise Http404
    return render(request, "monitoring/case.html", {
        "unit": unit, "case_id": case_id, "can_manage": screens.can_manage_tokens(request.user, unit), **timeline})


@login_required
def ranking(request, unit_id):
    unit = _unit(request, unit_id)
    available = screens.quarters(request.user, unit)
    chosen = None
    if request.GET.get("q"):
        try:
            year, quarter = (int(x) for x in request.GET["q"].split("-Q"))
            chosen = (year, quarter)
        except ValueError:
            chosen = None
    if chosen is None:
        chosen = available[0] if available else screens.quarter_of(timezone.now())
    rows = screens.department_ranking(request.user, unit, *chosen)
    chart = {"labels": [r["department"] for r in rows], "scores": [r["score"] for r in rows]}
    return render(request, "monitoring/ranking.html", {
        "unit": unit, "rows": rows, "chart": chart, "year": chosen[0], "quarter": chosen[1],
        "available": [(f"{y}-Q{q}", f"{y} 年第 {q} 季度") for y, q in available], "chosen": f"{chosen[0]}-Q{chosen[1]}",
        "deductions": screens.DEDUCTIONS, "per_cases": screens.PER_CASES, "can_manage": screens.can_manage_tokens(request.user, unit),
    })


# ---------------------------------------------------------------- tokens


def _manageable(request, unit_id):
    unit = _unit(request, unit_id)
    if not screens.can_manage_tokens(request.user, unit):
        raise PermissionDenied
    return unit


@login_required
def tokens(request, unit_id):
    unit = _manageable(request, unit_id)
    issued = None
    error = ""
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            error = _("请填写使用令牌的业务系统名称。")
        elif len(name) > 120:
            error = _("业务系统名称不能超过 120 个字符。")
        else:
            row, token = IngestToken.issue(unit, name, request.user)
            issued = {"row": row, "token": token}
    rows = visible(request.user, IngestToken.objects.filter(unit=unit)).select_related("created_by")
    api_url = request.build_absolute_uri(reverse("monitoring_api:events"))
    response = render(request, "monitoring/tokens.html", {
        "unit": unit, "rows": rows, "issued": issued, "error": error, "api_url": api_url,
        "sample": '{"event_id":"E0001","case_id":"C2026-0001","power_code":"XK-001","step_code":"S1",'
                  '"actor_id":"P1042","timestamp":"2026-03-02T09:30:00+08:00"}',
    }, status=400 if error else 200)
    response["Cache-Control"] = "no-store"  # the page may carry a freshly issued token
    return response


@login_required
@require_POST
def revoke_token(request, unit_id, pk):
    unit = _manageable(request, unit_id)
    row = get_object_or_404(IngestToken, pk=pk, unit=unit)
    if row.revoked_at is None:
        row.revoke()
        messages.success(request, _("令牌“%(name)s”（%(prefix)s…）已吊销，使用它的业务系统将无法再提交事件。")
                         % {"name": row.name, "prefix": row.prefix})
    return redirect("monitoring:tokens", unit_id=unit.pk)


# ---------------------------------------------------------------- run the engine now


@login_required
@require_POST
def run_now(request, unit_id):
    """Enqueue a comparison of the unit's events with its flowcharts; with the
    immediate task backend it has already run when enqueue returns."""
    from django.tasks import TaskResultStatus

    from .tasks import evaluate_unit_task

    unit = _unit(request, unit_id)
    if not screens.can_run_engine(request.user, unit):
        raise PermissionDenied
    result = evaluate_unit_task.enqueue(unit.pk, timezone.now().isoformat())
    if result.status == TaskResultStatus.SUCCESSFUL:
        summary = result.return_value or {}
        messages.success(request, _("比对已完成：共检查 %(events)s 条事件，发现问题 %(found)s 项，其中新增 %(new)s 项，"
                                    "撤销 %(retracted)s 项，生成预警 %(alerts)s 条。") % {
            k: summary.get(k, 0) for k in ("events", "found", "new", "retracted", "alerts")})
    elif result.status == TaskResultStatus.FAILED:
        messages.error(request, _("比对未能完成，请稍后重试或联系系统管理员。"))
    else:
        messages.info(request, _("已提交后台比对任务，完成后刷新本页即可看到最新结果。"))
    return redirect("monitoring:unit", unit_id=unit.pk)
