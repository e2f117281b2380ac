from django.core.management.base import BaseCommand

from lianfang.reports import figures
from lianfang.risks.models import RiskPoint
from lianfang.risks.queries import distinct_years


class Command(BaseCommand):
    help = "预先计算统计汇总（各单位及其下级单位的年度数据），例如批量导入之后；--rebuild 先全部清除再计算"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="年度（可重复；默认全部年度）")
        parser.add_argument("--rebuild", action="store_true", help="清除已存的汇总后重新计算")

    def handle(self, *args, year=None, rebuild=False, **options):
        if rebuild:
            figures.forget_all()
        tree = figures.Tree()
        for y in year or distinct_years(RiskPoint.objects.all()):
            total = figures.stored(y, None, tree)
            self.stdout.write(f"{y} 年：{total['n']} 个风险点，{total['m'].get('total', 0)} 条措施，汇总已就绪")
