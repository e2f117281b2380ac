from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowsConfig(AppConfig):
    name = "lianfang.flows"
    verbose_name = _("权力运行流程图")

    def ready(self):
        from lianfang.access.registry import register

        from . import models as m

        register(m.Flowchart, unit="unit", kind="shared")
        register(m.Step, unit="flowchart__unit", kind="shared")
        register(m.Transition, unit="flowchart__unit", kind="shared")
        register(m.IncompatiblePair, unit="flowchart__unit", kind="shared")
        register(m.DiscretionRange, unit="step__flowchart__unit", kind="shared")
