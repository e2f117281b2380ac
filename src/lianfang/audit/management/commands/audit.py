from django.core.management.base import BaseCommand, CommandError

from lianfang.audit.services import verify_chain


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链是否完整（被修改、删除或重排时以非零状态退出并指出第一条问题记录）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"审计链校验失败：第 {result.bad_seq} 条记录 —— {result.reason}（此前 {result.checked} 条完好）")
        self.stdout.write(f"审计链完好：共 {result.checked} 条记录。")
