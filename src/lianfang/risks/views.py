"""Screens of the risk register (廉政风险点, DOMAIN.md §5–7): the list, a risk
point with how its level was reached, recording and editing with measures,
evidence on measures, the measures overview and the unit's rating model.

A risk point is a possibility to prevent, not an accusation and not a work gap:
the wording on these screens keeps to that. Every list goes through `visible()`;
details through `get_risk` (visible, or waiting for this person's review);
changes through `can()`."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lianfang.access.policy import AUDIT, CHANGE, can, record_units, scope_for, visible
from lianfang.access.shortcuts import get_visible_or_404
from lianfang.core.options import options
from lianfang.core.paging import page_of_ids
from lianfang.core.params import int_param, year_param
from lianfang.measures.models import Evidence, Kind, Line, Measure, Status
from lianfang.measures.services import MeasureError, record_rule_issued
from lianfang.orgs.models import Department, Person, Post, PostAssignment, Unit
from lianfang.reviews import chains
from lianfang.reviews.views import chain_steps, person_of

from .forms import EvidenceForm, MeasureFormSet, RatingModelForm, RiskPointForm, RuleIssuedForm
from .models import (
    LEVEL_GRADES,
    FindingLevel,
    Level,
    RatingModel,
    ReviewStatus,
    RiskCategory,
    RiskPoint,
)
from .queries import EFFECTIVE_LEVEL, distinct_years
from .rating import LEVEL_NAMES, ModelError, Rating, explain, rate
from .services import active_model, apply_rating, assign_responsibility, rerate

PAGE_SIZE = 50
EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)

# The level that counts: residual once measures are rated, else inherent (RiskPoint.level).

def level_choices():
    return [(level.value, f"{level.label}（{LEVEL_GRADES[level]}）") for level in Level]


def _page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def detail_queryset():
    return RiskPoint.objects.select_related(
        "unit", "post", "post__department", "department", "person", "power", "power__catalogue", "step",
        "step__flowchart", "category", "rating_model", "responsible", "author")


def get_risk(user, pk, queryset=None) -> RiskPoint:
    """The risk point if the user may see it, or if it waits for their review
    (a peer department's head reviewing a department-level entry sees it only
    then); 404 otherwise, so that other units' entries stay hidden."""
    queryset = queryset if queryset is not None else detail_queryset()
    risk = visible(user, queryset).filter(pk=pk).first()
    if risk is None:
        candidate = queryset.filter(pk=pk, status=ReviewStatus.IN_REVIEW).first()
        if candidate is None or not chains.may_review(candidate, person_of(user)):
            raise Http404
        risk = candidate
    return risk


def edit_block_reason(risk: RiskPoint) -> str:
    if risk.status == ReviewStatus.APPROVED:
        return _("该风险点已经审核确认，内容不能再修改：确认的记录是审核链上各级负责人签认的结果。"
                 "如需调整，请在下一年度“回头看”中修订，或由领导小组办公室组织重新排查。")
    if risk.status == ReviewStatus.IN_REVIEW:
        return _("该风险点正在审核中，暂不能修改。如需修改，请联系当前审核人退回。")
    return ""


# ---------------------------------------------------------------- list


KEYWORD_COUNT_BOUND = 1000


