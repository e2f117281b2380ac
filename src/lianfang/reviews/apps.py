from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "lianfang.reviews"
    verbose_name = _("审核")

    def ready(self):
        from lianfang.access.registry import register

        from . import models as m

        register(m.ChainRule, unit="unit", kind="shared")
        register(m.Review, unit="risk__unit", department="risk__department", post="risk__post", kind="record")
