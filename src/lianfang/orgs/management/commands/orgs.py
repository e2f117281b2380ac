"""`lianfang orgs import FILE [--commit] [--json]`, `lianfang orgs export [--unit CODE] --out FILE`,
`lianfang orgs template --out FILE`: the organisation workbook from the console.

Without --commit an import only validates. The exit code is 0 when the file is
valid (and, with --commit, imported) and 1 when there are problems; with --json
the last line of the output is one JSON object
{"ok": bool, "committed": bool, "counts": {...}, "problems": [{"sheet", "row", "column", "message"}]}.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lianfang.orgs import workbook
from lianfang.orgs.models import Unit

COUNT_LABELS = {"created": "新增", "updated": "更新", "unchanged": "未变"}


class Command(BaseCommand):
    help = "组织机构工作簿：导入（默认只校验）、导出、下载空白模板"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export,template}")
        p = actions.add_parser("import", help="校验并导入组织机构工作簿（加 --commit 才写入）")
        p.add_argument("file", help="xlsx 文件")
        p.add_argument("--commit", action="store_true", help="校验通过后写入数据库（默认只校验）")
        p.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
        p.add_argument("--user", help="按该账号的权限导入（默认：不限）")
        p = actions.add_parser("export", help="导出组织机构工作簿")
        p.add_argument("--unit", help="只导出该单位（含下级单位），填单位编码")
        p.add_argument("--out", required=True, help="输出的 xlsx 文件")
        p.add_argument("--user", help="只导出该账号可见的数据（默认：全部）")
        p = actions.add_parser("template", help="生成空白导入模板")
        p.add_argument("--out", required=True, help="输出的 xlsx 文件")

    def handle(self, *args, **options):
        return getattr(self, "do_" + options["action"])(options)

    def _user(self, username):
        if not username:
            return None
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"账号“{username}”不存在")
        return user

    def _write(self, path: str, data: bytes, what: str) -> None:
        target = Path(path)
        try:
            target.write_bytes(data)
        except OSError as error:
            raise CommandError(f"无法写入文件“{target}”：{error.strerror or error}") from None
        self.stdout.write(f"{what}已写入 {target}")

    def do_template(self, options):
        self._write(options["out"], workbook.build_template(), "导入模板")

    def do_export(self, options):
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"单位编码“{options['unit']}”不存在")
        data = workbook.export_workbook(user=self._user(options.get("user")), unit=unit)
        self._write(options["out"], data, "组织机构")

    def do_import(self, options):
        user = self._user(options.get("user"))
        path = Path(options["file"])
        if not path.is_file():
            report = workbook.ImportReport(problems=[workbook.Problem("", None, "", f"文件“{path}”不存在")])
        else:
            report = workbook.import_workbook(path, user=user, commit=options["commit"])
        if report.ok:
            if report.committed:
                self.stdout.write(self.style.SUCCESS("导入完成。"))
            else:
                self.stdout.write(self.style.SUCCESS("校验通过，未写入数据（加 --commit 导入）。"))
            for sheet, counts in report.counts.items():
                if any(counts.values()):
                    self.stdout.write(
                        f"  {sheet}：" + "，".join(f"{COUNT_LABELS[k]} {v}" for k, v in counts.items())
                    )
            if report.accounts_created:
                verb = "新建了" if report.committed else "将新建"
                self.stdout.write(
                    f"  {verb}无密码的登录账号：{'、'.join(report.accounts_created)}（须由管理员设置密码后才能登录）"
                )
        else:
            self.stdout.write(self.style.ERROR(f"发现 {len(report.problems)} 处问题，未写入任何数据："))
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        if not report.ok:
            raise CommandError(f"导入文件有 {len(report.problems)} 处问题", returncode=1)