@login_required
def index(request):
    base = visible(request.user, RiskPoint.objects.all())
    # Filter and count without joins or GROUP BY (the count over a province's rows is
    # the expensive part); only the 50 rows of the page get their joins and counts.
    risks = base.alias(effective_level=EFFECTIVE_LEVEL)
    g = request.GET
    filters = {key: g.get(key, "").strip() for key in
               ("year", "unit", "department", "level", "category", "status", "finding_level", "q")}
    year, unit_id, department_id, category_id = (
        year_param(filters["year"]), int_param(filters["unit"]), int_param(filters["department"]),
        int_param(filters["category"]))
    if year:
        risks = risks.filter(year=year)
    if unit_id:
        risks = risks.filter(unit_id=unit_id)
    if department_id:
        risks = risks.filter(department_id=department_id)
    if filters["level"] in Level.values:
        risks = risks.filter(effective_level=filters["level"])
    if category_id:
        risks = risks.filter(category_id=category_id)
    if filters["status"] in ReviewStatus.values:
        risks = risks.filter(status=filters["status"])
    if filters["finding_level"] in FindingLevel.values:
        risks = risks.filter(finding_level=filters["finding_level"])
    if filters["q"]:
        q = filters["q"]
        # Posts and departments by name through small subqueries: joining them to
        # every risk point would cost two joins per row scanned.
        risks = risks.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(description__icontains=q)
                             | Q(post__in=Post.objects.filter(name__icontains=q))
                             | Q(department__in=Department.objects.filter(name__icontains=q)) | Q(cause__icontains=q))
    # A keyword match costs a text scan per row: count fewer of them.
    bound = KEYWORD_COUNT_BOUND if filters["q"] else None
    page = page_of_ids(risks.order_by("unit_id", "-year", "code"), PAGE_SIZE, g.get("page"), bound=bound)
    ids = list(page.object_list)
    rows = {r.pk: r for r in RiskPoint.objects.filter(pk__in=ids).select_related(
        "unit", "post", "department", "category", "responsible").annotate(effective_level=EFFECTIVE_LEVEL)}
    # Counted apart: a COUNT joined to the page would GROUP BY every selected column.
    measure_counts = dict(Measure.objects.filter(risk_id__in=ids).values_list("risk_id").annotate(n=Count("pk"))
                          .values_list("risk_id", "n").order_by())
    for r in rows.values():
        r.measure_count = measure_counts.get(r.pk, 0)
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    units = list(record_units(request.user).order_by("path").values_list("pk", "name"))
    chosen_unit = unit_id or (units[0][0] if len(units) == 1 else None)
    # Departments of the chosen unit holding a visible risk point: the subquery
    # reads that unit's rows only (an index range), not the whole visible table.
    departments = (Department.objects.filter(
        unit_id=chosen_unit, pk__in=base.filter(unit_id=chosen_unit).values("department_id"))
        .select_related("unit") if chosen_unit else Department.objects.none())
    context = {
        "page": page,
        "filters": filters,
        "query": _page_query(request),
        "years": distinct_years(base),
        "units": units,
        "departments": departments,
        "categories": RiskCategory.objects.all(),
        "levels": level_choices(),
        "statuses": ReviewStatus.choices,
        "finding_levels": FindingLevel.choices,
        "unit_options": options(units, filters["unit"], _("全部")),
        "many_units": len(units) > 1,
        "can_create": may_create(request.user),
        "can_model": may_model(request.user),
    }
    return render(request, "risks/index.html", context)


# ---------------------------------------------------------------- detail


def rating_context(risk: RiskPoint) -> dict | None:
    """Everything the detail page needs to show how the level was reached."""
    e = risk.explanation or {}
    if not e or not risk.inherent_level:
        return None
    residual_level = risk.residual_level or risk.inherent_level
    residual_score = risk.residual_score if risk.residual_score is not None else risk.inherent_score
    rating = Rating(risk.inherent_score, risk.inherent_level, residual_score, residual_level, e)
    try:
        lines = explain(rating)
    except (KeyError, TypeError):
        lines = []
    context = {"kind": e.get("kind"), "lines": lines, "inherent_score": risk.inherent_score,
               "residual_score": residual_score, "inherent_level": risk.inherent_level,
               "residual_level": residual_level, "model": risk.rating_model}
    if e.get("kind") == "indicator":
        total = e["total_weight"]
        rows = []
        for row in e["factors"]:
            rows.append({**row, "share": row["weight"] / total * 100,
                         "inherent": round(row["inherent_points"], 2), "residual": round(row["residual_points"], 2),
                         "used_inherent": row["inherent_points"] * total / row["weight"],
                         "used_residual": row["residual_points"] * total / row["weight"]})
        t = e["thresholds"]
        context.update({
            "rows": rows, "total_weight": total, "thresholds": t, "scale": e.get("scale", [1, 5]),
            "sum_inherent": round(sum(r["inherent"] for r in rows), 2),
            "sum_residual": round(sum(r["residual"] for r in rows), 2),
            "bands": [
                {"level": "high", "text": f"≥ {t['high']:g}"},
                {"level": "medium", "text": f"{t['medium']:g} – {t['high']:g}"},
                {"level": "low", "text": f"< {t['medium']:g}"},
            ],
        })
        context["rounding_note"] = (context["sum_inherent"] != round(risk.inherent_score, 2)
                                    or context["sum_residual"] != round(residual_score, 2))
    elif e.get("kind") == "matrix" and risk.rating_model is not None:
        definition = risk.rating_model.definition
        size = len(definition["likelihood"])
        grid = []
        for li in range(size, 0, -1):
            cells = []
            for ij in range(1, size + 1):
                cells.append({"level": definition["cells"][li - 1][ij - 1],
                              "inherent": li == e["likelihood"] and ij == e["impact"],
                              "residual": li == e["residual_likelihood"] and ij == e["impact"]})
            grid.append({"number": li, "name": definition["likelihood"][li - 1], "cells": cells})
        context.update({"grid": grid, "impacts": list(enumerate(definition["impact"], 1))})
    return context


