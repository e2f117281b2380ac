"""Screens of the power-operation flowcharts (权力运行流程图, DOMAIN.md §4): the
list, a flowchart with its diagram and its internal / external views, the
editor with live preview, uploads with a dry-run preview, downloads and the
flowchart book PDF. Flowcharts are "shared": the whole unit sees them, the
unit head and the steering office change them."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.access.policy import CHANGE, DELETE, EXPORT, can, visible
from lianfang.access.shortcuts import get_visible_or_404, require
from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.core.params import int_param
from lianfang.core.pdf import render_pdf
from lianfang.flowmodel import export_bpmn, render_svg, to_json
from lianfang.orgs.models import Unit
from lianfang.powers.models import Power

from . import editing
from .forms import UploadForm
from .hooks import risk_points_by_step
from .models import Flowchart
from .serialize import FlowImportError, flowcharts_with_everything, to_flowmodel

# ---------------------------------------------------------------- helpers


def editable_units(user) -> list[Unit]:
    """Units whose flowcharts the user may create and change."""
    units = visible(user, Unit.objects.filter(is_active=True)).order_by("path")
    return [u for u in units if can(user, CHANGE, Flowchart(unit=u))]


def _num(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def limit_text(hours, workdays) -> str:
    if workdays is not None:
        return _("%(n)s 个工作日") % {"n": _num(workdays)}
    if hours is not None:
        return _("%(n)s 小时") % {"n": _num(hours)}
    return ""


def _load(user, pk) -> Flowchart:
    queryset = flowcharts_with_everything(Flowchart.objects.select_related("unit"))
    return get_visible_or_404(user, queryset, pk=pk)


def drawing(flowchart: Flowchart) -> tuple[dict, dict, str]:
    """The flow-model dict, the risk markers per step and the SVG of a flowchart."""
    model = to_flowmodel(flowchart, with_risks=False)
    markers = risk_points_by_step(flowchart)
    return model, markers, render_svg(model, markers=markers)


def step_rows(flowchart: Flowchart, markers: dict) -> list[dict]:
    """One row per step for the internal view, the PDF and the book."""
    steps = list(flowchart.steps.all())
    names = {s.pk: s for s in steps}
    outgoing: dict[int, list] = {}
    for t in flowchart.transitions.all():
        outgoing.setdefault(t.source_id, []).append((names.get(t.target_id), t.label))
    rows = []
    for index, step in enumerate(steps, 1):
        flags = []
        if step.is_start:
            flags.append(("secondary", _("起始")))
        if step.decision:
            flags.append(("dark", _("决定")))
        if step.supervision_point:
            flags.append(("primary", _("监督点")))
        if step.discretion_point:
            flags.append(("warning", _("裁量点")))
        if step.clock_stop:
            flags.append(("info", _("不计时")))
        if step.is_end:
            flags.append(("secondary", _("结束")))
        rows.append({
            "index": index, "step": step, "post": step.post_name, "post_linked": bool(step.post_id),
            "limit": limit_text(step.limit_hours, step.limit_workdays), "flags": flags,
            "points": [label for ok, label in ((step.supervision_point, _("监督点")),
                                               (step.discretion_point, _("裁量点"))) if ok],
            "risks": markers.get(step.code, []), "next": outgoing.get(step.pk, []),
            "ranges": list(step.discretion_ranges.all()),
        })
    return rows


def _attachment(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _unit_from_request(request, units) -> Unit | None:
    wanted = request.POST.get("unit") or request.GET.get("unit") or ""
    chosen = next((u for u in units if str(u.pk) == wanted), None)
    return chosen or (units[0] if len(units) == 1 else None)


# ---------------------------------------------------------------- list and page


@login_required
def index(request):
    query = request.GET.get("q", "").strip()
    flowcharts = (visible(request.user, Flowchart.objects.all()).select_related("unit")
                  .prefetch_related("powers").annotate(step_count=Count("steps", distinct=True)))
    if query:
        flowcharts = flowcharts.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(note__icontains=query)
            | Q(powers__code__icontains=query) | Q(powers__name__icontains=query)
        ).distinct()
    flowcharts = flowcharts.order_by("unit__path", "code")
    editable = editable_units(request.user)
    editable_ids = {u.pk for u in editable}
    groups: dict[int, dict] = {}
    if not query:
        for unit in editable:
            groups[unit.pk] = {"unit": unit, "flowcharts": [], "can_edit": True}
    for fc in flowcharts:
        group = groups.setdefault(fc.unit_id, {"unit": fc.unit, "flowcharts": [], "can_edit": fc.unit_id in editable_ids})
        group["flowcharts"].append(fc)
    ordered = sorted(groups.values(), key=lambda g: g["unit"].path)
    return render(request, "flows/index.html", {
        "groups": ordered, "query": query, "editable_units": editable,
        "book_units": [g["unit"] for g in ordered if g["flowcharts"]],
        "total": sum(len(g["flowcharts"]) for g in ordered),
        "upload_form": UploadForm(units=editable) if editable else None,
    })


def external_view(flowchart: Flowchart, steps: list) -> dict:
    """The applicant's view (外部流程图): who, conditions, procedure, limits, supervision."""
    powers = list(Power.objects.filter(flowcharts=flowchart).select_related("department").order_by("code"))
    departments = list(dict.fromkeys(p.department.name for p in powers if p.department_id))
    limits = []
    for p in powers:
        if p.statutory_limit_days is not None:
            limits.append(_("法定时限：%(n)s 个工作日") % {"n": p.statutory_limit_days}
                          + (f"（{p.code}）" if len(powers) > 1 else ""))
        if p.promised_limit_days is not None:
            limits.append(_("承诺时限：%(n)s 个工作日") % {"n": p.promised_limit_days}
                          + (f"（{p.code}）" if len(powers) > 1 else ""))
    if not limits:
        case = limit_text(flowchart.case_limit_hours, flowchart.case_limit_workdays)
        if case:
            limits.append(_("办结时限：%(limit)s") % {"limit": case})
    return {
        "powers": powers,
        "subject": flowchart.unit.name + (f"（{'、'.join(departments)}）" if departments else ""),
        "conditions": [(p, p.conditions) for p in powers if p.conditions.strip()],
        "procedure": [s for s in steps if s.kind not in ("catch_event", "throw_event")] or steps,
        "limits": limits,
        "channels": list(dict.fromkeys(p.supervision_channels.strip() for p in powers if p.supervision_channels.strip())),
    }


