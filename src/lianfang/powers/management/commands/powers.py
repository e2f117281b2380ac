"""The power catalogue from the console:

    lianfang powers check [--unit CODE] [--json]
    lianfang powers import FILE --unit CODE --year YEAR [--commit] [--json] [--user NAME]
    lianfang powers export --unit CODE [--year YEAR] --out FILE
    lianfang powers template --out FILE

`check` runs the catalogue checks (lianfang.powers.checks) for one unit or all
active units and exits 0 whatever it finds; with --json the last line is
{"units": [{"unit": code, "findings": [...]}]}. `import` only validates unless
--commit is given; it exits 1 when the file has problems (with --json the last
line is {"ok", "committed", "catalogue_created", "counts", "problems"}). Bad
arguments (an unknown unit, a year without a catalogue) exit 1 with a Chinese
message and no traceback.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianfang.core.cli_args import parse_year, unit_by_code, user_by_name
from lianfang.orgs.models import Unit
from lianfang.powers import checks, workbook
from lianfang.powers.models import Catalogue

COUNT_LABELS = {"created": "新增", "updated": "更新", "unchanged": "未变"}


class Command(BaseCommand):
    help = "职权目录：检查、导入（默认只校验）、导出、下载空白模板"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{check,import,export,template}")
        p = actions.add_parser("check", help="检查职权目录、流程图和领导班子“三重一大”职权")
        p.add_argument("--unit", help="只检查该单位（单位编码）；默认检查全部有效单位")
        p.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
        p = actions.add_parser("import", help="校验并导入职权目录（加 --commit 才写入）")
        p.add_argument("file", help="xlsx 文件")
        p.add_argument("--unit", required=True, help="单位编码")
        p.add_argument("--year", required=True, help="年度，如 2026")
        p.add_argument("--commit", action="store_true", help="校验通过后写入数据库（默认只校验）")
        p.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
        p.add_argument("--user", help="按该账号的权限导入（默认：不限）")
        p = actions.add_parser("export", help="导出职权目录")
        p.add_argument("--unit", required=True, help="单位编码")
        p.add_argument("--year", help="年度（默认：最新年度）")
        p.add_argument("--out", required=True, help="输出的 xlsx 文件")
        p = actions.add_parser("template", help="生成空白职权目录模板")
        p.add_argument("--out", required=True, help="输出的 xlsx 文件")

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

    def _write(self, path: str, data: bytes, what: str) -> None:
        target = Path(path)
        try:
            target.write_bytes(data)
        except OSError as error:
            raise CommandError(f"无法写入文件“{target}”：{error.strerror or error}") from None
        self.stdout.write(f"{what}已写入 {target}")

    # -- actions

    def do_check(self, options):
        if options.get("unit"):
            units = [self._unit(options["unit"])]
        else:
            units = list(Unit.objects.filter(is_active=True).order_by("path"))
        results = checks.check_units(units)
        errors = warnings = 0
        payload = []
        for unit, findings in results.items():
            unit_errors = sum(f.severity == checks.ERROR for f in findings)
            unit_warnings = len(findings) - unit_errors
            errors, warnings = errors + unit_errors, warnings + unit_warnings
            head = f"{unit.name}（{unit.code}）"
            if findings:
                self.stdout.write(self.style.MIGRATE_HEADING(f"{head}：错误 {unit_errors} 项，提示 {unit_warnings} 项"))
                for finding in findings:
                    style = self.style.ERROR if finding.severity == checks.ERROR else self.style.WARNING
                    self.stdout.write("  " + style(str(finding)))
            else:
                self.stdout.write(self.style.SUCCESS(f"{head}：未发现问题"))
            payload.append({"unit": unit.code, "findings": [f.as_dict() for f in findings]})
        self.stdout.write(f"共检查 {len(results)} 个单位：错误 {errors} 项，提示 {warnings} 项。")
        if options["json"]:
            self.stdout.write(json.dumps({"units": payload}, ensure_ascii=False))

    def do_template(self, options):
        self._write(options["out"], workbook.build_template(), "职权目录模板")

    def do_export(self, options):
        unit = self._unit(options["unit"])
        catalogues = Catalogue.objects.filter(unit=unit)
        if options.get("year"):
            year = self._year(options["year"])
            catalogue = catalogues.filter(year=year).first()
            if catalogue is None:
                raise CommandError(f"单位“{unit.name}”没有{year}年度的职权目录")
        else:
            catalogue = catalogues.order_by("-year").first()
            if catalogue is None:
                raise CommandError(f"单位“{unit.name}”还没有职权目录")
        self._write(options["out"], workbook.export_catalogue(catalogue), str(catalogue))
        from lianfang.audit.services import record

        record("export", catalogue, changes={"file": str(options["out"]), "via": "command line"})

    def do_import(self, options):
        unit = self._unit(options["unit"])
        year = self._year(options["year"])
        user = self._user(options.get("user"))
        path = Path(options["file"])
        if not path.is_file():
            report = workbook.ImportReport(problems=[workbook.Problem("", None, "", f"文件“{path}”不存在")])
        else:
            report = workbook.import_catalogue(path, unit=unit, year=year, user=user, commit=options["commit"])
        if report.ok:
            if report.committed:
                self.stdout.write(self.style.SUCCESS(f"导入完成：{unit.name}{year}年度职权目录。"))
            else:
                self.stdout.write(self.style.SUCCESS("校验通过，未写入数据（加 --commit 导入）。"))
            if report.catalogue_created:
                verb = "新建了" if report.committed else "将新建"
                self.stdout.write(f"  {verb}{unit.name}{year}年度职权目录")
            self.stdout.write("  职权：" + "，".join(f"{COUNT_LABELS[k]} {v}" for k, v in report.counts.items()))
        else:
            self.stdout.write(self.style.ERROR(f"发现 {len(report.problems)} 处问题，未写入任何数据："))
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        if not report.ok:
            raise CommandError(f"导入文件有 {len(report.problems)} 处问题", returncode=1)