def _detail_context(request, risk: RiskPoint, bad_evidence: tuple[int, EvidenceForm] | None = None) -> dict:
    user = request.user
    person = person_of(user)
    measures = list(risk.measures.select_related("owner").prefetch_related("evidence", "evidence__uploaded_by"))
    may_change_measures = can(user, CHANGE, risk)
    for measure in measures:
        measure.evidence_form = bad_evidence[1] if bad_evidence and bad_evidence[0] == measure.pk else EvidenceForm(
            prefix=f"m{measure.pk}")
    reviews = list(risk.reviews.select_related("reviewer").order_by("at", "pk"))
    for review in reviews:
        review.role_label = chains.role_label(review.role) if review.role else _("填报人")
    changeable = can(user, CHANGE, risk)
    from .carry_views import previous_context  # carry_views imports this module

    return {
        "risk": risk,
        "previous": previous_context(user, risk),
        "discovery": list(risk.discovery.all()),
        "rating": rating_context(risk),
        "measures": measures,
        "may_change_measures": may_change_measures,
        "measure_statuses": Status.choices,
        "reviews": reviews,
        "chain": chain_steps(risk),
        "current_role": chains.role_label(chains.current_role(risk)) if chains.current_role(risk) else "",
        "can_edit": changeable and risk.status in EDITABLE,
        "edit_block": edit_block_reason(risk) if changeable else "",
        "can_submit": (changeable and person is not None and risk.status in EDITABLE
                       and risk.author_id in (None, person.pk)),
        "can_review": chains.may_review(risk, person),
        "can_audit": can(user, AUDIT, risk),
        "audit_url": reverse("audit:object", args=["risks.riskpoint", str(risk.pk)]),
        "grade": LEVEL_GRADES.get(risk.level, ""),
        "flow_url": (reverse("flows:detail", args=[risk.step.flowchart_id]) + f"?step={risk.step.code}"
                     if risk.step_id else ""),
    }


@login_required
def detail(request, pk):
    risk = get_risk(request.user, pk)
    return render(request, "risks/detail.html", _detail_context(request, risk))


# ---------------------------------------------------------------- create / edit


def _recorder(user, scope):
    """The user's person when they may record risk points in their own unit
    (as the unit's editor, or for their posts or departments), else None."""
    person = person_of(user)
    if person is not None and (person.unit_id in scope.edit_units or scope.posts or scope.departments):
        return person
    return None


def may_create(user) -> bool:
    """Whether `creatable_units(user)` is non-empty, without listing them."""
    scope = scope_for(user)
    return scope.superuser or _recorder(user, scope) is not None


def creatable_units(user) -> list[Unit]:
    """Units in which the user may record at least some risk points."""
    scope = scope_for(user)
    if scope.superuser:
        return list(Unit.objects.filter(is_active=True).order_by("path"))
    person = _recorder(user, scope)
    return [person.unit] if person is not None else []


def _save(request, form, formset, risk: RiskPoint, model: RatingModel, creating: bool) -> RiskPoint:
    with transaction.atomic():
        risk = form.save(commit=False)
        if creating:
            risk.author = person_of(request.user)
        if not risk.person_id and risk.post_id and risk.finding_level in (FindingLevel.POST, FindingLevel.LEADERSHIP):
            holder = PostAssignment.objects.current().filter(post_id=risk.post_id).select_related("person").first()
            risk.person = holder.person if holder else None
        apply_rating(risk, form.rating_inputs(), model)
        override = form.cleaned_data.get("override_person")
        assign_responsibility(risk, override=override, reason=form.cleaned_data.get("override_reason") or "")
        risk.save()
        form.save_m2m()
        formset.instance = risk
        for number, measure in enumerate(formset.save(commit=False), 1):
            measure.sort_order = measure.sort_order or number
            measure.save()
        for measure in formset.deleted_objects:
            measure.delete()
    return risk


