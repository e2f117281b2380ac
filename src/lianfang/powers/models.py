"""The power catalogue (职权目录, 清权确权): DOMAIN.md §3.

A unit keeps one catalogue version per year. Departments submit their lists
("谁行使、谁清理"), the legal department consolidates, the steering group / party
group decides collectively, the catalogue is filed with the named offices and
then published. A published version is frozen; next year's version starts as a
copy whose powers point back at last year's, so the changes can be shown."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.codes import code_validator
from lianfang.orgs.models import Department, Post, Unit


class PowerCategory(models.Model):
    """Configurable list of categories (national 权力清单 + internal powers)."""

    code = models.CharField(_("类别编码"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("类别名称"), max_length=60, unique=True)
    internal = models.BooleanField(_("内部职权"), default=False)
    three_important = models.BooleanField(_("三重一大"), default=False, help_text=_("重大事项决策、重要人事任免、重大项目安排、大额资金使用"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("职权类别")
        verbose_name_plural = _("职权类别")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class CatalogueStatus(models.TextChoices):
    DRAFTING = "drafting", _("科室清理中")
    CONSOLIDATED = "consolidated", _("法制科室已汇总")
    DECIDED = "decided", _("已集体研究")
    FILED = "filed", _("已备案")
    PUBLISHED = "published", _("已公布")


class Catalogue(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="catalogues")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=20, choices=CatalogueStatus.choices, default=CatalogueStatus.DRAFTING)
    based_on = models.ForeignKey(
        "self", verbose_name=_("上一版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="successors"
    )
    decision_date = models.DateField(_("集体研究日期"), null=True, blank=True)
    decision_meeting = models.CharField(_("会议名称"), max_length=120, blank=True)
    minutes = models.FileField(_("会议纪要"), upload_to="catalogues/minutes/%Y/", blank=True)
    filed_with = models.CharField(_("备案机关"), max_length=200, blank=True, help_text=_("如：县委编办、县司法局、县政务公开办"))
    filed_date = models.DateField(_("备案日期"), null=True, blank=True)
    published_date = models.DateField(_("公布日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("职权目录")
        verbose_name_plural = _("职权目录")
        ordering = ["unit__path", "-year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_catalogue_per_unit_year")]

    def __str__(self):
        return f"{self.unit}{self.year}年度职权目录"

    @property
    def is_frozen(self) -> bool:
        return self.status == CatalogueStatus.PUBLISHED


class CatalogueEvent(models.Model):
    """One step along the catalogue's path, with who and when."""

    class Step(models.TextChoices):
        DEPARTMENT_SUBMITTED = "department_submitted", _("科室提交清单")
        CONSOLIDATED = "consolidated", _("法制科室汇总")
        DECIDED = "decided", _("集体研究决定")
        FILED = "filed", _("备案")
        PUBLISHED = "published", _("公布")
        COPIED = "copied", _("由上年度目录复制")
        REOPENED = "reopened", _("退回修改")

    catalogue = models.ForeignKey(Catalogue, verbose_name=_("职权目录"), on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("环节"), max_length=30, choices=Step.choices)
    department = models.ForeignKey(Department, verbose_name=_("科室"), null=True, blank=True, on_delete=models.PROTECT)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("职权目录办理记录")
        verbose_name_plural = _("职权目录办理记录")
        ordering = ["catalogue", "at", "pk"]

    def __str__(self):
        return f"{self.catalogue} {self.get_step_display()}"


class PublicForm(models.TextChoices):
    WEBSITE = "website", _("门户网站")
    OFFICE = "office", _("办事大厅公示")
    BOTH = "both", _("网站及办事大厅")
    INTERNAL = "internal", _("内部公开")
    NONE = "none", _("不公开")


class Power(models.Model):
    """One power (职权) in one year's catalogue."""

    catalogue = models.ForeignKey(Catalogue, verbose_name=_("职权目录"), on_delete=models.PROTECT, related_name="powers")
    unit = models.ForeignKey(Unit, verbose_name=_("行使单位"), on_delete=models.PROTECT, related_name="powers", editable=False)
    code = models.CharField(_("职权编码"), max_length=40, validators=[code_validator])
    name = models.CharField(_("职权名称"), max_length=200)
    category = models.ForeignKey(PowerCategory, verbose_name=_("职权类别"), on_delete=models.PROTECT, related_name="powers")
    content = models.TextField(_("职权内容"), blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("承办科室"), null=True, blank=True, on_delete=models.PROTECT, related_name="powers"
    )
    posts = models.ManyToManyField(Post, verbose_name=_("承办岗位"), blank=True, related_name="powers")
    conditions = models.TextField(_("办理条件"), blank=True)
    statutory_limit_days = models.PositiveIntegerField(_("法定时限（工作日）"), null=True, blank=True)
    promised_limit_days = models.PositiveIntegerField(_("承诺时限（工作日）"), null=True, blank=True)
    supervision_channels = models.TextField(_("监督渠道"), blank=True, help_text=_("监督电话、地址、网站等"))
    public_form = models.CharField(_("公开形式"), max_length=20, choices=PublicForm.choices, default=PublicForm.WEBSITE)
    external = models.BooleanField(_("外部职权"), default=True, help_text=_("对外行使的行政职权；否则为内部职权"))
    note = models.TextField(_("备注"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    previous = models.ForeignKey(
        "self", verbose_name=_("上年度对应职权"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("职权")
        verbose_name_plural = _("职权")
        ordering = ["catalogue", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="power_code_unique_in_catalogue")]
        indexes = [models.Index(fields=["unit", "code"], name="power_unit_code_idx")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.unit_id = self.catalogue.unit_id
        super().save(*args, **kwargs)

    def clean(self):
        if self.catalogue_id:
            if self.catalogue.is_frozen:
                raise ValidationError(_("已公布的职权目录不能修改，请在下一年度目录中调整。"))
            if self.department_id and self.department.unit_id != self.catalogue.unit_id:
                raise ValidationError({"department": _("承办科室必须属于本单位。")})


class LegalBasis(models.Model):
    power = models.ForeignKey(Power, verbose_name=_("职权"), on_delete=models.CASCADE, related_name="legal_bases")
    law = models.CharField(_("法律法规名称"), max_length=200)
    article = models.CharField(_("条款"), max_length=60, blank=True)
    text = models.TextField(_("条文内容"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("法律依据")
        verbose_name_plural = _("法律依据")
        ordering = ["power", "sort_order", "pk"]

    def __str__(self):
        return f"《{self.law}》{self.article}"
