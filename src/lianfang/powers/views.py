"""Screens of the power catalogue (职权目录). Views are thin: who may do what and
in which order lives in services.py; every queryset goes through `visible()`."""

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from lianfang.access.policy import scope_for, visible
from lianfang.access.shortcuts import get_visible_or_404, require
from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.core.params import int_param
from lianfang.orgs.models import Department, Unit

from . import services
from .forms import (
    DecisionForm,
    FilingForm,
    LegalBasisFormSet,
    NewCatalogueForm,
    NextYearForm,
    NoteForm,
    PowerForm,
    PublishForm,
    ReopenForm,
    SubmitDepartmentForm,
    UploadForm,
)
from .models import Catalogue, CatalogueStatus, Power, PowerCategory

PAGE_SIZE = 25


def _catalogues(user):
    return visible(user, Catalogue.objects.select_related("unit", "based_on"))


def _get_catalogue(user, pk) -> Catalogue:
    return get_visible_or_404(user, _catalogues(user), pk=pk)


def _get_power(user, pk) -> Power:
    qs = Power.objects.select_related("catalogue", "catalogue__unit", "category", "department", "previous",
                                      "previous__catalogue")
    return get_visible_or_404(user, qs, pk=pk)


def _steerable_units(user):
    scope = scope_for(user)
    units = visible(user, Unit.objects.filter(is_active=True))
    return units if scope.superuser else units.filter(pk__in=scope.edit_units)


# ------------------------------------------------------------------ catalogues


@login_required
def index(request):
    catalogues = _catalogues(request.user).annotate(power_count=Count("powers")).order_by("unit__path", "-year")
    groups: list[dict] = []
    for catalogue in catalogues:
        if not groups or groups[-1]["unit"].pk != catalogue.unit_id:
            groups.append({"unit": catalogue.unit, "catalogues": []})
        groups[-1]["catalogues"].append(catalogue)
    units = _steerable_units(request.user)
    context = {
        "groups": groups,
        "new_form": NewCatalogueForm(units=units) if units.exists() else None,
        "statuses": CatalogueStatus,
    }
    return render(request, "powers/index.html", context)


@login_required
@require_POST
def catalogue_new(request):
    form = NewCatalogueForm(request.POST, units=_steerable_units(request.user))
    if not form.is_valid():
        messages.error(request, _("请正确填写单位和年度。"))
        return redirect("powers:index")
    try:
        catalogue = services.create_catalogue(form.cleaned_data["unit"], form.cleaned_data["year"], request.user)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("powers:index")
    messages.success(request, _("已新建“%(c)s”。") % {"c": catalogue})
    return redirect("powers:catalogue", pk=catalogue.pk)


def _filtered_powers(request, catalogue):
    powers = visible(request.user, catalogue.powers.all()).select_related("category", "department").prefetch_related(
        "posts", "legal_bases"
    ).annotate(flowchart_count=Count("flowcharts", distinct=True)).order_by("sort_order", "code")
    filters = {"category": request.GET.get("category", ""), "department": request.GET.get("department", ""),
               "q": request.GET.get("q", "").strip()}
    if category_id := int_param(filters["category"]):
        powers = powers.filter(category_id=category_id)
    if filters["department"] == "none":
        powers = powers.filter(department__isnull=True)
    elif department_id := int_param(filters["department"]):
        powers = powers.filter(department_id=department_id)
    if filters["q"]:
        q = filters["q"]
        powers = powers.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(content__icontains=q) | Q(legal_bases__law__icontains=q)
        ).distinct()
    return powers, filters