def _edit(request, risk: RiskPoint, unit: Unit, units=None):
    creating = risk.pk is None
    try:
        model = active_model(unit)
    except ModelError as exc:
        messages.error(request, str(exc))
        return redirect("risks:index")
    if request.method == "POST":
        form = RiskPointForm(request.POST, instance=risk, user=request.user, unit=unit, rating_model=model)
        formset = MeasureFormSet(request.POST, instance=risk, prefix="measures", form_kwargs={"unit": unit})
        if form.is_valid() and formset.is_valid():
            try:
                risk = _save(request, form, formset, risk, model, creating)
            except (ModelError, ValueError) as exc:
                form.add_error(None, str(exc))
            else:
                if request.POST.get("then") == "submit":
                    try:
                        chains.submit(risk, person_of(request.user))
                    except (chains.ReviewError, PermissionDenied) as exc:
                        messages.error(request, _("已保存为草稿，但未能提交审核：%(e)s") % {"e": exc})
                    else:
                        messages.success(request, _("已保存并提交审核。"))
                else:
                    messages.success(request, _("已保存风险点“%(code)s”。") % {"code": risk.code})
                return redirect("risks:detail", pk=risk.pk)
    else:
        form = RiskPointForm(instance=risk, user=request.user, unit=unit, rating_model=model)
        formset = MeasureFormSet(instance=risk, prefix="measures", form_kwargs={"unit": unit})
        if creating:
            formset.extra = 1  # one blank measure to start with
    return render(request, "risks/form.html", {
        "form": form, "formset": formset, "risk": risk, "unit": unit, "units": units or [], "model": model,
        "creating": creating, "title": _("填报廉政风险点") if creating else _("修改廉政风险点"),
    })


@login_required
def create(request):
    units = creatable_units(request.user)
    if not units:
        messages.error(request, _("您没有可以填报风险点的岗位或科室。"))
        return redirect("risks:index")
    wanted = int_param(request.POST.get("unit") or request.GET.get("unit"))
    unit = next((u for u in units if u.pk == wanted), units[0])
    risk = RiskPoint(unit=unit, year=timezone.localdate().year)
    return _edit(request, risk, unit, units if len(units) > 1 else None)


@login_required
def edit(request, pk):
    risk = get_risk(request.user, pk)
    if not can(request.user, CHANGE, risk):
        messages.error(request, _("您不能修改该风险点。"))
        return redirect("risks:detail", pk=risk.pk)
    if risk.status not in EDITABLE:
        messages.warning(request, edit_block_reason(risk))
        return redirect("risks:detail", pk=risk.pk)
    return _edit(request, risk, risk.unit)


# ---------------------------------------------------------------- measures and evidence


def _measure(user, pk) -> Measure:
    return get_visible_or_404(user, Measure.objects.select_related("risk"), pk=pk)


@login_required
def evidence_upload(request, pk):
    measure = _measure(request.user, pk)
    if request.method != "POST":
        return redirect(reverse("risks:detail", args=[measure.risk_id]) + f"#measure-{measure.pk}")
    if not can(request.user, CHANGE, measure):
        messages.error(request, _("您不能为该措施上传佐证材料。"))
        return redirect("risks:detail", pk=measure.risk_id)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"m{measure.pk}")
    if not form.is_valid():
        risk = get_risk(request.user, measure.risk_id)
        context = _detail_context(request, risk, bad_evidence=(measure.pk, form))
        return render(request, "risks/detail.html", context, status=400)
    evidence = form.save(commit=False)
    evidence.measure, evidence.uploaded_by = measure, person_of(request.user)
    evidence.save()
    messages.success(request, _("已上传佐证材料。"))
    return redirect(reverse("risks:detail", args=[measure.risk_id]) + f"#measure-{measure.pk}")


def _record_rule(request, measure: Measure) -> None:
    """The rule named by the measure was issued on the posted date (or, with
    `clear`, was not after all). Refusals come back as Chinese messages."""
    if request.POST.get("clear"):
        issued_on = None
    else:
        form = RuleIssuedForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["rule_done_at"][0])
            return
        issued_on = form.cleaned_data["rule_done_at"]
    try:
        record_rule_issued(measure, issued_on)
    except MeasureError as exc:
        messages.error(request, str(exc))
        return
    if issued_on is None:
        messages.success(request, _("已撤销《%(rule)s》的印发登记。") % {"rule": measure.rule_name})
    else:
        messages.success(request, _("已登记《%(rule)s》于 %(date)s 印发。")
                         % {"rule": measure.rule_name, "date": issued_on.isoformat()})


