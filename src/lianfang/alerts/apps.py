from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "lianfang.alerts"
    verbose_name = _("预警处置")

    def ready(self):
        from lianfang.access.registry import register

        from .models import Alert

        register(Alert, unit="unit", kind="oversight")
