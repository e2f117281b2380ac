from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (站内提醒). Each notification belongs to one recipient
    and is only ever shown to them, so the model is scoped in its own views and
    not registered with lianfang.access."""

    name = "lianfang.notifications"
    verbose_name = _("站内提醒")