@login_required
def measure_status(request, pk):
    """Update a measure's status, or (action=rule) record that its rule was issued."""
    measure = _measure(request.user, pk)
    if request.method == "POST":
        status = request.POST.get("status", "")
        rule = request.POST.get("action") == "rule"
        if not can(request.user, CHANGE, measure):
            messages.error(request, _("您不能登记该措施的制度印发情况。") if rule else _("您不能更新该措施的落实情况。"))
        elif rule:
            _record_rule(request, measure)
        elif status not in Status.values:
            messages.error(request, _("请选择有效的落实状态。"))
        else:
            measure.status = status
            measure.done_at = timezone.localdate() if status == Status.DONE else None
            measure.save(update_fields=["status", "done_at"])
            messages.success(request, _("已更新措施落实状态。"))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(reverse("risks:detail", args=[measure.risk_id]) + f"#measure-{measure.pk}")


@login_required
def evidence_download(request, pk):
    evidence = get_visible_or_404(request.user, Evidence.objects.select_related("measure__risk"), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.file.name.rsplit("/", 1)[-1])


@login_required
def measures(request):
    today = timezone.localdate()
    base = visible(request.user, Measure.objects.all())
    rows = base
    g = request.GET
    filters = {key: g.get(key, "").strip() for key in
               ("status", "line", "kind", "owner", "due_from", "due_to", "year", "q")}
    if filters["status"] == "overdue":
        rows = rows.exclude(status=Status.DONE).filter(deadline__lt=today)
    elif filters["status"] in Status.values:
        rows = rows.filter(status=filters["status"])
    if filters["line"] in Line.values:
        rows = rows.filter(line=filters["line"])
    if filters["kind"] in Kind.values:
        rows = rows.filter(kind=filters["kind"])
    if owner_id := int_param(filters["owner"]):
        rows = rows.filter(owner_id=owner_id)
    for key, lookup in (("due_from", "deadline__gte"), ("due_to", "deadline__lte")):
        try:
            value = dt.date.fromisoformat(filters[key]) if filters[key] else None
        except ValueError:
            value = None
            filters[key] = ""
        if value:
            rows = rows.filter(**{lookup: value})
    if year := year_param(filters["year"]):
        rows = rows.filter(risk__year=year)
    if filters["q"]:
        q = filters["q"]
        rows = rows.filter(Q(content__icontains=q) | Q(owner_text__icontains=q) | Q(rule_name__icontains=q)
                           | Q(risk__title__icontains=q) | Q(risk__code__icontains=q))
    rows = rows.order_by(F("deadline").asc(nulls_last=True), "risk__code", "sort_order", "pk")
    # As on the risk list: a bounded count, and joins only for the page's rows.
    page = page_of_ids(rows, PAGE_SIZE, g.get("page"))
    ids = list(page.object_list)
    fetched = {m.pk: m for m in Measure.objects.filter(pk__in=ids).select_related(
        "risk", "risk__unit", "risk__department", "risk__post", "owner").annotate(evidence_count=Count("evidence"))}
    page.object_list = [fetched[pk] for pk in ids if pk in fetched]
    for measure in page:  # the page's rows, fetched once; may the user record the rule as issued?
        measure.may_change = bool(measure.rule_name) and can(request.user, CHANGE, measure)
    years = distinct_years(visible(request.user, RiskPoint.objects.all()))
    return render(request, "risks/measures.html", {
        "page": page, "filters": filters, "query": _page_query(request),
        "counts": measure_totals(request.user, years, today),
        "statuses": [*Status.choices, ("overdue", _("已逾期"))], "lines": Line.choices, "kinds": Kind.choices,
        "owners": Person.objects.filter(pk__in=base.exclude(owner=None).values("owner_id").distinct()).order_by(
            "unit__path", "code"),
        "years": years,
    })


def measure_totals(user, years, today) -> dict:
    """The figures above the measures list (every year the user sees), from the
    dashboard's stored per-unit figures rather than a scan of every measure."""
    from lianfang.reports.dashboard import scope_figures_by_year
    from lianfang.reports.figures import overdue

    totals = {"total": 0, "done": 0, "overdue": 0, "rules": 0}
    for f in scope_figures_by_year(user, years).values():
        m = f["m"]
        totals["total"] += m.get("total", 0)
        totals["done"] += m.get("done", 0)
        totals["overdue"] += overdue(f, today)[0]
        totals["rules"] += m.get("with_rule", 0) - m.get("rules_done", 0)
    return totals


