"""Case events reported by business systems, the tokens they report with, and
the findings the supervision engine raises on them (DOMAIN.md §9)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Unit


class IngestToken(models.Model):
    """A business system's key for the event API, scoped to one unit's powers.
    Only a hash is stored; the token itself is shown once, when issued."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="ingest_tokens")
    name = models.CharField(_("业务系统"), max_length=120)
    prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接入令牌")
        verbose_name_plural = _("接入令牌")
        ordering = ["unit__path", "-created_at"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, unit, name: str, user=None) -> tuple["IngestToken", str]:
        token = "lf_" + secrets.token_urlsafe(32)
        row = cls.objects.create(unit=unit, name=name, prefix=token[:10], digest=cls.hash(token), created_by=user)
        return row, token

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class CaseEvent(models.Model):
    """One step of one case, as the business system reported it. `event_id` is
    unique per unit, which makes a resend add nothing."""

    audit_exempt = True  # high-volume machine input: the ingest call is audited, not each row

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="case_events")
    token = models.ForeignKey(IngestToken, verbose_name=_("来源"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="events")
    event_id = models.CharField(_("事件编号"), max_length=100)
    case_id = models.CharField(_("办件编号"), max_length=100)
    power_code = models.CharField(_("职权编码"), max_length=40)
    step_code = models.CharField(_("环节编号"), max_length=60)
    actor_id = models.CharField(_("经办人"), max_length=100, blank=True)
    timestamp = models.CharField(_("发生时间（原文）"), max_length=40)
    at = models.DateTimeField(_("发生时间"))
    attributes = models.JSONField(_("其他属性"), default=dict, blank=True)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办件事件")
        verbose_name_plural = _("办件事件")
        ordering = ["unit", "case_id", "at", "event_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "event_id"], name="event_id_unique_in_unit")]
        indexes = [
            models.Index(fields=["unit", "case_id"], name="event_case_idx"),
            models.Index(fields=["unit", "at"], name="event_time_idx"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.step_code} {self.timestamp}"

    def as_record(self) -> dict:
        """The engine's input form (docs/supervision.md)."""
        return {**self.attributes, "event_id": self.event_id, "case_id": self.case_id, "power_code": self.power_code,
                "step_code": self.step_code, "actor_id": self.actor_id or None, "timestamp": self.timestamp}


class Severity(models.TextChoices):
    WARNING = "warning", _("预警")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class Finding(models.Model):
    """A deviation the engine found. `key` is the engine's stable identity, so
    re-running the engine updates findings instead of duplicating them; one no
    longer found (the case caught up, data was corrected) is marked retracted."""

    audit_exempt = True  # engine output; the evaluation run is audited as one entry

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="findings")
    key = models.CharField(max_length=64, editable=False)
    rule = models.CharField(_("规则"), max_length=40)
    severity = models.CharField(_("等级"), max_length=10, choices=Severity.choices)
    case_id = models.CharField(_("办件编号"), max_length=100)
    power_code = models.CharField(_("职权编码"), max_length=40, blank=True)
    power = models.ForeignKey("powers.Power", verbose_name=_("职权"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="findings")
    flowchart = models.ForeignKey("flows.Flowchart", verbose_name=_("流程图"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="findings")
    step = models.ForeignKey("flows.Step", verbose_name=_("环节"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="findings")
    step_code = models.CharField(_("环节编号"), max_length=60, blank=True)
    actor_id = models.CharField(_("经办人"), max_length=100, blank=True)
    event_id = models.CharField(_("事件编号"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    message = models.TextField(_("说明"))
    details = models.JSONField(_("详情"), default=dict, blank=True)
    first_seen = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近确认"), default=timezone.now)
    retracted = models.BooleanField(_("已撤销"), default=False)

    class Meta:
        verbose_name = _("监察发现")
        verbose_name_plural = _("监察发现")
        ordering = ["-occurred_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "key"], name="finding_key_unique_in_unit")]
        indexes = [
            models.Index(fields=["unit", "rule"], name="finding_rule_idx"),
            models.Index(fields=["unit", "case_id"], name="finding_case_idx"),
        ]

    def __str__(self):
        return self.message[:80]
