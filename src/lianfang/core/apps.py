from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lianfang.core"
    verbose_name = _("平台")

    def ready(self):
        from . import lookups  # noqa: F401  (registers the any_in lookup)