# ---------------------------------------------------------------- rating model


def may_model(user) -> bool:
    scope = scope_for(user)
    return scope.superuser or bool(scope.manage_units)


def model_units(user) -> list[Unit]:
    """Units whose rating model the user may change: the steering office's (and admins)."""
    scope = scope_for(user)
    if scope.superuser:
        return list(Unit.objects.filter(is_active=True).order_by("path"))
    return list(Unit.objects.filter(pk__in=scope.manage_units).order_by("path"))


def _available_bases(unit: Unit):
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    return RatingModel.objects.filter(Q(unit_id__in=ids) | Q(unit__isnull=True)).select_related("unit").order_by(
        F("unit__path").asc(nulls_first=True), "name", "-version")


@login_required
def rating_model(request):
    units = model_units(request.user)
    if not units:
        raise PermissionDenied
    wanted = int_param(request.POST.get("unit") or request.GET.get("unit"))
    unit = next((u for u in units if u.pk == wanted), units[0])
    try:
        active = active_model(unit)
    except ModelError as exc:
        messages.error(request, str(exc))
        return redirect("risks:index")
    bases = list(_available_bases(unit))
    wanted_base = int_param(request.POST.get("base") or request.GET.get("base"))
    base = next((m for m in bases if m.pk == wanted_base), active)
    form = RatingModelForm(request.POST or None, base=base)
    if request.method == "POST" and form.is_valid():
        version = (RatingModel.objects.filter(name=base.name).aggregate(v=Max("version"))["v"] or 0) + 1
        new = RatingModel.objects.create(unit=unit, name=base.name, kind=base.kind, version=version,
                                         definition=form.definition(), is_active=False,
                                         note=form.cleaned_data["note"].strip())
        messages.success(request, _("已保存新版本“%(m)s”（尚未启用）。请先预览重新评级的结果，确认后启用。")
                         % {"m": new})
        return redirect("risks:rating_preview", pk=new.pk)
    return render(request, "risks/rating_model.html", {
        "unit": unit, "units": units, "active": active, "base": base, "bases": bases, "form": form,
        "rating": {"kind": base.kind, "definition": base.definition},
        "level_names": LEVEL_NAMES,
    })


def _preview_year(request, unit: Unit) -> int:
    year = year_param(request.POST.get("year") or request.GET.get("year"))
    if year:
        return year
    latest = RiskPoint.objects.filter(unit=unit).aggregate(y=Max("year"))["y"]
    return latest or timezone.localdate().year


@login_required
def rating_preview(request, pk):
    model = RatingModel.objects.select_related("unit").filter(pk=pk, unit__isnull=False).first()
    if model is None:
        raise Http404
    units = model_units(request.user)
    if model.unit_id not in {u.pk for u in units}:
        raise Http404
    unit = model.unit
    year = _preview_year(request, unit)
    risks = RiskPoint.objects.filter(unit=unit, year=year).select_related("post", "department", "rating_model")
    years = sorted(set(RiskPoint.objects.filter(unit=unit).values_list("year", flat=True)), reverse=True)

    if request.method == "POST":
        with transaction.atomic():
            moves = rerate(list(risks), model, commit=True, user=request.user)
            for move in moves:
                if not move.risk.responsibility_override:
                    assign_responsibility(move.risk)
                    move.risk.save(update_fields=["responsible", "responsible_body", "responsibility_override"])
            RatingModel.objects.filter(unit=unit).exclude(pk=model.pk).filter(is_active=True).update(is_active=False)
            if not model.is_active:
                model.is_active = True
                model.save(update_fields=["is_active"])
        messages.success(request, _("已启用“%(m)s”，并对 %(y)s 年度风险点重新评级：%(n)d 条等级发生变化。")
                         % {"m": model, "y": year, "n": len(moves)})
        return redirect(f"{reverse('risks:rating_model')}?unit={unit.pk}")

    items = list(risks)
    skipped = []
    for risk in items:
        try:
            rate(model.kind, model.definition, dict(risk.rating_inputs))
        except ModelError as exc:
            skipped.append((risk, str(exc)))
    moves = rerate(items, model, commit=False)
    return render(request, "risks/rating_preview.html", {
        "model": model, "unit": unit, "year": year, "years": years, "moves": moves, "skipped": skipped,
        "total": len(items), "level_names": LEVEL_NAMES, "active": active_model(unit),
    })