@login_required
def detail(request, pk):
    flowchart = _load(request.user, pk)
    model, markers, svg = drawing(flowchart)
    rows = step_rows(flowchart, markers)
    steps = [r["step"] for r in rows]
    pairs = list(flowchart.incompatible_pairs.all())
    ranges = [(r["step"], rng) for r in rows for rng in r["ranges"]]
    can_edit = can(request.user, CHANGE, flowchart)
    return render(request, "flows/detail.html", {
        "flowchart": flowchart, "svg": svg, "rows": rows, "pairs": pairs, "ranges": ranges,
        "powers": list(flowchart.powers.all()), "external": external_view(flowchart, steps),
        "case_limit": limit_text(flowchart.case_limit_hours, flowchart.case_limit_workdays),
        "can_edit": can_edit, "can_delete": can(request.user, DELETE, flowchart),
        "can_copy": bool(editable_units(request.user)), "risk_count": sum(len(v) for v in markers.values()),
    })


# ---------------------------------------------------------------- downloads


def book_entry(flowchart: Flowchart) -> dict:
    model = to_flowmodel(flowchart, with_risks=False)
    markers = risk_points_by_step(flowchart)
    svg = render_svg(model, markers=markers, title="")  # the page has its own heading
    rows = step_rows(flowchart, markers)
    return {
        # room left on the A4 page once the heading and the step table are placed
        "svg_max_mm": max(80, 205 - 12 * len(rows)),
        "flowchart": flowchart, "svg_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), "rows": rows,
        "powers": list(flowchart.powers.all()),
        "case_limit": limit_text(flowchart.case_limit_hours, flowchart.case_limit_workdays),
    }


def _book_pdf(request, unit, flowcharts, title) -> bytes:
    return render_pdf("pdf/flowchart_book.html", {
        "unit": unit, "title": title, "entries": [book_entry(fc) for fc in flowcharts],
    }, request=request)


@login_required
def download(request, pk, fmt):
    flowchart = _load(request.user, pk)
    require(request.user, EXPORT, flowchart)
    if fmt == "svg":
        response = _attachment(drawing(flowchart)[2], "image/svg+xml; charset=utf-8", f"{flowchart.code}.svg")
    elif fmt == "bpmn":
        model = to_flowmodel(flowchart)
        response = _attachment(export_bpmn(model), "application/xml", f"{flowchart.code}.bpmn")
    elif fmt == "json":
        response = _attachment(to_json([to_flowmodel(flowchart)]), "application/json; charset=utf-8",
                               f"{flowchart.code}.json")
    elif fmt == "pdf":
        pdf = _book_pdf(request, flowchart.unit, [flowchart], flowchart.name)
        response = _attachment(pdf, "application/pdf", f"{flowchart.code}.pdf")
    else:
        raise Http404
    record(Action.EXPORT, flowchart, changes={"format": fmt}, object_repr=f"{flowchart.code} {flowchart.name}")
    return response


