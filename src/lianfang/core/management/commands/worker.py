from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动后台任务进程（提醒、导入导出、监察巡检）；按配置使用数据库队列或 Redis 上的 RQ"

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="处理完当前队列后退出")
        parser.add_argument("--queue", default="default")

    def handle(self, *args, burst, queue, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend.startswith("django_tasks_rq"):
            # The job class is what lets RQ hand results back to django.tasks.
            call_command("rqworker", queue, burst=burst, with_scheduler=not burst, job_class="django_tasks_rq.Job")
        elif backend.startswith("django_tasks_db"):
            call_command("db_worker", queue_name=queue, batch=burst, interval=1.0, reload=False)
        else:
            self.stdout.write("当前任务后端为即时执行，无需后台进程。")
