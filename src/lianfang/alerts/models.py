"""Warnings to be handled (预警处置, DOMAIN.md §10). For now alerts are raised by
the supervision engine; the disposal workflow (谈话函询、警示诫勉、责令纠错、立案)
and feedback into the risk points come with the warning module."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Person, Unit


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("预警")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    HANDLING = "handling", _("处置中")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤销")


class Disposal(models.TextChoices):
    TALK = "talk", _("谈话函询")
    ADMONITION = "admonition", _("警示诫勉")
    CORRECTION = "correction", _("责令纠错")
    CASE = "case", _("立案查处")
    NONE = "none", _("无需处置")


class Alert(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="alerts")
    finding = models.OneToOneField("monitoring.Finding", verbose_name=_("监察发现"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="alert")
    source = models.CharField(_("来源"), max_length=30, default="supervision")
    level = models.CharField(_("等级"), max_length=10, choices=AlertLevel.choices)
    title = models.CharField(_("事由"), max_length=200)
    detail = models.TextField(_("详情"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    owner = models.ForeignKey(Person, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="alerts")
    deadline = models.DateField(_("办结期限"), null=True, blank=True)
    disposal = models.CharField(_("处置方式"), max_length=12, choices=Disposal.choices, blank=True)
    closure_note = models.TextField(_("办结情况"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["status", "-created_at"]

    def __str__(self):
        return self.title
