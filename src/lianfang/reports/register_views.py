"""Screens for the registers: the list of forms to download for the user's scope,
and the import of an existing register (upload → report → accept → written).

Every queryset goes through `visible()`; downloads contain only the risk points
the user may see. Importing writes risk points for a whole unit, so it is for
those who may change the unit's records (the unit head, the steering-group
office) and administrators."""

import re
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from lianfang.access.policy import scope_for, visible
from lianfang.core.params import int_param, year_param
from lianfang.orgs.models import Department, Post, Unit
from lianfang.risks.models import FindingLevel, ReviewStatus, RiskPoint

from . import register_import, registers

SESSION_KEY = "register_imports"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")

# Which forms are offered, grouped as on paper: the 排查登记表 with its 防控措施表.
GROUPS = (
    ("post", "post_measures", FindingLevel.POST),
    ("leadership", "leadership_measures", FindingLevel.LEADERSHIP),
    ("department", "department_measures", FindingLevel.DEPARTMENT),
    ("unit", "unit_measures", FindingLevel.UNIT),
)


def _units(user):
    return visible(user, Unit.objects.filter(is_active=True)).order_by("path")


def _importable_units(user):
    scope = scope_for(user)
    units = _units(user)
    return units if scope.superuser else units.filter(pk__in=scope.edit_units)


class _Selection:
    """Unit, year, department and post chosen in the query string (all checked)."""

    def __init__(self, request):
        user = request.user
        units = list(_units(user))
        if not units:
            raise PermissionDenied
        wanted = int_param(request.GET.get("unit"))
        person = getattr(user, "person", None) if hasattr(user, "person") else None
        default = next((u for u in units if person is not None and u.pk == person.unit_id), units[0])
        self.units = units
        self.unit = next((u for u in units if u.pk == wanted), None) if wanted else default
        if self.unit is None:
            raise Http404
        years = set(RiskPoint.objects.filter(unit=self.unit).values_list("year", flat=True).distinct())
        this_year = timezone.localdate().year
        self.years = sorted(years | {this_year}, reverse=True)
        self.year = year_param(request.GET.get("year")) or (max(years) if years else this_year)
        self.departments = list(Department.objects.filter(unit=self.unit, is_active=True))
        self.posts = list(Post.objects.filter(unit=self.unit, is_active=True).select_related("department"))
        department_id, post_id = int_param(request.GET.get("department")), int_param(request.GET.get("post"))
        self.department = next((d for d in self.departments if d.pk == department_id), None)
        self.post = next((p for p in self.posts if p.pk == post_id), None)
        if self.post is not None and self.department is not None and self.post.department_id != self.department.pk:
            self.post = None

    def query(self, **extra) -> str:
        params = {"unit": self.unit.pk, "year": self.year}
        if self.department is not None:
            params["department"] = self.department.pk
        if self.post is not None:
            params["post"] = self.post.pk
        params.update(extra)
        return urlencode(params)


@login_required
def index(request):
    sel = _Selection(request)
    base = RiskPoint.objects.filter(unit=sel.unit, year=sel.year)
    if sel.department is not None:
        base = base.filter(department=sel.department)
    if sel.post is not None:
        base = base.filter(post=sel.post)
    seen = visible(request.user, base)
    counts = dict(seen.values_list("finding_level").annotate(n=Count("pk")))
    confirmed = seen.filter(status=ReviewStatus.APPROVED).count()
    groups = []
    for register_kind, measures_kind, level in GROUPS:
        groups.append({
            "register": registers.FORMS[register_kind], "measures": registers.FORMS[measures_kind],
            "count": counts.get(level, 0), "level": registers.FINDING_TEXT[level],
        })
    context = {
        "sel": sel, "groups": groups, "catalogue": registers.FORMS["catalogue"], "confirmed": confirmed,
        "total": sum(counts.values()), "query": sel.query(),
        "can_import": _importable_units(request.user).exists(),
    }
    return render(request, "reports/registers/index.html", context)


