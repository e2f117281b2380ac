"""In-app notifications: deadline reminders for measures and rules, and whatever
else a module wants a person to notice. A notification is addressed to a person
(most people of a unit have no login yet) and/or a user; once the person gets a
login they see what was addressed to them. `key` makes sending idempotent: the
same key is never delivered twice to the same recipient."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Person, Unit


class Level(models.TextChoices):
    INFO = "info", _("提示")
    WARNING = "warning", _("提醒")
    DANGER = "danger", _("逾期")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """What the user may see: addressed to the account or to its person."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(recipient_id=user.pk) | Q(person__user_id=user.pk))

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收账号"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="notifications")
    person = models.ForeignKey(Person, verbose_name=_("接收人"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notifications")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices, default=Level.INFO)
    key = models.CharField(_("去重键"), max_length=200, blank=True,
                           help_text=_("同一接收人同一去重键只发送一次，如 measure:12:due:2026-12-31:7"))
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内提醒")
        verbose_name_plural = _("站内提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(recipient__isnull=False) | Q(person__isnull=False),
                                   name="notification_has_recipient"),
            models.UniqueConstraint(fields=["person", "key"], condition=Q(person__isnull=False) & ~Q(key=""),
                                    name="notification_once_per_person_key"),
            models.UniqueConstraint(fields=["recipient", "key"], condition=Q(person__isnull=True) & ~Q(key=""),
                                    name="notification_once_per_user_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_user_read_idx"),
                   models.Index(fields=["person", "read_at"], name="notification_person_read_idx")]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def css(self) -> str:
        return {"danger": "danger", "warning": "warning"}.get(self.level, "info")
