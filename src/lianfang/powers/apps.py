from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PowersConfig(AppConfig):
    name = "lianfang.powers"
    verbose_name = _("职权目录")

    def ready(self):
        from lianfang.access.registry import register

        from . import models as m

        register(m.Catalogue, unit="unit", kind="shared")
        register(m.CatalogueEvent, unit="catalogue__unit", kind="shared")
        register(m.Power, unit="unit", department="department", kind="shared")
        register(m.LegalBasis, unit="power__unit", department="power__department", kind="shared")
