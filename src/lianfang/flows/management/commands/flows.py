"""`lianfang flows import|export`: the command-line contract of docs/flow-model.md.

Acceptance checks drive these, so the arguments, exit codes and the `--json`
last line are kept stable."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from lianfang.orgs.models import Unit


class Refused(Exception):
    pass


class Command(BaseCommand):
    help = "权力运行流程图导入导出：import FILE --unit 单位编码 [--json]；export [--unit 单位编码] --out 文件 [--format json|bpmn]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入流程图 JSON 或 BPMN 2.0 XML（按内容识别）")
        imp.add_argument("file")
        imp.add_argument("--unit", required=True, help="单位编码")
        imp.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
        imp.add_argument("--no-replace", action="store_true", help="本单位已有同编号流程图时拒绝导入（默认覆盖）")
        exp = sub.add_parser("export", help="导出流程图")
        exp.add_argument("--unit", help="单位编码（省略则导出全部单位）")
        exp.add_argument("--out", required=True, help="JSON 文件；--format bpmn 时为目录")
        exp.add_argument("--format", choices=["json", "bpmn"], default="json")

    def handle(self, *args, action, **options):
        try:
            if action == "import":
                self.do_import(options)
            else:
                self.do_export(options)
        except Refused as exc:
            sys.stderr.write(f"{exc}\n")
            sys.exit(1)

    @staticmethod
    def unit(code: str) -> Unit:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise Refused(f"单位编码「{code}」不存在。")
        return unit

    def do_import(self, options):
        from lianfang.flows.serialize import FlowImportError, import_file

        unit = self.unit(options["unit"])
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Refused(f"无法读取文件「{path}」：{exc.strerror or exc}") from None
        try:
            outcome = import_file(unit, data, path.name, replace=not options["no_replace"])
        except FlowImportError as exc:
            raise Refused(f"导入被拒绝：{str(exc).splitlines()[0]}") from None
        for warning in outcome.warnings:
            self.stdout.write(f"提示：{warning}")
        self.stdout.write(f"已导入 {len(outcome.flowcharts)} 个流程图到「{unit.name}」。")
        if options["json"]:
            result = {
                "flowcharts": [{"flowchart_code": fc.code, "name": fc.name} for fc in outcome.flowcharts],
                "warnings": outcome.warnings,
            }
            self.stdout.write(json.dumps(result, ensure_ascii=False))

    def do_export(self, options):
        from lianfang.flowmodel import export_bpmn, to_json
        from lianfang.flows.models import Flowchart
        from lianfang.flows.serialize import export_unit, flowcharts_with_everything, to_flowmodel

        units = [self.unit(options["unit"])] if options["unit"] else list(Unit.objects.all())
        out = Path(options["out"])
        if options["format"] == "json":
            models = [m for unit in units for m in export_unit(unit)]
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(to_json(models), encoding="utf-8")
            except OSError as exc:
                raise Refused(f"无法写入「{out}」：{exc.strerror or exc}") from None
            self.stdout.write(f"已导出 {len(models)} 个流程图到 {out}。")
            return
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Refused(f"无法创建目录「{out}」：{exc.strerror or exc}") from None
        count = 0
        for flowchart in flowcharts_with_everything(Flowchart.objects.filter(unit__in=units).order_by("code")):
            (out / f"{flowchart.code}.bpmn").write_bytes(export_bpmn(to_flowmodel(flowchart)))
            count += 1
        self.stdout.write(f"已导出 {count} 个 BPMN 文件到 {out}/。")
