from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Storage and screens around the supervision engine (lianfang.supervision):
    business systems' case events, ingestion tokens, and the findings."""

    name = "lianfang.monitoring"
    verbose_name = _("电子监察")

    def ready(self):
        from lianfang.access.registry import register

        from . import models as m

        register(m.IngestToken, unit="unit", kind="oversight")
        register(m.CaseEvent, unit="unit", kind="oversight")
        register(m.Finding, unit="unit", kind="oversight")
