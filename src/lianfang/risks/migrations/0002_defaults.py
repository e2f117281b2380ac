"""Default lists (DOMAIN.md §5) and the default rating models (§6, documented in
docs/rating.md). Units may change all of them afterwards; a changed model is a
new version, never an edit of this one."""

from django.db import migrations

CATEGORIES = [("SXDD", "思想道德"), ("GWZZ", "岗位职责"), ("YWLC", "业务流程"), ("ZDJZ", "制度机制"), ("WBHJ", "外部环境")]
DISCOVERY = [
    ("ZJZ", "自己找"), ("QZB", "群众帮"), ("LDT", "领导提"), ("HXC", "互相查"), ("ZJP", "专家评"), ("ZZS", "组织审"),
    ("ALFX", "案例分析"), ("XFJB", "信访举报"), ("JCXC", "检查巡察"),
]


def create(apps, schema_editor):
    from lianfang.risks.rating import DEFAULT_INDICATOR, DEFAULT_MATRIX_3, DEFAULT_MATRIX_5

    category = apps.get_model("risks", "RiskCategory")
    discovery = apps.get_model("risks", "DiscoveryMethod")
    model = apps.get_model("risks", "RatingModel")
    for order, (code, name) in enumerate(CATEGORIES):
        category.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    for order, (code, name) in enumerate(DISCOVERY):
        discovery.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    model.objects.get_or_create(
        unit=None, name="廉政风险指标评估模型", version=1,
        defaults={"kind": "indicator", "definition": DEFAULT_INDICATOR, "is_active": True,
                  "note": "七项因素加权平均（1–5 分）：≥3.6 为高，≥2.6 为中，其余为低。见 docs/rating.md。"},
    )
    model.objects.get_or_create(
        unit=None, name="可能性×影响矩阵（5×5）", version=1,
        defaults={"kind": "matrix", "definition": DEFAULT_MATRIX_5, "is_active": False},
    )
    model.objects.get_or_create(
        unit=None, name="可能性×影响矩阵（3×3）", version=1,
        defaults={"kind": "matrix", "definition": DEFAULT_MATRIX_3, "is_active": False},
    )


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