@login_required
def catalogue_detail(request, pk):
    catalogue = _get_catalogue(request.user, pk)
    powers, filters = _filtered_powers(request, catalogue)
    page = Paginator(powers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    actions = services.available_actions(catalogue, request.user)
    totals = catalogue.powers.aggregate(
        total=Count("pk"), external=Count("pk", filter=Q(external=True)),
        three=Count("pk", filter=Q(category__three_important=True)),
    )
    context = {
        "catalogue": catalogue,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "categories": PowerCategory.objects.filter(powers__catalogue=catalogue).distinct(),
        "departments": Department.objects.filter(unit_id=catalogue.unit_id).order_by("sort_order", "code"),
        "totals": totals,
        "path": services.status_path(catalogue),
        "events": [
            {"event": e, "who": services.actor_label(e), "note": services.event_note(e)}
            for e in catalogue.events.select_related("actor", "actor__person", "department").order_by("-at", "-pk")
        ],
        "progress": services.department_progress(catalogue) if catalogue.status == CatalogueStatus.DRAFTING else None,
        "actions": actions,
        "edit_refusal": services.edit_refusal(catalogue),
        "forms": _action_forms(catalogue, actions),
        "successor": catalogue.successors.filter(pk__in=_catalogues(request.user).values("pk")).first(),
    }
    return render(request, "powers/catalogue.html", context)


def _action_forms(catalogue, actions) -> dict:
    today = timezone.localdate()
    forms = {
        "consolidate": NoteForm(prefix="consolidate"),
        "decide": DecisionForm(prefix="decide"),
        "file": FilingForm(prefix="file"),
        "publish": PublishForm(prefix="publish"),
        "reopen": ReopenForm(prefix="reopen"),
        "next_year": NextYearForm(prefix="next_year", initial={"year": catalogue.year + 1}),
    }
    if actions["submit_departments"]:
        ids = [d.pk for d in actions["submit_departments"]]
        forms["submit"] = SubmitDepartmentForm(prefix="submit", departments=Department.objects.filter(pk__in=ids))
    forms["publish"].initial = {"date": today}
    return forms


def _form_errors(form) -> str:
    return "；".join(f"{form.fields[f].label if f in form.fields else ''}{'：' if f in form.fields else ''}{e}"
                    for f, errs in form.errors.items() for e in errs)


@login_required
@require_POST
def catalogue_action(request, pk, step):
    catalogue = _get_catalogue(request.user, pk)
    back = redirect("powers:catalogue", pk=catalogue.pk)
    user = request.user
    try:
        if step == "submit":
            departments = Department.objects.filter(unit_id=catalogue.unit_id)
            form = SubmitDepartmentForm(request.POST, prefix="submit", departments=departments)
            if form.is_valid():
                services.submit_department_list(catalogue, form.cleaned_data["department"], user,
                                                form.cleaned_data["note"])
                done = _("%(dept)s的职权清单已提交。") % {"dept": form.cleaned_data["department"].name}
        elif step == "consolidate":
            form = NoteForm(request.POST, prefix="consolidate")
            if form.is_valid():
                services.consolidate(catalogue, user, form.cleaned_data["note"])
                done = _("已完成汇总，待集体研究。")
        elif step == "decide":
            form = DecisionForm(request.POST, request.FILES, prefix="decide")
            if form.is_valid():
                data = form.cleaned_data
                services.record_decision(catalogue, user, data["date"], data["meeting"], data.get("minutes"),
                                         data["note"])
                done = _("已登记集体研究决定。")
        elif step == "file":
            form = FilingForm(request.POST, prefix="file")
            if form.is_valid():
                services.mark_filed(catalogue, user, form.cleaned_data["filed_with"], form.cleaned_data["date"])
                done = _("已登记备案。")
        elif step == "publish":
            form = PublishForm(request.POST, prefix="publish")
            if form.is_valid():
                services.publish(catalogue, user, form.cleaned_data["date"])
                done = _("职权目录已公布，本年度目录自此锁定。")
        elif step == "reopen":
            form = ReopenForm(request.POST, prefix="reopen")
            if form.is_valid():
                services.reopen(catalogue, user, form.cleaned_data["reason"])
                done = _("已退回修改，各科室需重新提交职权清单。")
        elif step == "next_year":
            form = NextYearForm(request.POST, prefix="next_year")
            if form.is_valid():
                new = services.start_next_year(catalogue, user, form.cleaned_data["year"])
                messages.success(request, _("已生成“%(c)s”，请各科室在此基础上调整。") % {"c": new})
                return redirect("powers:catalogue", pk=new.pk)
        else:
            raise Http404
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return back
    if not form.is_valid():
        messages.error(request, _("未能办理：%(errors)s") % {"errors": _form_errors(form)})
    else:
        messages.success(request, done)
    return back


@login_required
def catalogue_diff(request, pk):
    catalogue = _get_catalogue(request.user, pk)
    base = catalogue.based_on
    if base is not None and not visible(request.user, Catalogue.objects.filter(pk=base.pk)).exists():
        raise Http404
    return render(request, "powers/diff.html", {"catalogue": catalogue, "diff": services.diff(catalogue)})


def _catalogue_rows(catalogue):
    return catalogue.powers.select_related("category", "department").prefetch_related("posts", "legal_bases")


@login_required
def catalogue_pdf(request, pk):
    from lianfang.core.pdf import render_pdf

    catalogue = _get_catalogue(request.user, pk)
    require(request.user, "export", catalogue)
    powers = list(_catalogue_rows(catalogue))
    context = {"catalogue": catalogue, "powers": powers, "today": timezone.localdate(),
               "common_channels": services.common_channels(powers)}
    data = render_pdf("pdf/catalogue.html", context, request=request)
    record(Action.EXPORT, catalogue, user=request.user, changes={"format": "pdf", "powers": catalogue.powers.count()})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''catalogue-{catalogue.unit.code}-{catalogue.year}.pdf"
    return response


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def workbook_template(request):
    from .workbook import build_template

    return _xlsx_response(build_template(), "power-catalogue-template.xlsx")


@login_required
def workbook_export(request, pk):
    from .workbook import export_catalogue

    catalogue = _get_catalogue(request.user, pk)
    require(request.user, "export", catalogue)
    data = export_catalogue(catalogue, user=request.user)
    record(Action.EXPORT, catalogue, user=request.user, changes={"format": "xlsx"})
    return _xlsx_response(data, f"catalogue-{catalogue.unit.code}-{catalogue.year}.xlsx")


_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _upload_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "tmp" / "power-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@login_required
def workbook_import(request, pk):
    """Upload → full check → the problem list; writes only after an explicit confirm."""
    from .workbook import import_catalogue

    catalogue = _get_catalogue(request.user, pk)
    if not services.can_add_power(request.user, catalogue):
        raise PermissionDenied
    refusal = services.edit_refusal(catalogue)
    form = UploadForm(request.POST or None, request.FILES or None)
    report, token, filename = None, "", ""
    pending = request.session.get("power_imports", {})
    if request.method == "POST" and not refusal:
        token = request.POST.get("token", "")
        if request.POST.get("commit") == "1" and _TOKEN.match(token) and pending.get(token, {}).get("catalogue") == pk:
            path = _upload_dir() / f"{token}.xlsx"
            if not path.exists():
                messages.error(request, _("上传的文件已失效，请重新上传。"))
                return redirect("powers:import", pk=pk)
            with path.open("rb") as fh:
                report = import_catalogue(fh, unit=catalogue.unit, year=catalogue.year, user=request.user,
                                          commit=True)
            if not report.problems:
                path.unlink(missing_ok=True)
                pending.pop(token, None)
                request.session["power_imports"] = pending
                messages.success(request, _("导入成功。") + _counts_text(report))
                return redirect("powers:catalogue", pk=pk)
            filename = pending.get(token, {}).get("name", "")
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            token, filename = uuid.uuid4().hex, upload.name
            path = _upload_dir() / f"{token}.xlsx"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            with path.open("rb") as fh:
                report = import_catalogue(fh, unit=catalogue.unit, year=catalogue.year, user=request.user,
                                          commit=False)
            pending[token] = {"catalogue": pk, "name": filename}
            request.session["power_imports"] = dict(list(pending.items())[-5:])
    context = {"catalogue": catalogue, "form": form, "report": report, "token": token, "filename": filename,
               "refusal": refusal, "counts": _counts(report)}
    return render(request, "powers/import.html", context)


COUNT_LABELS = {"created": _lazy("新增职权"), "updated": _lazy("更新职权"), "unchanged": _lazy("未变职权")}


def _counts(report) -> list:
    counts = getattr(report, "counts", None) or {}
    items = counts.items() if isinstance(counts, dict) else counts
    return [(COUNT_LABELS.get(k, k), v) for k, v in items]


def _counts_text(report) -> str:
    items = _counts(report)
    return ("（" + "，".join(f"{k}：{v}" for k, v in items) + "）") if items else ""


# ---------------------------------------------------------------------- powers


def _flowchart_url(flowchart):
    for name in ("flows:detail", "flows:flowchart"):
        try:
            return reverse(name, args=[flowchart.pk])
        except NoReverseMatch:
            continue
    return None


@login_required
def power_detail(request, pk):
    power = _get_power(request.user, pk)
    flowcharts = [(f, _flowchart_url(f)) for f in visible(request.user, power.flowcharts.all())]
    previous = power.previous
    if previous is not None and not visible(request.user, Power.objects.filter(pk=previous.pk)).exists():
        previous = None
    context = {
        "power": power,
        "catalogue": power.catalogue,
        "bases": power.legal_bases.all(),
        "posts": power.posts.select_related("department"),
        "flowcharts": flowcharts,
        "previous": previous,
        "changes": services.compare_powers(previous, power) if previous else [],
        "can_edit": services.can_change_power(request.user, power),
        "edit_refusal": services.edit_refusal(power.catalogue),
        "delete_refusal": services.delete_refusal(power),
    }
    return render(request, "powers/power_detail.html", context)


def _power_form(request, catalogue, power):
    user = request.user
    departments = services.editable_departments(user, catalogue.unit)
    if power.pk and power.department_id and not departments.filter(pk=power.department_id).exists():
        departments = departments | Department.objects.filter(pk=power.department_id)
    form = PowerForm(request.POST or None, instance=power, catalogue=catalogue, departments=departments,
                     allow_no_department=services.can_edit_unit_powers(user, catalogue.unit))
    formset = LegalBasisFormSet(request.POST or None, instance=power, prefix="bases")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        candidate = form.instance
        if not services.can_change_power(user, candidate):
            raise PermissionDenied
        try:
            with transaction.atomic():
                services.assert_editable(Catalogue.objects.select_for_update().get(pk=catalogue.pk))
                saved = form.save()
                formset.instance = saved
                formset.save()
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("powers:catalogue", pk=catalogue.pk)
        messages.success(request, _("已保存职权“%(name)s”。") % {"name": saved.name})
        return redirect("powers:power", pk=saved.pk)
    title = _("编辑职权") if power.pk else _("新增职权")
    return render(request, "powers/power_form.html",
                  {"form": form, "formset": formset, "catalogue": catalogue, "power": power, "title": title})


def _refuse_if_frozen(request, catalogue, power=None):
    reason = services.edit_refusal(catalogue)
    if reason:
        messages.error(request, reason)
        return redirect("powers:power", pk=power.pk) if power else redirect("powers:catalogue", pk=catalogue.pk)
    return None


@login_required
def power_new(request, pk):
    catalogue = _get_catalogue(request.user, pk)
    if not services.can_add_power(request.user, catalogue):
        raise PermissionDenied
    refused = _refuse_if_frozen(request, catalogue)
    if refused:
        return refused
    power = Power(catalogue=catalogue, unit=catalogue.unit)
    last = catalogue.powers.order_by("-sort_order").values_list("sort_order", flat=True).first()
    power.sort_order = (last or 0) + 10
    # Most powers of a unit share its supervision channels: start from the last one used.
    power.supervision_channels = (
        catalogue.powers.exclude(supervision_channels="").order_by("-pk").values_list("supervision_channels", flat=True)
        .first() or ""
    )
    return _power_form(request, catalogue, power)


@login_required
def power_edit(request, pk):
    power = _get_power(request.user, pk)
    require(request.user, "change", power)
    refused = _refuse_if_frozen(request, power.catalogue, power)
    if refused:
        return refused
    return _power_form(request, power.catalogue, power)


@login_required
@require_POST
def power_delete(request, pk):
    power = _get_power(request.user, pk)
    require(request.user, "delete", power)
    catalogue = power.catalogue
    try:
        services.delete_power(power, request.user)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("powers:power", pk=power.pk)
    messages.success(request, _("已删除职权“%(name)s”。") % {"name": power.name})
    return redirect("powers:catalogue", pk=catalogue.pk)

