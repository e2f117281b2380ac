"""Power-operation flowcharts (权力运行流程图): DOMAIN.md §4.

The tables mirror the flow-model interchange format (docs/flow-model.md), which
`lianfang.flowmodel` validates, lays out, draws and converts to and from BPMN;
`serialize.py` converts between these rows and that format."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.codes import code_validator
from lianfang.orgs.models import Post, Unit
from lianfang.powers.models import Power


class Flowchart(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="flowcharts")
    code = models.CharField(_("流程图编号"), max_length=60, validators=[code_validator])
    name = models.CharField(_("流程图名称"), max_length=200)
    powers = models.ManyToManyField(Power, verbose_name=_("适用职权"), blank=True, related_name="flowcharts")
    # Power codes from an import that this unit's catalogue does not (yet) hold:
    # kept so that nothing is lost and the link can be made later.
    unlinked_power_codes = models.JSONField(_("待关联职权编码"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True, help_text=_("如：与流程图 XK-001 相同，仅承办科室不同"))
    case_limit_hours = models.FloatField(_("办结时限（小时）"), null=True, blank=True)
    case_limit_workdays = models.FloatField(_("办结时限（工作日）"), null=True, blank=True)
    params = models.JSONField(_("监察参数"), default=dict, blank=True)
    extra = models.JSONField(_("其他属性"), default=dict, blank=True, help_text=_("导入时保留的其他字段"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("权力运行流程图")
        verbose_name_plural = _("权力运行流程图")
        ordering = ["unit__path", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="flowchart_code_unique_in_unit")]

    def __str__(self):
        return self.name


class Step(models.Model):
    flowchart = models.ForeignKey(Flowchart, verbose_name=_("流程图"), on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("环节编号"), max_length=60, validators=[code_validator])
    name = models.CharField(_("环节名称"), max_length=200)
    post = models.ForeignKey(Post, verbose_name=_("承办岗位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="flow_steps")
    post_label = models.CharField(_("岗位名称（未关联）"), max_length=120, blank=True,
                                  help_text=_("导入的泳道名称在本单位没有对应岗位时保留于此"))
    decides = models.TextField(_("审查决定事项"), blank=True)
    description = models.TextField(_("说明"), blank=True)
    limit_hours = models.FloatField(_("时限（小时）"), null=True, blank=True)
    limit_workdays = models.FloatField(_("时限（工作日）"), null=True, blank=True)
    min_hours = models.FloatField(_("最短合理用时（小时）"), null=True, blank=True)
    supervision_point = models.BooleanField(_("监督点"), default=False)
    discretion_point = models.BooleanField(_("自由裁量点"), default=False)
    decision = models.BooleanField(_("决定环节"), default=False)
    clock_stop = models.BooleanField(_("不计时环节"), default=False, help_text=_("如补正、听证、专家评审，不计入办结时限"))
    is_start = models.BooleanField(_("起始环节"), default=False)
    is_end = models.BooleanField(_("结束环节"), default=False)
    kind = models.CharField(_("类型"), max_length=30, default="task")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    extra = models.JSONField(_("其他属性"), default=dict, blank=True)

    class Meta:
        verbose_name = _("流程环节")
        verbose_name_plural = _("流程环节")
        ordering = ["flowchart", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["flowchart", "code"], name="step_code_unique_in_flowchart")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def post_name(self) -> str:
        return self.post.name if self.post_id else self.post_label

    def clean(self):
        if self.post_id and self.flowchart_id and self.post.unit_id != self.flowchart.unit_id:
            raise ValidationError({"post": _("承办岗位必须是本单位的岗位。")})


class Transition(models.Model):
    flowchart = models.ForeignKey(Flowchart, verbose_name=_("流程图"), on_delete=models.CASCADE, related_name="transitions")
    source = models.ForeignKey(Step, verbose_name=_("从"), on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Step, verbose_name=_("到"), on_delete=models.CASCADE, related_name="incoming")
    label = models.CharField(_("条件"), max_length=120, blank=True, help_text=_("如：通过 / 不通过 / 退回补正"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("流转")
        verbose_name_plural = _("流转")
        ordering = ["flowchart", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="one_transition_per_step_pair")]

    def __str__(self):
        return f"{self.source.code} → {self.target.code}"


class IncompatiblePair(models.Model):
    """Two steps one person must never both perform in a case (不相容岗位/环节)."""

    flowchart = models.ForeignKey(Flowchart, verbose_name=_("流程图"), on_delete=models.CASCADE,
                                  related_name="incompatible_pairs")
    first = models.ForeignKey(Step, verbose_name=_("环节一"), on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Step, verbose_name=_("环节二"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("不相容环节")
        verbose_name_plural = _("不相容环节")

    def __str__(self):
        return f"{self.first.code} ≠ {self.second.code}"


class DiscretionRange(models.Model):
    """The allowed range of a discretionary attribute at a step (e.g. a fine)."""

    step = models.ForeignKey(Step, verbose_name=_("环节"), on_delete=models.CASCADE, related_name="discretion_ranges")
    attribute = models.CharField(_("裁量要素"), max_length=60, help_text=_("如 amount（罚款金额）"))
    minimum = models.FloatField(_("下限"), null=True, blank=True)
    maximum = models.FloatField(_("上限"), null=True, blank=True)
    note = models.CharField(_("裁量基准"), max_length=200, blank=True)
    extra = models.JSONField(_("其他属性"), default=dict, blank=True)

    class Meta:
        verbose_name = _("自由裁量范围")
        verbose_name_plural = _("自由裁量范围")

    def __str__(self):
        return f"{self.step.code}.{self.attribute} [{self.minimum}, {self.maximum}]"

    def clean(self):
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError(_("下限不能大于上限。"))
