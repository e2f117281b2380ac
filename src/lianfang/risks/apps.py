from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "lianfang.risks"
    verbose_name = _("廉政风险点")

    def ready(self):
        from lianfang.access.registry import register
        from lianfang.flows.hooks import register_risk_provider

        from . import models as m
        from .diagram import risk_points_on_steps

        register(m.RiskPoint, unit="unit", department="department", post="post", kind="record")
        register(m.RatingModel, unit="unit", kind="shared")
        register_risk_provider(risk_points_on_steps)
