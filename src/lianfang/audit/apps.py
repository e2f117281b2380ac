from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lianfang.audit"
    verbose_name = _("审计日志")

    def ready(self):
        from lianfang.access.registry import register

        from . import signals  # noqa: F401  (connects the model and login receivers)
        from .models import AuditEntry

        register(AuditEntry, unit="unit_id", kind="audit", actor="actor_id")