def _export_units(request):
    flowcharts = visible(request.user, Flowchart.objects.all())
    if request.GET.get("unit"):
        unit_id = int_param(request.GET["unit"])
        if not unit_id:
            raise Http404
        unit = get_visible_or_404(request.user, Unit, pk=unit_id)
        flowcharts = flowcharts.filter(unit=unit)
    return flowcharts


@login_required
def export_json(request):
    """Every flowchart the user sees (or one unit's), in the flow-model format:
    the same document `lianfang flows export` writes."""
    flowcharts = list(flowcharts_with_everything(_export_units(request).select_related("unit").order_by("unit__path", "code")))
    by_unit: dict[int, list] = {}
    for fc in flowcharts:
        by_unit.setdefault(fc.unit_id, []).append(fc)
    for unit_id, items in by_unit.items():
        record(Action.EXPORT, object_type="flows.flowchart", object_repr=_("导出流程图 %(n)s 个（JSON）") % {"n": len(items)},
               unit_id=unit_id, changes={"format": "json", "flowcharts": [fc.code for fc in items]})
    return _attachment(to_json([to_flowmodel(fc) for fc in flowcharts]), "application/json; charset=utf-8",
                       "flowcharts.json")


@login_required
def book(request):
    """The flowchart book of one unit (流程图册): one flowchart per A4 page, for the office wall."""
    units = [u for u in visible(request.user, Unit.objects.all()).order_by("path")]
    unit_id = request.GET.get("unit", "")
    unit = next((u for u in units if str(u.pk) == unit_id), None)
    if unit is None:
        own = getattr(getattr(request.user, "person", None), "unit", None)
        unit = own if own in units and not unit_id else None
    if unit is None:
        raise Http404
    flowcharts = list(flowcharts_with_everything(
        visible(request.user, Flowchart.objects.filter(unit=unit)).select_related("unit").order_by("code")))
    if not flowcharts:
        messages.info(request, _("“%(unit)s”还没有流程图。") % {"unit": unit.name})
        return redirect("flows:index")
    pdf = _book_pdf(request, unit, flowcharts, _("%(unit)s权力运行流程图") % {"unit": unit.name})
    record(Action.EXPORT, unit, object_type="flows.flowchart",
           object_repr=_("流程图册 PDF：%(unit)s（%(n)s 个）") % {"unit": unit.name, "n": len(flowcharts)},
           changes={"format": "pdf", "flowcharts": [fc.code for fc in flowcharts]})
    return _attachment(pdf, "application/pdf", f"flowchart-book-{unit.code}.pdf")


# ---------------------------------------------------------------- editor


def _editor_page(request, unit, flowchart=None, model=None):
    problems, warnings = [], []
    if request.method == "POST":
        editor = editing.build_editor(unit, data=request.POST, flowchart=flowchart)
        if editor.is_valid():
            try:
                saved, warnings = editing.save_model(unit, editing.editor_model(editor), user=request.user,
                                                     flowchart=flowchart)
            except FlowImportError as exc:
                problems = exc.problems
            else:
                messages.success(request, _("已保存流程图“%(name)s”。") % {"name": saved.name})
                for warning in warnings[:10]:
                    messages.warning(request, warning)
                return redirect("flows:detail", pk=saved.pk)
        else:
            problems = editor.form_problems()
    else:
        editor = editing.build_editor(unit, flowchart=flowchart, model=model)
    status = 400 if problems else 200
    return render(request, "flows/editor.html", {
        "editor": editor, "unit": unit, "flowchart": flowchart, "problems": problems,
        "copy_sources": _copy_sources(request.user, flowchart),
    }, status=status)


def _copy_sources(user, flowchart):
    queryset = visible(user, Flowchart.objects.select_related("unit")).order_by("unit__path", "code")
    if flowchart is not None:
        queryset = queryset.exclude(pk=flowchart.pk)
    return list(queryset[:300])