@login_required
def download(request, kind):
    if kind not in registers.FORMS:
        raise Http404
    sel = _Selection(request)
    fmt = request.GET.get("format", "xlsx")
    if fmt == "pdf":
        if kind != "catalogue":
            raise Http404
        data = registers.build_catalogue_pdf(unit=sel.unit, year=sel.year, user=request.user,
                                             department=sel.department, request=request)
        response = HttpResponse(data, content_type="application/pdf")
        disposition = "inline"
    else:
        data = registers.build_register(kind, unit=sel.unit, year=sel.year, user=request.user,
                                        department=sel.department, post=sel.post)
        response = HttpResponse(data, content_type=registers.XLSX_CONTENT_TYPE)
        disposition = "attachment"
    name = f"{sel.unit.name}{sel.year}年度{registers.FORMS[kind].name}.{fmt}"
    response["Content-Disposition"] = (f"{disposition}; filename=\"{registers.filename(kind, sel.unit, sel.year, fmt)}\"; "
                                       f"filename*=UTF-8''{quote(name)}")
    return response


# ------------------------------------------------------------------ import


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(label=_lazy("单位"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_lazy("年度"), min_value=1949, max_value=2200, required=False,
                              help_text=_lazy("留空时取表头中的年度，没有则为今年"))
    level = forms.ChoiceField(label=_lazy("查找层级"), required=False,
                              choices=[("", _lazy("按表头和列自动判断"))] + list(FindingLevel.choices))
    create_missing = forms.BooleanField(label=_lazy("本单位没有的科室、岗位直接新建"), required=False)
    file = forms.FileField(label=_lazy("登记表文件（.xlsx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = _importable_units(user)
        self.fields["unit"].queryset = units
        person = getattr(user, "person", None) if hasattr(user, "person") else None
        own = units.filter(pk=person.unit_id).first() if person is not None else None
        if own is not None or units.count() == 1:
            self.fields["unit"].initial = (own or units.first()).pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > register_import.MAX_BYTES:
            raise forms.ValidationError(_("文件过大：最多 %(n)d MB") % {"n": register_import.MAX_BYTES // (1024 * 1024)})
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 工作簿（旧版 .xls 请先另存为 .xlsx）"))
        return upload


def _upload_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "tmp" / "register-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run(path: Path, job: dict, user, commit: bool):
    unit = Unit.objects.get(pk=job["unit"])
    with path.open("rb") as fh:
        return register_import.import_register(fh, unit=unit, year=job.get("year"), user=user,
                                               create_missing=job.get("create_missing", False), commit=commit,
                                               finding_level=job.get("level") or None)


@login_required
def import_view(request):
    """Upload → the report (rows to write, rows to skip and why, notes) → accept → written."""
    if not _importable_units(request.user).exists():
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    pending = request.session.get(SESSION_KEY, {})
    report, token, job = None, "", None
    if request.method == "POST":
        token = request.POST.get("token", "")
        if request.POST.get("commit") == "1":
            job = pending.get(token) if _TOKEN.match(token) else None
            path = _upload_dir() / f"{token}.xlsx"
            if job is None or not path.exists() or not _importable_units(request.user).filter(pk=job["unit"]).exists():
                messages.error(request, _("上传的文件已失效，请重新上传。"))
                return redirect("reports:registers_import")
            report = _run(path, job, request.user, commit=True)
            path.unlink(missing_ok=True)
            pending.pop(token, None)
            request.session[SESSION_KEY] = pending
            if report.committed:
                messages.success(request, _("已导入 %(r)d 个风险点、%(m)d 条防控措施（草稿）；跳过 %(s)d 行。") % {
                    "r": report.risk_points, "m": report.measures, "s": len(report.skipped)})
            else:
                messages.warning(request, _("没有可以导入的行，未写入任何数据。"))
            url = reverse("reports:registers") + "?" + urlencode({"unit": job["unit"], "year": report.year})
            return redirect(url)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            token = uuid.uuid4().hex
            path = _upload_dir() / f"{token}.xlsx"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            job = {"unit": form.cleaned_data["unit"].pk, "year": form.cleaned_data.get("year"),
                   "level": form.cleaned_data.get("level") or "", "create_missing": form.cleaned_data["create_missing"],
                   "name": upload.name}
            report = _run(path, job, request.user, commit=False)
            pending[token] = job
            request.session[SESSION_KEY] = dict(list(pending.items())[-5:])
    context = {"form": form, "report": report, "token": token, "job": job,
               "preview": report.planned[:200] if report else [],
               "level_names": registers.FINDING_TEXT, "level_text": registers.LEVEL_TEXT}
    return render(request, "reports/registers/import.html", context)
