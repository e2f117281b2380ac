import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "一键演示：迁移数据库、载入演示数据、启动后台任务进程和网站，并打印演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, *args, port, host, no_serve, **options):
        from lianfang.demo.orgs import DEMO_PASSWORD, LOGINS

        call_command("migrate", interactive=False, verbosity=0)
        call_command("loaddemo", verbosity=options["verbosity"])
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, _ in LOGINS:
            self.stdout.write(f"  {username:<10} {role}")
        if no_serve:
            return
        self.stdout.write(f"\n请在浏览器打开 http://{host}:{port}/  （Ctrl+C 停止）\n")
        worker = subprocess.Popen([sys.executable, "-m", "lianfang", "worker"])
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
