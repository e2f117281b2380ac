from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Registers (the forms units print), dashboards and quality checks."""

    name = "lianfang.reports"
    verbose_name = _("报表")

    def ready(self):
        from . import signals

        signals.connect()
