"""Forms of the flowchart screens: the editor (a header form and four formsets),
the upload form. The editor's forms only collect what the user typed; turning
them into a flow-model dict and checking it is `editing.py`'s job."""

import json

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.codes import code_validator

HOURS, WORKDAYS = "hours", "workdays"
LIMIT_UNITS = [(WORKDAYS, _("工作日")), (HOURS, _("小时"))]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class JSONObjectField(forms.CharField):
    """A hidden field carrying what the editor does not show (kept from an
    import: descriptions, kinds, parameters), so that editing loses nothing."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False) if value else ""
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            raise forms.ValidationError(_("附加属性不是有效的 JSON。")) from None
        if not isinstance(parsed, dict):
            raise forms.ValidationError(_("附加属性应为 JSON 对象。"))
        return parsed


class LimitPairField(JSONObjectField):
    """The hours / working days pair the row was loaded with: an unchanged
    limit keeps both values, a changed one keeps only what was typed."""


def _small(widget):
    widget.attrs.setdefault("class", "form-control form-control-sm")
    return widget


class FlowchartForm(forms.Form):
    code = forms.CharField(label=_("流程图编号"), max_length=60, validators=[code_validator],
                           widget=_small(forms.TextInput()))
    name = forms.CharField(label=_("流程图名称"), max_length=200, widget=_small(forms.TextInput()))
    powers = forms.MultipleChoiceField(label=_("适用职权"), required=False,
                                       widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm",
                                                                          "size": 4}),
                                       help_text=_("按住 Ctrl 可多选；可选本单位职权目录中的职权"))
    note = forms.CharField(label=_("说明"), required=False,
                           widget=_small(forms.Textarea(attrs={"rows": 2})),
                           help_text=_("如：与流程图 XK-001 相同，仅承办科室不同"))
    case_limit = forms.FloatField(label=_("办结时限"), required=False, min_value=0,
                                  widget=_small(forms.NumberInput(attrs={"step": "any"})))
    case_limit_unit = forms.ChoiceField(label=_("时限单位"), choices=LIMIT_UNITS, initial=WORKDAYS,
                                        widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    case_limit_orig = LimitPairField()
    extra = JSONObjectField()

    def __init__(self, *args, power_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["powers"].choices = list(power_choices)


def _check(label, title):
    return forms.BooleanField(label=label, required=False,
                              widget=forms.CheckboxInput(attrs={"class": "form-check-input", "title": title}))


class StepForm(forms.Form):
    code = forms.CharField(label=_("编号"), max_length=60, validators=[code_validator],
                           widget=_small(forms.TextInput(attrs={"class": "form-control form-control-sm lf-code",
                                                                "placeholder": "S1", "autocomplete": "off"})))
    name = forms.CharField(label=_("环节名称"), max_length=200,
                           widget=_small(forms.TextInput(attrs={"placeholder": _("环节名称")})))
    post = forms.ChoiceField(label=_("承办岗位"), required=False,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    limit = forms.FloatField(label=_("时限"), required=False, min_value=0,
                             widget=_small(forms.NumberInput(attrs={"step": "any", "min": "0", "placeholder": _("时限")})))
    limit_unit = forms.ChoiceField(label=_("单位"), choices=LIMIT_UNITS, initial=WORKDAYS,
                                   widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    decides = forms.CharField(label=_("审查决定事项"), required=False, max_length=500,
                              widget=_small(forms.TextInput(attrs={"placeholder": _("审查决定事项（选填）")})))
    decision = _check(_("决定"), _("本环节作出决定"))
    supervision_point = _check(_("监督点"), _("监督点"))
    discretion_point = _check(_("裁量点"), _("自由裁量点"))
    clock_stop = _check(_("不计时"), _("不计入办结时限，如补正、听证、专家评审"))
    is_start = _check(_("起始"), _("办理从本环节开始"))
    is_end = _check(_("结束"), _("办理可在本环节结束"))
    limit_orig = LimitPairField()
    extra = JSONObjectField()

    def __init__(self, *args, post_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = list(post_choices)


def _code_input(label):
    return forms.CharField(label=label, max_length=60,
                           widget=_small(forms.TextInput(attrs={"list": "lf-step-codes", "size": 8,
                                                                "autocomplete": "off",
                                                                "placeholder": _("%(what)s（环节编号）") % {"what": label}})))


class TransitionForm(forms.Form):
    source = _code_input(_("从"))
    target = _code_input(_("到"))
    label = forms.CharField(label=_("条件"), required=False, max_length=120,
                            widget=_small(forms.TextInput(attrs={"placeholder": _("如：通过 / 不通过")})))


class IncompatibleForm(forms.Form):
    first = _code_input(_("环节一"))
    second = _code_input(_("环节二"))


class DiscretionForm(forms.Form):
    step = _code_input(_("环节"))
    attribute = forms.CharField(label=_("裁量要素"), max_length=60,
                                widget=_small(forms.TextInput(attrs={"placeholder": _("裁量要素，如罚款金额")})))
    minimum = forms.FloatField(label=_("下限"), required=False,
                               widget=_small(forms.NumberInput(attrs={"step": "any", "placeholder": _("下限")})))
    maximum = forms.FloatField(label=_("上限"), required=False,
                               widget=_small(forms.NumberInput(attrs={"step": "any", "placeholder": _("上限")})))
    note = forms.CharField(label=_("裁量基准"), required=False, max_length=200,
                           widget=_small(forms.TextInput(attrs={"placeholder": _("裁量基准（选填）")})))
    extra = JSONObjectField()

    def clean(self):
        data = super().clean()
        low, high = data.get("minimum"), data.get("maximum")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("下限不能大于上限。"))
        return data


class _RowFormSet(forms.BaseFormSet):
    ordering_widget = forms.HiddenInput


StepFormSet = formset_factory(StepForm, formset=_RowFormSet, extra=0, can_delete=True, can_order=True)
TransitionFormSet = formset_factory(TransitionForm, formset=_RowFormSet, extra=0, can_delete=True)
IncompatibleFormSet = formset_factory(IncompatibleForm, formset=_RowFormSet, extra=0, can_delete=True)
DiscretionFormSet = formset_factory(DiscretionForm, formset=_RowFormSet, extra=0, can_delete=True)


class UploadForm(forms.Form):
    unit = forms.ChoiceField(label=_("导入到单位"), widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label=_("流程图文件（.bpmn / .json）"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control",
                                                                  "accept": ".bpmn,.xml,.json"}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".bpmn", ".xml", ".json")):
            raise forms.ValidationError(_("请上传 .bpmn（BPMN 2.0 XML）或 .json（流程图数据）文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（上限 10 MB）。"))
        return upload