@login_required
def create(request):
    units = editable_units(request.user)
    if not units:
        raise PermissionDenied
    unit = _unit_from_request(request, units)
    if unit is None:
        return render(request, "flows/choose_unit.html", {"units": units, "copy": request.GET.get("copy", "")})
    model = None
    copy = request.GET.get("copy", "")
    if request.method == "GET" and copy:
        if not (copy_id := int_param(copy)):
            raise Http404
        model = editing.copy_model(_load(request.user, copy_id), unit)
    return _editor_page(request, unit, None, model)


@login_required
def edit(request, pk):
    flowchart = _load(request.user, pk)
    require(request.user, CHANGE, flowchart)
    return _editor_page(request, flowchart.unit, flowchart)


@login_required
@require_POST
def preview(request):
    """The live preview: the drawing of what the editor holds, or its problems."""
    flowchart = None
    if flowchart_id := int_param(request.POST.get("flowchart")):
        flowchart = _load(request.user, flowchart_id)
        unit = flowchart.unit
        require(request.user, CHANGE, flowchart)
    else:
        unit_id = int_param(request.POST.get("unit"))
        if not unit_id:
            raise Http404
        unit = get_visible_or_404(request.user, Unit, pk=unit_id)
        require(request.user, CHANGE, Flowchart(unit=unit))
    editor = editing.build_editor(unit, data=request.POST, flowchart=flowchart)
    context = {"problems": [], "warnings": [], "svg": None}
    if not editor.drawable():
        context["problems"] = editor.form_problems()
    else:
        model = editing.editor_model(editor)
        header_problems = editor.form_problems()  # a missing code or name: drawn, but not yet saveable
        model["flowchart_code"] = model["flowchart_code"] or "NEW"
        model["name"] = model["name"] or _("（未命名流程图）")
        checked = editing.check_model(model, unit, flowchart)
        context.update(problems=header_problems + checked.problems, warnings=checked.warnings)
        if checked.model is not None:
            context["svg"] = editing.preview_svg(checked.model, flowchart)
            context["steps"] = len(checked.model["steps"])
    return render(request, "flows/_preview.html", context)


@login_required
@require_POST
def delete(request, pk):
    flowchart = _load(request.user, pk)
    require(request.user, DELETE, flowchart)
    name = flowchart.name
    try:
        with transaction.atomic():
            flowchart.delete()
    except ProtectedError:
        messages.error(request, _("流程图“%(name)s”仍被其他记录引用，不能删除。") % {"name": name})
        return redirect("flows:detail", pk=pk)
    messages.success(request, _("已删除流程图“%(name)s”。") % {"name": name})
    return redirect("flows:index")


# ---------------------------------------------------------------- upload


@login_required
def upload(request):
    units = editable_units(request.user)
    if not units:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, units=units,
                      initial={"unit": request.GET.get("unit", "")})
    refusal = None
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        upload_file = form.cleaned_data["file"]
        data = upload_file.read()
        try:
            result = editing.dry_run(unit, data, upload_file.name, user=request.user)
        except FlowImportError as exc:
            refusal = exc
        else:
            editing.keep_upload(request.session, data, upload_file.name, unit.pk)
            return render(request, "flows/upload_preview.html", {
                "unit": unit, "filename": upload_file.name, "result": result,
            })
    return render(request, "flows/upload.html", {"form": form, "refusal": refusal},
                  status=422 if refusal else 200)


@login_required
@require_POST
def upload_confirm(request):
    kept = editing.kept_upload(request.session)
    if kept is None:
        messages.error(request, _("没有待导入的文件，或文件已过期，请重新上传。"))
        return redirect("flows:upload")
    data, filename, unit_id = kept
    unit = get_visible_or_404(request.user, Unit, pk=unit_id)
    require(request.user, CHANGE, Flowchart(unit=unit))
    try:
        outcome = editing.confirm_import(unit, data, filename, user=request.user)
    except FlowImportError as exc:
        editing.drop_upload(request.session)
        form = UploadForm(units=editable_units(request.user), initial={"unit": str(unit.pk)})
        return render(request, "flows/upload.html", {"form": form, "refusal": exc}, status=422)
    editing.drop_upload(request.session)
    messages.success(request, _("已从“%(file)s”导入 %(n)s 个流程图到“%(unit)s”。") % {
        "file": filename, "n": len(outcome.flowcharts), "unit": unit.name})
    if len(outcome.flowcharts) == 1:
        return redirect("flows:detail", pk=outcome.flowcharts[0].pk)
    return redirect(reverse("flows:index") + f"?unit={unit.pk}")


@login_required
@require_POST
def upload_cancel(request):
    editing.drop_upload(request.session)
    messages.info(request, _("已取消导入，未写入任何数据。"))
    return redirect("flows:index")
