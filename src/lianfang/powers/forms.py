from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Department, Post

from .models import Catalogue, LegalBasis, Power, PowerCategory

MAX_MINUTES_BYTES = 20 * 1024 * 1024


class PowerForm(forms.ModelForm):
    """One power. The catalogue is fixed by the page; departments and posts are
    limited to the unit (and departments to those the user may change)."""

    class Meta:
        model = Power
        fields = ["code", "name", "category", "content", "department", "posts", "conditions", "statutory_limit_days",
                  "promised_limit_days", "supervision_channels", "public_form", "external", "note", "sort_order"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "supervision_channels": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
            "posts": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, catalogue: Catalogue, departments=None, allow_no_department=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.instance.catalogue = catalogue
        self.allow_no_department = allow_no_department
        unit = catalogue.unit
        self.fields["category"].queryset = PowerCategory.objects.filter(is_active=True) | PowerCategory.objects.filter(
            pk=self.instance.category_id or 0
        )
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.filter(unit=unit)
        )
        self.fields["category"].empty_label = _("请选择职权类别")
        self.fields["department"].empty_label = _("（单位领导班子）")
        self.fields["posts"].queryset = Post.objects.filter(unit=unit, is_active=True).select_related("department")
        self.fields["posts"].label_from_instance = lambda p: (
            f"{p.department.name} · {p.name}" if p.department_id else f"{_('领导班子')} · {p.name}"
        )
        self.fields["posts"].help_text = _("按住 Ctrl（Mac 为 Command）可多选；只能选择本单位的岗位。")
        self.fields["code"].help_text = _("在本年度目录内唯一，如 XK-001、CF-003。")

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        clash = Power.objects.filter(catalogue=self.catalogue, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("本目录已有编码为“%(code)s”的职权。") % {"code": code})
        return code

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = Power.objects.filter(catalogue=self.catalogue, name=name).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(
                _("本目录已有同名职权（%(code)s，%(dept)s），请厘清权力边界后合并或改名。")
                % {"code": clash.code, "dept": clash.department or _("单位领导班子")}
            )
        return name

    def clean_department(self):
        department = self.cleaned_data.get("department")
        if department is None and not self.allow_no_department:
            raise forms.ValidationError(_("请选择承办科室。"))
        return department

    def clean(self):
        cleaned = super().clean()
        statutory, promised = cleaned.get("statutory_limit_days"), cleaned.get("promised_limit_days")
        if statutory is not None and promised is not None and promised > statutory:
            self.add_error("promised_limit_days", _("承诺时限不能长于法定时限。"))
        posts = cleaned.get("posts")
        if posts is not None and not posts:
            self.add_error("posts", _("请至少选择一个承办岗位。"))
        category = cleaned.get("category")
        if category is not None and category.internal and cleaned.get("external"):
            self.add_error("external", _("“%(cat)s”属于内部职权，请取消“外部职权”。") % {"cat": category.name})
        return cleaned


class LegalBasisForm(forms.ModelForm):
    class Meta:
        model = LegalBasis
        fields = ["law", "article", "text", "sort_order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def clean_law(self):
        law = self.cleaned_data["law"].strip().strip("《》")
        if not law:
            raise forms.ValidationError(_("请填写法律法规名称。"))
        return law


class BaseLegalBasisFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("每项职权至少应有一条法律依据。"))
        seen = set()
        for form in kept:
            key = (form.cleaned_data.get("law"), form.cleaned_data.get("article"))
            if key in seen:
                raise forms.ValidationError(_("法律依据“《%(law)s》%(article)s”重复。") % {"law": key[0], "article": key[1]})
            seen.add(key)


LegalBasisFormSet = forms.inlineformset_factory(
    Power, LegalBasis, form=LegalBasisForm, formset=BaseLegalBasisFormSet, extra=1, can_delete=True,
)


class DateInput(forms.DateInput):
    input_type = "date"


def _today():
    return timezone.localdate()


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SubmitDepartmentForm(forms.Form):
    department = forms.ModelChoiceField(label=_("科室"), queryset=Department.objects.none())
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class DecisionForm(forms.Form):
    date = forms.DateField(label=_("集体研究日期"), initial=_today, widget=DateInput)
    meeting = forms.CharField(label=_("会议名称"), max_length=120, initial=_("局党组会议"))
    minutes = forms.FileField(label=_("会议纪要（可选）"), required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_minutes(self):
        upload = self.cleaned_data.get("minutes")
        if upload and upload.size > MAX_MINUTES_BYTES:
            raise forms.ValidationError(_("文件过大（上限 20 MB）。"))
        if upload and not upload.name.lower().endswith((".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png", ".ofd")):
            raise forms.ValidationError(_("会议纪要请上传 PDF、Word、OFD 或图片文件。"))
        return upload


class FilingForm(forms.Form):
    filed_with = forms.CharField(label=_("备案机关"), max_length=200, initial=_("县委编办、县司法局、县政务公开办"))
    date = forms.DateField(label=_("备案日期"), initial=_today, widget=DateInput)


class PublishForm(forms.Form):
    date = forms.DateField(label=_("公布日期"), initial=_today, widget=DateInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}))


class NextYearForm(forms.Form):
    year = forms.IntegerField(label=_("新年度"), min_value=2000, max_value=2100)


class NewCatalogueForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].initial = timezone.localdate().year


class UploadForm(forms.Form):
    file = forms.FileField(label=_("选择 Excel 文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件过大（上限 20 MB）。"))
        return upload
