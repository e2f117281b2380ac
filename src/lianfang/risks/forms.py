"""Forms for recording risk points (with their rating inputs and measures),
uploading evidence, and changing a unit's rating model.

The rating inputs are not fixed fields: they are generated from the unit's
active rating model (`services.active_model`), one select per indicator factor
with the factor's guide as help text, or likelihood / impact / controls for a
matrix model. Choices offered are narrowed to what the user may edit; the
authoritative check is `access.policy.can(user, "add", …)` in `clean()`."""

import copy
from pathlib import Path

from django import forms
from django.db.models import Q
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.access.policy import ADD, can, scope_for
from lianfang.flows.models import Step
from lianfang.measures.models import Evidence, Measure
from lianfang.orgs.models import Department, Person, Post
from lianfang.powers.models import Power

from .models import DiscoveryMethod, FindingLevel, RatingModel, RiskCategory, RiskPoint
from .rating import LEVEL_NAMES, LEVELS, ModelError, parse_model, rate

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Extension → the first bytes a genuine file of that type starts with.
EVIDENCE_TYPES = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
RATING_PREFIX = "rate_"


def _style(form) -> None:
    """Bootstrap classes on every widget, so templates can render `{{ field }}`."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def guide_text(guide: dict) -> str:
    """"5：…；3：…；1：…" from a factor's guide, highest score first."""
    if not guide:
        return ""
    items = sorted(guide.items(), key=lambda kv: -float(kv[0]))
    return "；".join(f"{score} 分：{text}" for score, text in items)


def rating_fields(model: RatingModel) -> dict[str, forms.Field]:
    """One form field per input the model needs (named `rate_<key>`)."""
    definition = model.definition
    fields: dict[str, forms.Field] = {}
    if model.kind == RatingModel.Kind.INDICATOR:
        low, high = definition.get("scale", [1, 5])
        choices = [("", "—")] + [(str(n), str(n)) for n in range(int(low), int(high) + 1)]
        total = sum(f["weight"] for f in definition["factors"])
        for factor in definition["factors"]:
            help_text = guide_text(factor.get("guide") or {})
            if factor.get("mitigating"):
                help_text = f"{help_text}。{_('措施越有效分越高：评定固有风险时按最不利计，剩余风险按所评分数计。')}"
            fields[RATING_PREFIX + factor["key"]] = forms.TypedChoiceField(
                label=f"{factor['name']}（{_('权重')} {factor['weight']:g}/{total:g}）", choices=choices, coerce=int,
                help_text=help_text, error_messages={"required": _("请为“%(name)s”评分。") % {"name": factor["name"]}},
            )
        return fields
    size = len(definition["likelihood"])
    fields[RATING_PREFIX + "likelihood"] = forms.TypedChoiceField(
        label=_("发生可能性"), coerce=int,
        choices=[("", "—")] + [(str(i), f"{i} {name}") for i, name in enumerate(definition["likelihood"], 1)],
        error_messages={"required": _("请选择发生可能性。")},
    )
    fields[RATING_PREFIX + "impact"] = forms.TypedChoiceField(
        label=_("影响程度"), coerce=int,
        choices=[("", "—")] + [(str(i), f"{i} {name}") for i, name in enumerate(definition["impact"], 1)],
        error_messages={"required": _("请选择影响程度。")},
    )
    fields[RATING_PREFIX + "controls"] = forms.TypedChoiceField(
        label=_("防控措施降低可能性的级数"), coerce=int, required=False, empty_value=0,
        choices=[(str(i), str(i)) for i in range(size)],
        help_text=_("现有及拟采取的措施能使发生可能性降低几级；用于评定剩余风险。"),
    )
    return fields


def person_label(person: Person) -> str:
    return f"{person.name}（{person.title}）" if person.title else person.name


