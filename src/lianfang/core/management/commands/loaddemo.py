from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from lianfang.audit.context import acting
from lianfang.audit.models import Action
from lianfang.audit.services import record

# Each module's demo loader, in dependency order. Later modules append theirs.
LOADERS = [
    ("组织机构", "lianfang.demo.orgs"),
    ("职权目录与流程图", "lianfang.demo.powers"),
    ("廉政风险点与防控措施", "lianfang.demo.risks"),
    ("电子监察办件", "lianfang.demo.events"),
]


class Command(BaseCommand):
    help = "载入演示数据（可重复执行：按编码更新，不会重复创建）"

    def handle(self, *args, **options):
        from importlib import import_module

        summary = {}
        with transaction.atomic(), acting():
            for label, module in LOADERS:
                summary[label] = import_module(module).load()
        record(Action.IMPORT, object_type="demo", object_repr="演示数据", changes={"summary": summary}, force=True)
        call_command("figures", stdout=self.stdout)  # the dashboard's stored figures, ready before the first view
        for label, counts in summary.items():
            self.stdout.write(f"{label}：" + "，".join(f"{k} {v}" for k, v in counts.items()))
