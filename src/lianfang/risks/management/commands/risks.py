"""Risk registers from the console (docs/registers.md):

    lianfang risks import REGISTER.xlsx --unit CODE [--year YEAR] [--create-missing] [--commit] [--json]
                                        [--level post|department|unit|leadership] [--user NAME]
    lianfang risks export --unit CODE --kind KIND [--year YEAR] --out FILE [--department CODE] [--post CODE]
                                        [--format xlsx|pdf]

`import` only reports unless --commit is given; with --commit it writes every row
that can be placed and skips the rest. It exits 0 whenever it ran, problems or
not; with --json the last line is one JSON object with `risk_points`, `measures`
(written, or that would be written), `problems` (rows not written: sheet, row,
column, message — the sheet's own numbers), `warnings`, `skipped_rows`,
`new_departments`, `new_posts`, `committed`. An unreadable file or an unknown
unit exits 1 with a one-line Chinese reason on stderr.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lianfang.core.cli_args import parse_year, unit_by_code, user_by_name
from lianfang.orgs.models import Department, Post, Unit
from lianfang.reports import register_import, registers
from lianfang.risks.models import FindingLevel, RiskPoint

LEVEL_CHOICES = [value for value, _ in FindingLevel.choices]


class Command(BaseCommand):
    help = "廉政风险登记表：导入（默认只检查）、导出"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        p = actions.add_parser("import", help="导入单位已有的廉政风险登记表（加 --commit 才写入）")
        p.add_argument("file", help="xlsx 文件")
        p.add_argument("--unit", required=True, help="单位编码")
        p.add_argument("--year", help="年度（默认：表头中的年度，否则今年）")
        p.add_argument("--create-missing", action="store_true", help="本单位没有的科室、岗位直接新建，而不是报告为问题")
        p.add_argument("--commit", action="store_true", help="写入能够导入的各行，跳过有问题的行（默认只检查）")
        p.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
        p.add_argument("--level", choices=LEVEL_CHOICES, help="指定查找层级（默认按表头和列判断）")
        p.add_argument("--user", help="记为该账号导入（填报人）")
        p = actions.add_parser("export", help="导出登记表、防控措施表或廉政风险点目录")
        p.add_argument("--unit", required=True, help="单位编码")
        p.add_argument("--kind", required=True, choices=registers.KINDS, help="表的类型")
        p.add_argument("--year", help="年度（默认：有风险点的最新年度）")
        p.add_argument("--out", required=True, help="输出文件")
        p.add_argument("--department", help="只导出该科室（科室编码或名称）")
        p.add_argument("--post", help="只导出该岗位（岗位编码）")
        p.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx", help="pdf 仅用于廉政风险点目录")

    def execute(self, *args, **options):
        # A one-line Chinese reason on stderr, without Django's "CommandError:" prefix.
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not getattr(self, "_called_from_command_line", False):
                raise
            self.stderr.write(str(error))
            sys.exit(error.returncode or 1)

    def handle(self, *args, **options):
        return getattr(self, "do_" + options["action"])(options)

    # -- helpers

    @staticmethod
    def _unit(code: str) -> Unit:
        return unit_by_code(code)

    @staticmethod
    def _year(value) -> int:
        return parse_year(value)

    @staticmethod
    def _user(username):
        return user_by_name(username)

    # -- actions

    def do_import(self, options):
        unit = self._unit(options["unit"])
        year = self._year(options["year"]) if options.get("year") else None
        user = self._user(options.get("user"))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件“{path}”不存在或无法读取")
        report = register_import.import_register(
            path, unit=unit, year=year, user=user, create_missing=options["create_missing"],
            commit=options["commit"], finding_level=options.get("level"),
        )
        fatal = [p for p in report.problems if p.row is None and not p.sheet]
        if fatal:
            if options["json"]:
                self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            raise CommandError(f"无法读取“{path.name}”：{fatal[0].message}")
        head = f"{unit.name}（{unit.code}）{report.year}年度"
        if report.committed:
            self.stdout.write(self.style.SUCCESS(
                f"{head}：已导入 {report.risk_points} 个风险点、{report.measures} 条防控措施（草稿），"
                f"编号 {report.codes[0]}–{report.codes[-1]}。"))
        elif options["commit"]:
            self.stdout.write(self.style.WARNING(f"{head}：没有可以导入的行，未写入任何数据。"))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"{head}：可导入 {report.risk_points} 个风险点、{report.measures} 条防控措施；"
                "尚未写入（加 --commit 写入）。"))
        for sheet in report.sheets:
            level = registers.FINDING_TEXT.get(sheet["finding_level"], "按各行判断")
            self.stdout.write(f"  工作表【{sheet['name']}】：表头在第{sheet['header_row']}行，查找层级：{level}")
        verb = "已新建" if report.committed else "将新建"
        if report.new_departments:
            self.stdout.write(f"  {verb}科室：{'、'.join(report.new_departments)}")
        if report.new_posts:
            self.stdout.write(f"  {verb}岗位：{'、'.join(report.new_posts)}")
        if report.problems:
            skipped = "已跳过" if report.committed else "将跳过"
            self.stdout.write(self.style.ERROR(f"发现 {len(report.problems)} 处问题，{skipped}以下各行："))
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
        if report.warnings:
            self.stdout.write(self.style.WARNING(f"提示 {len(report.warnings)} 处（照常导入，请核对）："))
            for warning in report.warnings:
                self.stdout.write(f"  {warning}")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))

    def do_export(self, options):
        unit = self._unit(options["unit"])
        kind = options["kind"]
        if options.get("year"):
            year = self._year(options["year"])
        else:
            latest = RiskPoint.objects.filter(unit=unit).order_by("-year").values_list("year", flat=True).first()
            year = latest or timezone.localdate().year
        department = post = None
        if options.get("department"):
            wanted = options["department"]
            department = (Department.objects.filter(unit=unit, code=wanted).first()
                          or Department.objects.filter(unit=unit, name=wanted).first())
            if department is None:
                raise CommandError(f"单位“{unit.name}”没有科室“{wanted}”")
        if options.get("post"):
            post = Post.objects.filter(unit=unit, code=options["post"]).first()
            if post is None:
                raise CommandError(f"单位“{unit.name}”没有岗位编码“{options['post']}”")
        if options["format"] == "pdf":
            if kind != "catalogue":
                raise CommandError("PDF 仅用于廉政风险点目录（--kind catalogue）")
            data = registers.build_catalogue_pdf(unit=unit, year=year, department=department)
        else:
            data = registers.build_register(kind, unit=unit, year=year, department=department, post=post)
        target = Path(options["out"])
        try:
            target.write_bytes(data)
        except OSError as error:
            raise CommandError(f"无法写入文件“{target}”：{error.strerror or error}") from None
        name = registers.FORMS[kind].name
        self.stdout.write(f"{unit.name}{year}年度{name}已写入 {target}")
