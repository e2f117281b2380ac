from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "lianfang.orgs"
    verbose_name = _("组织机构")

    def ready(self):
        from lianfang.access.registry import register

        from . import models as m

        register(m.Unit, unit="pk", kind="org")
        register(m.Department, unit="unit", department="pk", kind="org")
        register(m.Post, unit="unit", department="department", post="pk", kind="org")
        register(m.Person, unit="unit", kind="org")
        register(m.PostAssignment, unit="person__unit", kind="org")
        register(m.Charge, unit="person__unit", kind="org")
        register(m.OrgGroup, unit="unit", kind="org")
        register(m.GroupMembership, unit="group__unit", kind="org")
