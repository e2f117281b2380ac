from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.access.policy import CHANGE, DELETE, can_audit_unit, can_manage_unit, visible
from lianfang.access.shortcuts import get_visible_or_404, require
from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.core.params import int_param

from . import services
from .forms import DepartmentForm, PostForm, UnitForm, UploadForm
from .models import Charge, Department, GroupMembership, OrgGroup, Person, Post, PostAssignment, Unit
from .tree import visible_tree


@login_required
def tree(request):
    roots = visible_tree(request.user)
    selected = None
    if roots:
        wanted = int_param(request.GET.get("unit"))
        units = visible(request.user, Unit.objects.all())
        selected = units.filter(pk=wanted).first() if wanted else None
        selected = selected or roots[0].unit
    context = {"roots": roots, "selected": selected}
    if selected:
        context.update(unit_context(request.user, selected))
    return render(request, "orgs/tree.html", context)


GROUP_ORDER = ["steering", "steering_office", "party", "discipline", "coordination"]
ROLE_ORDER = ["lead", "director", "deputy", "member"]


def _rank(field: str, order: list[str]):
    """Order by a list of choice values (lead before deputy, not alphabetically)."""
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(order)), default=Value(len(order)),
                output_field=IntegerField())


def unit_context(user, unit) -> dict:
    current = PostAssignment.objects.current().select_related("person")
    posts = Prefetch("posts", queryset=visible(user, Post.objects.all()).prefetch_related(
        Prefetch("assignments", queryset=current, to_attr="current_assignments")
    ))
    departments = visible(user, Department.objects.filter(unit=unit)).prefetch_related(
        posts, Prefetch("charges", queryset=Charge.objects.current().select_related("person"), to_attr="current_charges")
    )
    leadership_posts = visible(user, Post.objects.filter(unit=unit, department__isnull=True)).prefetch_related(
        Prefetch("assignments", queryset=current, to_attr="current_assignments")
    )
    groups = visible(user, OrgGroup.objects.filter(unit=unit)).order_by(_rank("kind", GROUP_ORDER)).prefetch_related(
        Prefetch("memberships", queryset=GroupMembership.objects.current().select_related("person", "person__unit")
                 .order_by(_rank("role", ROLE_ORDER), "person__code"), to_attr="current_memberships")
    )
    return {
        "unit": unit,
        "ancestors": unit.ancestors(),
        "departments": departments,
        "leadership_posts": leadership_posts,
        "groups": groups,
        "people_count": visible(user, Person.objects.filter(unit=unit, is_active=True)).count(),
        "can_manage": can_manage_unit(user, unit),
        "can_audit": can_audit_unit(user, unit.pk),
    }


@login_required
def unit_detail(request, pk):
    unit = get_visible_or_404(request.user, Unit, pk=pk)
    template = "orgs/_unit.html" if request.headers.get("HX-Request") else "orgs/unit.html"
    return render(request, template, unit_context(request.user, unit))


def _edit(request, form, *, title, back):
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                obj = form.save()
        except Exception as exc:  # a constraint the form could not see (e.g. a race on a code)
            form.add_error(None, _("保存失败：%(reason)s") % {"reason": services.explain_integrity_error(exc)})
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": obj})
            return redirect(back(obj))
    return render(request, "orgs/edit.html", {"form": form, "title": title})


@login_required
def unit_edit(request, pk):
    unit = get_visible_or_404(request.user, Unit, pk=pk)
    require(request.user, CHANGE, unit)
    form = UnitForm(request.POST or None, instance=unit)
    form.fields["parent"].queryset = visible(request.user, Unit.objects.exclude(path__startswith=unit.path))
    return _edit(request, form, title=_("编辑单位"), back=lambda u: f"/orgs/?unit={u.pk}")


@login_required
def department_edit(request, pk=None, unit_pk=None):
    if pk:
        department = get_visible_or_404(request.user, Department, pk=pk)
    else:
        department = Department(unit=get_visible_or_404(request.user, Unit, pk=unit_pk))
    require(request.user, CHANGE, department)
    form = DepartmentForm(request.POST or None, instance=department)
    return _edit(request, form, title=_("编辑内设机构") if pk else _("新增内设机构"),
                 back=lambda d: f"/orgs/?unit={d.unit_id}")


@login_required
def post_edit(request, pk=None, unit_pk=None):
    if pk:
        post = get_visible_or_404(request.user, Post, pk=pk)
    else:
        post = Post(unit=get_visible_or_404(request.user, Unit, pk=unit_pk))
    require(request.user, CHANGE, post)
    form = PostForm(request.POST or None, instance=post, unit=post.unit)
    return _edit(request, form, title=_("编辑岗位") if pk else _("新增岗位"), back=lambda p: f"/orgs/?unit={p.unit_id}")


def _delete(request, obj, back):
    require(request.user, DELETE, obj)
    try:
        with transaction.atomic():
            services.delete_refusing_references(obj)
    except services.StillReferenced as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": obj})
    return redirect(back)


@login_required
@require_POST
def unit_delete(request, pk):
    unit = get_visible_or_404(request.user, Unit, pk=pk)
    return _delete(request, unit, f"/orgs/?unit={unit.parent_id or ''}")


@login_required
@require_POST
def department_delete(request, pk):
    department = get_visible_or_404(request.user, Department, pk=pk)
    return _delete(request, department, f"/orgs/?unit={department.unit_id}")


@login_required
@require_POST
def post_delete(request, pk):
    post = get_visible_or_404(request.user, Post, pk=pk)
    return _delete(request, post, f"/orgs/?unit={post.unit_id}")


@login_required
def person_detail(request, pk):
    person = get_visible_or_404(request.user, Person.objects.select_related("unit", "user"), pk=pk)
    context = {
        "person": person,
        "assignments": person.assignments.select_related("post", "post__department").order_by("-start_date"),
        "charges": person.charges.select_related("department").order_by("-start_date"),
        "memberships": person.memberships.select_related("group").order_by("-start_date"),
        "can_audit": can_audit_unit(request.user, person.unit_id),
    }
    return render(request, "orgs/person.html", context)


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def workbook_template(request):
    from .workbook import build_template

    return _xlsx_response(build_template(), "org-template.xlsx")


@login_required
def workbook_export(request):
    from .workbook import export_workbook

    unit = None
    if request.GET.get("unit"):
        unit_id = int_param(request.GET["unit"])
        if not unit_id:
            raise Http404
        unit = get_visible_or_404(request.user, Unit, pk=unit_id)
    data = export_workbook(user=request.user, unit=unit)
    record(Action.EXPORT, unit, object_type="orgs.workbook", object_repr=_("组织机构导出") + (f"：{unit}" if unit else ""))
    return _xlsx_response(data, "organisation.xlsx")


@login_required
def workbook_import(request):
    from .workbook import import_workbook

    scope_units = visible(request.user, Unit.objects.all())
    if not any(can_manage_unit(request.user, u) for u in scope_units[:500]) and not request.user.is_superuser:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        commit = request.POST.get("commit") == "1"
        report = import_workbook(form.cleaned_data["file"], user=request.user, commit=commit)
        if commit and report.ok:
            messages.success(request, _("导入成功。"))
            return redirect("orgs:tree")
    return render(request, "orgs/import.html", {"form": form, "report": report})