class RiskPointForm(forms.ModelForm):
    override_person = forms.ModelChoiceField(
        label=_("指定责任领导"), queryset=Person.objects.none(), required=False,
        help_text=_("留空则按等级分级确定：高 → 主要负责人（党组、纪检组监督）；中 → 分管领导；低 → 科室负责人。"),
    )
    override_reason = forms.CharField(label=_("调整理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = RiskPoint
        fields = ["year", "code", "finding_level", "post", "department", "person", "power", "step", "title",
                  "description", "category", "cause", "consequence", "discovery"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "cause": forms.Textarea(attrs={"rows": 2}),
            "consequence": forms.Textarea(attrs={"rows": 2}),
            "discovery": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, unit, rating_model: RatingModel, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.unit, self.rating_model = user, unit, rating_model
        self.instance.unit = unit
        scope = scope_for(user)
        whole_unit = scope.superuser or unit.pk in scope.edit_units

        posts = Post.objects.filter(unit=unit, is_active=True).select_related("department")
        departments = Department.objects.filter(unit=unit, is_active=True)
        if not whole_unit:
            posts = posts.filter(Q(pk__in=scope.posts) | Q(department_id__in=scope.departments))
            departments = departments.filter(pk__in=scope.departments)
        f = self.fields
        f["post"].queryset = posts
        f["post"].label_from_instance = lambda p: (
            f"{p.department.name} · {p.name}" if p.department_id else f"{_('领导班子')} · {p.name}")
        f["department"].queryset = departments
        for name, label in (("post", _("请选择岗位")), ("department", _("请选择科室")), ("person", _("（按岗位确定）")),
                            ("power", _("（不关联职权）")), ("step", _("（不关联流程环节）")),
                            ("override_person", _("（按等级自动确定）"))):
            f[name].empty_label = label
        f["department"].help_text = _("个人（岗位）层级可留空，按岗位所属科室确定。")
        levels = [FindingLevel.POST]
        if whole_unit or scope.departments:
            levels.append(FindingLevel.DEPARTMENT)
        if whole_unit:
            levels.append(FindingLevel.UNIT)
        if whole_unit or any(p.department_id is None for p in posts):
            levels.append(FindingLevel.LEADERSHIP)
        f["finding_level"].choices = [(c.value, c.label) for c in FindingLevel if c in levels]
        people = Person.objects.filter(unit=unit, is_active=True)
        f["person"].queryset = people
        f["person"].label_from_instance = person_label
        f["person"].help_text = _("留空则取岗位当前在职人员；领导班子层级可指定具体班子成员。")
        f["power"].queryset = Power.objects.filter(unit=unit).select_related("catalogue").order_by(
            "-catalogue__year", "sort_order", "code")
        f["power"].label_from_instance = lambda p: f"{p.catalogue.year} · {p.code} {p.name}"
        f["power"].help_text = _("风险点所依附的职权（可选）。")
        f["step"].queryset = Step.objects.filter(flowchart__unit=unit).select_related("flowchart").order_by(
            "flowchart__code", "sort_order", "pk")
        f["step"].label_from_instance = lambda s: f"{s.flowchart.name} · {s.name}"
        f["step"].help_text = _("风险点所在的流程环节（可选），确认后会在流程图上标注。")
        f["category"].queryset = RiskCategory.objects.filter(Q(is_active=True) | Q(pk=self.instance.category_id or 0))
        f["category"].empty_label = _("请选择风险类别")
        f["discovery"].queryset = DiscoveryMethod.objects.filter(is_active=True)
        f["code"].required = False
        f["code"].help_text = _("留空自动生成。")
        f["year"].initial = f["year"].initial or timezone.localdate().year
        f["title"].help_text = _("写明可能发生的廉政风险（如“违规受理不符合条件的申请”），而不是工作不足或已发生的问题。")
        f["description"].help_text = _("这一风险可能以哪些具体形式出现。")
        f["override_person"].queryset = people
        f["override_person"].label_from_instance = person_label

        self.rating_field_names = []
        for name, field in rating_fields(rating_model).items():
            self.fields[name] = field
            self.rating_field_names.append(name)
        if self.instance.pk:
            same_model = self.instance.rating_model_id == rating_model.pk or (
                self.instance.rating_model is not None and self.instance.rating_model.kind == rating_model.kind)
            if same_model:
                for key, value in (self.instance.rating_inputs or {}).items():
                    if RATING_PREFIX + key in self.fields:
                        self.initial.setdefault(RATING_PREFIX + key, value)
            if self.instance.responsibility_override:
                self.initial.setdefault("override_person", self.instance.responsible_id)
                self.initial.setdefault("override_reason", self.instance.responsibility_override)
        _style(self)

    # ---------------------------------------------------------------- fields

    @property
    def rating_fields(self):
        return [self[name] for name in self.rating_field_names]

    @property
    def main_fields(self):
        skip = {"year", "code", "override_person", "override_reason", *self.rating_field_names}
        return [self[name] for name in self.fields if name not in skip]

    def rating_inputs(self) -> dict:
        return {name[len(RATING_PREFIX):]: self.cleaned_data[name] for name in self.rating_field_names
                if self.cleaned_data.get(name) not in (None, "")}

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean(self):
        cleaned = super().clean()
        level, post, department = cleaned.get("finding_level"), cleaned.get("post"), cleaned.get("department")
        if post is not None and post.department_id:
            if department is None:
                cleaned["department"] = department = post.department
            elif department.pk != post.department_id:
                self.add_error("department", _("所选岗位不属于该科室。"))
        if level == FindingLevel.LEADERSHIP and post is not None and post.department_id:
            self.add_error("post", _("领导班子层级请选择班子成员的岗位。"))
        if level and not self.errors:
            probe = RiskPoint(unit=self.unit, post=post, department=department)
            if not can(self.user, ADD, probe):
                target = "post" if level == FindingLevel.POST else "department" if department else None
                self.add_error(target, _("您只能为本人岗位或所负责、分管的科室填报风险点；"
                                         "单位和领导班子层级由领导小组办公室填报。"))
        self._check_rating()
        if cleaned.get("override_person") is not None and not (cleaned.get("override_reason") or "").strip():
            self.add_error("override_reason", _("调整责任人须写明理由。"))
        if not cleaned.get("code") and cleaned.get("year"):
            cleaned["code"] = self.instance.code or self._next_code(cleaned["year"], department)
        return cleaned

    def _check_rating(self):
        if any(name in self.errors for name in self.rating_field_names):
            return
        try:
            rate(self.rating_model.kind, self.rating_model.definition, self.rating_inputs())
        except ModelError as exc:
            message = str(exc)
            for name in self.rating_field_names:
                if str(self.fields[name].label).split("（")[0] in message:
                    self.add_error(name, message)
                    return
            self.add_error(None, message)

    def _next_code(self, year: int, department) -> str:
        prefix = f"{department.code if department else 'DW'}-{year}-"
        taken = set(RiskPoint.objects.filter(unit=self.unit, year=year, code__startswith=prefix)
                    .values_list("code", flat=True))
        number = len(taken) + 1
        while f"{prefix}{number:03d}" in taken:
            number += 1
        return f"{prefix}{number:03d}"


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["content", "line", "kind", "owner", "owner_text", "deadline", "rule_name", "rule_due"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 2}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "rule_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        owners = Person.objects.filter(is_active=True)
        self.fields["owner"].queryset = owners.filter(unit=unit) if unit is not None else owners.none()
        self.fields["owner"].label_from_instance = person_label
        self.fields["owner"].empty_label = _("请选择责任人")
        self.fields["line"].choices = [("", _("请选择"))] + list(self.fields["line"].choices)[1:]
        self.fields["kind"].choices = [("", _("请选择"))] + list(self.fields["kind"].choices)[1:]
        _style(self)

    def clean_content(self):
        content = " ".join(self.cleaned_data["content"].split())
        if len(content) < 6:
            raise forms.ValidationError(_("措施内容过于笼统，请写明具体做法（谁、做什么、怎么监督）。"))
        return content

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("owner") and not (cleaned.get("owner_text") or "").strip():
            self.add_error("owner", _("请选择责任人或填写责任主体。"))
        if (cleaned.get("rule_name") or "").strip() and not cleaned.get("rule_due"):
            self.add_error("rule_due", _("需制定或修订制度的，须写明完成时限。"))
        if cleaned.get("rule_due") and not (cleaned.get("rule_name") or "").strip():
            self.add_error("rule_name", _("请写明需制定或修订的制度名称。"))
        return cleaned


class RuleIssuedForm(forms.Form):
    """The date a measure's rule was issued (制度印发日期). The rules (a rule to
    write, no date after today) are measures.services.record_rule_issued's."""

    rule_done_at = forms.DateField(
        label=_("制度印发日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写制度印发日期。"),
                        "invalid": _("请按“年-月-日”填写有效的制度印发日期，如 2026-03-15。")})


MeasureFormSet = inlineformset_factory(RiskPoint, Measure, form=MeasureForm, extra=0, can_delete=True)


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["file", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages = {
            "required": _("请选择要上传的文件。"), "invalid": _("文件无效，请重新选择。"),
            "empty": _("上传的文件是空的。"), "missing": _("请选择要上传的文件。"),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join(EVIDENCE_TYPES)
        self.fields["file"].help_text = _("支持 PDF、JPG、PNG、DOCX、XLSX，单个文件不超过 20 MB。")
        self.fields["note"].widget.attrs["placeholder"] = _("说明（可选），如：公开承诺书签字页")
        _style(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(_("文件不能超过 20 MB（当前 %(mb).1f MB）。") % {"mb": upload.size / 1024 / 1024})
        suffix = Path(upload.name).suffix.lower()
        if suffix not in EVIDENCE_TYPES:
            raise forms.ValidationError(_("只能上传 PDF、JPG、PNG、DOCX、XLSX 文件。"))
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in EVIDENCE_TYPES[suffix]):
            raise forms.ValidationError(_("文件内容与扩展名“%(ext)s”不符，请上传真实的文件。") % {"ext": suffix})
        return upload


class RatingModelForm(forms.Form):
    """Change a model's weights and thresholds (indicator) or cells (matrix);
    `definition()` gives the new definition, already checked."""

    note = forms.CharField(label=_("修改说明"), widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("请写明为什么修改模型（将记入版本说明）。")})

    def __init__(self, *args, base: RatingModel, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = base
        definition = base.definition
        self.factor_rows, self.cell_rows = [], []
        if base.kind == RatingModel.Kind.INDICATOR:
            for factor in definition["factors"]:
                name = f"weight_{factor['key']}"
                self.fields[name] = forms.FloatField(
                    label=factor["name"], initial=factor["weight"], min_value=0.1, max_value=1000,
                    error_messages={"required": _("请填写权重。"), "invalid": _("权重应为数字。"),
                                    "min_value": _("权重须大于 0。"), "max_value": _("权重过大。")})
                self.factor_rows.append((factor, name))
            low, high = definition.get("scale", [1, 5])
            for key, label in (("high", _("高等级阈值（≥）")), ("medium", _("中等级阈值（≥）"))):
                self.fields[f"threshold_{key}"] = forms.FloatField(
                    label=label, initial=definition["thresholds"][key], min_value=low, max_value=high,
                    error_messages={"required": _("请填写阈值。"), "invalid": _("阈值应为数字。"),
                                    "min_value": _("阈值不能低于最低分 %(limit_value)s。"),
                                    "max_value": _("阈值不能高于最高分 %(limit_value)s。")})
        else:
            choices = [(level, LEVEL_NAMES[level]) for level in LEVELS]
            size = len(definition["likelihood"])
            for i in reversed(range(size)):
                row = []
                for j in range(size):
                    name = f"cell_{i}_{j}"
                    self.fields[name] = forms.ChoiceField(label=f"{definition['likelihood'][i]}×{definition['impact'][j]}",
                                                          choices=choices, initial=definition["cells"][i][j])
                    row.append(name)
                self.cell_rows.append((definition["likelihood"][i], [self[n] for n in row]))
        _style(self)

    @property
    def weight_fields(self):
        return [(factor, self[name]) for factor, name in self.factor_rows]

    def definition(self) -> dict:
        new = copy.deepcopy(self.base.definition)
        if self.base.kind == RatingModel.Kind.INDICATOR:
            for factor in new["factors"]:
                weight = self.cleaned_data[f"weight_{factor['key']}"]
                factor["weight"] = int(weight) if float(weight).is_integer() else weight
            for key in ("high", "medium"):
                value = self.cleaned_data[f"threshold_{key}"]
                new["thresholds"][key] = int(value) if float(value).is_integer() else value
        else:
            size = len(new["likelihood"])
            new["cells"] = [[self.cleaned_data[f"cell_{i}_{j}"] for j in range(size)] for i in range(size)]
        return new

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                parse_model(self.base.kind, self.definition())
            except ModelError as exc:
                self.add_error(None, str(exc))
            else:
                if self.definition() == self.base.definition:
                    self.add_error(None, _("权重、阈值和矩阵都没有变化，无需保存新版本。"))
        return cleaned
