"""Integrity risk points (廉政风险点) and the models that rate them: DOMAIN.md §5–6.

A risk point is a *possibility* tied to a power, a step or a post, found at one
level (a post and its holder, a department, the unit, or the leadership); it is
not an accusation and not a work gap. It is rated by a configurable, versioned
model (rating.py) that explains every score, before measures (inherent) and
after them (residual)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Department, Person, Post, Unit


class RiskCategory(models.Model):
    """Configurable list: 思想道德, 岗位职责, 业务流程, 制度机制, 外部环境 by default."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("风险类别")
        verbose_name_plural = _("风险类别")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class DiscoveryMethod(models.Model):
    """How a risk was found: 自己找, 群众帮, 领导提, 互相查, 专家评, 组织审, 案例分析, 信访举报…"""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("查找方式")
        verbose_name_plural = _("查找方式")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Level(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


# The same three levels as the sources also write them.
LEVEL_GRADES = {Level.HIGH: "一级", Level.MEDIUM: "二级", Level.LOW: "三级"}
LEVEL_LETTERS = {Level.HIGH: "A", Level.MEDIUM: "B", Level.LOW: "C"}
LEVEL_ORDER = {Level.HIGH: 3, Level.MEDIUM: 2, Level.LOW: 1}


class FindingLevel(models.TextChoices):
    POST = "post", _("个人（岗位）")
    DEPARTMENT = "department", _("科室（内设机构）")
    UNIT = "unit", _("单位")
    LEADERSHIP = "leadership", _("领导班子")


class RatingModel(models.Model):
    """A versioned scoring model. `unit` empty = the deployment's default; a unit
    may have its own. A new version is a new row; ratings keep the version they
    were computed with, so a change never rewrites history silently."""

    class Kind(models.TextChoices):
        INDICATOR = "indicator", _("指标加权模型")
        MATRIX = "matrix", _("可能性×影响矩阵")

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="rating_models", help_text=_("留空表示全系统默认模型"))
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("版本"), default=1)
    definition = models.JSONField(_("定义"))
    is_active = models.BooleanField(_("当前使用"), default=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("风险评级模型")
        verbose_name_plural = _("风险评级模型")
        ordering = ["unit__path", "name", "-version"]
        constraints = [models.UniqueConstraint(fields=["unit", "name", "version"], name="rating_model_version_unique")]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def clean(self):
        from .rating import ModelError, parse_model

        try:
            parse_model(self.kind, self.definition)
        except ModelError as exc:
            raise ValidationError({"definition": str(exc)}) from None


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已确认")


class RiskPoint(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="risk_points")
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("编号"), max_length=40)
    finding_level = models.CharField(_("查找层级"), max_length=20, choices=FindingLevel.choices)
    post = models.ForeignKey(Post, verbose_name=_("岗位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="risk_points")
    department = models.ForeignKey(Department, verbose_name=_("科室"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="risk_points")
    person = models.ForeignKey(Person, verbose_name=_("岗位人员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="risk_points", help_text=_("个人层级为岗位在职人员；领导班子层级可为具体班子成员"))
    power = models.ForeignKey("powers.Power", verbose_name=_("涉及职权"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="risk_points")
    step = models.ForeignKey("flows.Step", verbose_name=_("流程环节"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="risk_points")
    title = models.CharField(_("风险点"), max_length=200)
    description = models.TextField(_("表现形式"))
    category = models.ForeignKey(RiskCategory, verbose_name=_("风险类别"), on_delete=models.PROTECT,
                                 related_name="risk_points")
    cause = models.TextField(_("产生原因"), blank=True)
    consequence = models.TextField(_("可能后果"), blank=True)
    discovery = models.ManyToManyField(DiscoveryMethod, verbose_name=_("查找方式"), blank=True,
                                       related_name="risk_points")
    # Rating: the factor scores the author gave, and what the model made of them.
    rating_model = models.ForeignKey(RatingModel, verbose_name=_("评级模型"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="risk_points")
    rating_inputs = models.JSONField(_("评分"), default=dict, blank=True)
    inherent_score = models.FloatField(_("固有风险分值"), null=True, blank=True)
    inherent_level = models.CharField(_("固有风险等级"), max_length=10, choices=Level.choices, blank=True)
    residual_score = models.FloatField(_("剩余风险分值"), null=True, blank=True)
    residual_level = models.CharField(_("剩余风险等级"), max_length=10, choices=Level.choices, blank=True)
    explanation = models.JSONField(_("评级说明"), default=dict, blank=True)
    # Tiered responsibility (分级负责): filled from the level, overridable with a reason.
    responsible = models.ForeignKey(Person, verbose_name=_("责任领导"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="responsible_for")
    responsible_body = models.CharField(_("责任主体"), max_length=120, blank=True,
                                        help_text=_("如：市纪委（单位主要负责人的高等级风险）"))
    responsibility_override = models.TextField(_("调整责任人的理由"), blank=True)
    author = models.ForeignKey(Person, verbose_name=_("填报人"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="authored_risks")
    status = models.CharField(_("审核状态"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    # The chain in force for the current round (resolved from ChainRule at submission)
    # and how far along it the entry is: step 1 is the first reviewer.
    review_chain = models.JSONField(_("审核链"), default=list, blank=True)
    review_round = models.PositiveIntegerField(_("审核轮次"), default=0)
    review_step = models.PositiveIntegerField(_("当前审核环节"), default=0)
    previous = models.ForeignKey("self", verbose_name=_("上年度风险点"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("廉政风险点")
        verbose_name_plural = _("廉政风险点")
        ordering = ["unit", "-year", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "code"], name="risk_code_unique_in_unit_year")]
        indexes = [
            models.Index(fields=["unit", "year", "inherent_level"], name="risk_unit_year_level_idx"),
            models.Index(fields=["unit", "status"], name="risk_unit_status_idx"),
            models.Index(fields=["department", "year"], name="risk_department_year_idx"),
            # The list's order within a year (unit, then code), and the years present.
            models.Index(fields=["year", "unit", "code"], name="risk_year_unit_code_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        # A post's risk belongs to the post's department too, so department heads
        # and leaders in charge see it through the access policy.
        if self.post_id and not self.department_id:
            self.department_id = self.post.department_id
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.finding_level == FindingLevel.POST and not self.post_id:
            errors["post"] = _("个人（岗位）层级的风险点须指定岗位。")
        if self.finding_level == FindingLevel.DEPARTMENT and not self.department_id:
            errors["department"] = _("科室层级的风险点须指定科室。")
        for field in ("post", "department", "person"):
            obj = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if obj is not None and self.unit_id and obj.unit_id != self.unit_id:
                errors[field] = _("须为本单位的记录。")
        if self.power_id and self.unit_id and self.power.unit_id != self.unit_id:
            errors["power"] = _("涉及职权须为本单位职权。")
        if self.step_id and self.unit_id and self.step.flowchart.unit_id != self.unit_id:
            errors["step"] = _("流程环节须为本单位流程图的环节。")
        if errors:
            raise ValidationError(errors)

    @property
    def level(self) -> str:
        """The level that counts: residual once measures are rated, else inherent."""
        return self.residual_level or self.inherent_level
