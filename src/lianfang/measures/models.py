"""Control measures (防控措施) on risk points: DOMAIN.md §7.

Three lines (前期预防 / 中期监控 / 后期处置), kinds (教育, 制度, 监督, 科技, 权力制衡),
an owner and a deadline, evidence files, and — when a rule must be written or
amended — that rule's name and due date tracked to completion."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Person


class Line(models.TextChoices):
    PREVENTION = "prevention", _("前期预防")
    MONITORING = "monitoring", _("中期监控")
    DISPOSAL = "disposal", _("后期处置")


class Kind(models.TextChoices):
    EDUCATION = "education", _("教育")
    RULES = "rules", _("制度")
    SUPERVISION = "supervision", _("监督")
    TECHNOLOGY = "technology", _("科技")
    CHECKS = "checks", _("权力制衡")


class Status(models.TextChoices):
    PLANNED = "planned", _("计划")
    IN_PROGRESS = "in_progress", _("实施中")
    DONE = "done", _("已完成")


class Measure(models.Model):
    risk = models.ForeignKey("risks.RiskPoint", verbose_name=_("风险点"), on_delete=models.CASCADE,
                             related_name="measures")
    content = models.TextField(_("措施内容"))
    line = models.CharField(_("防控环节"), max_length=20, choices=Line.choices)
    kind = models.CharField(_("措施类别"), max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(Person, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="measures")
    owner_text = models.CharField(_("责任主体"), max_length=120, blank=True, help_text=_("责任人不在系统中时填写，如“办公室”"))
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateField(_("完成日期"), null=True, blank=True)
    rule_name = models.CharField(_("需制定或修订的制度"), max_length=200, blank=True)
    rule_due = models.DateField(_("制度完成时限"), null=True, blank=True)
    rule_done_at = models.DateField(_("制度完成日期"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("防控措施")
        verbose_name_plural = _("防控措施")
        ordering = ["risk", "sort_order", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="measure_status_deadline_idx")]

    def __str__(self):
        return self.content[:60]

    @property
    def is_overdue(self) -> bool:
        """Overdue is computed, not stored: it can never be stale."""
        return self.status != Status.DONE and self.deadline is not None and self.deadline < timezone.localdate()

    @property
    def rule_overdue(self) -> bool:
        return bool(self.rule_name) and self.rule_done_at is None and self.rule_due is not None and (
            self.rule_due < timezone.localdate())

    @property
    def display_status(self) -> str:
        return str(_("已逾期")) if self.is_overdue else self.get_status_display()


class Evidence(models.Model):
    measure = models.ForeignKey(Measure, verbose_name=_("防控措施"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(Person, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["measure", "uploaded_at"]

    def __str__(self):
        return self.note or self.file.name
