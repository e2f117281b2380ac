from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "lianfang.measures"
    verbose_name = _("防控措施")

    def ready(self):
        from lianfang.access.registry import register

        from . import models as m

        register(m.Measure, unit="risk__unit", department="risk__department", post="risk__post", kind="record")
        register(m.Evidence, unit="measure__risk__unit", department="measure__risk__department",
                 post="measure__risk__post", kind="record")
