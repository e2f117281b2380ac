from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Department, Person, Post, Unit


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "short_name", "kind", "parent", "sort_order", "is_active"]


class CodeUniqueInUnitMixin:
    """The unit is fixed by the page, not a form field, so Django's own unique
    check skips the (unit, code) constraint; this says it in words instead."""

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        model = self._meta.model
        clash = model.objects.filter(unit_id=self.instance.unit_id, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("本单位已存在编码为“%(code)s”的%(what)s。") % {"code": code, "what": model._meta.verbose_name}
            )
        return code


class DepartmentForm(CodeUniqueInUnitMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "kind", "duties", "sort_order", "is_active"]


class PostForm(CodeUniqueInUnitMixin, forms.ModelForm):
    class Meta:
        model = Post
        fields = ["code", "name", "department", "duties", "sort_order", "is_active"]

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        unit = unit or getattr(self.instance, "unit", None)
        self.fields["department"].queryset = Department.objects.filter(unit=unit) if unit else Department.objects.none()
        self.fields["department"].empty_label = _("（领导班子岗位）")


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["code", "name", "title", "rank_class", "phone", "is_active"]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("选择 Excel 文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件过大（上限 20 MB）。"))
        return upload
