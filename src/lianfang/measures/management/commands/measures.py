"""`lianfang measures remind`: send today's deadline reminders for measures and
rules. Run daily by cron, or with --enqueue to hand the work to the worker."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

LABELS = {
    "measure_due": "措施即将到期", "measure_overdue": "措施逾期", "rule_due": "制度即将到期", "rule_overdue": "制度逾期",
    "notifications": "站内提醒", "emails": "邮件", "unaddressed": "无责任人未能提醒",
}


class Command(BaseCommand):
    help = "防控措施：remind 发送措施和制度的到期、逾期提醒（每日运行一次；重复运行不会重复提醒）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="发送今天的到期、逾期提醒")
        remind.add_argument("--date", help="按指定日期计算（YYYY-MM-DD，默认今天）")
        remind.add_argument("--enqueue", action="store_true", help="放入后台任务队列，由 lianfang worker 执行")
        remind.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")

    def handle(self, *args, action, **options):
        date = options.get("date")
        if date:
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{date}") from None
        if options.get("enqueue"):
            from lianfang.measures.tasks import send_reminders_task

            result = send_reminders_task.enqueue(date)
            self.stdout.write(f"已放入后台任务队列：{result.id}")
            return
        from lianfang.measures.reminders import send_reminders

        counts = send_reminders(dt.date.fromisoformat(date) if date else None)
        self.stdout.write(f"{counts['date']}：" + "，".join(f"{LABELS[k]} {counts[k]}" for k in LABELS))
        if options.get("json"):
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
