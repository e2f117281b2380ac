"""The default category list: the national 权力清单 categories plus the internal
powers (三重一大 and internal management of people, money and goods). Units may
add, rename or deactivate categories afterwards."""

from django.db import migrations

DEFAULTS = [
    # code, name, internal, three_important
    ("XZXK", "行政许可", False, False),
    ("XZCF", "行政处罚", False, False),
    ("XZQZ", "行政强制", False, False),
    ("XZZS", "行政征收", False, False),
    ("XZJF", "行政给付", False, False),
    ("XZJC", "行政检查", False, False),
    ("XZQR", "行政确认", False, False),
    ("XZJL", "行政奖励", False, False),
    ("XZCJ", "行政裁决", False, False),
    ("QTXZ", "其他行政权力", False, False),
    ("ZDJC", "重大事项决策", True, True),
    ("RSRM", "重要人事任免", True, True),
    ("XMAP", "重大项目安排", True, True),
    ("ZJSY", "大额资金使用", True, True),
    ("NBGL", "内部人财物管理", True, False),
]


def create(apps, schema_editor):
    category = apps.get_model("powers", "PowerCategory")
    for order, (code, name, internal, three) in enumerate(DEFAULTS):
        category.objects.update_or_create(
            code=code, defaults={"name": name, "internal": internal, "three_important": three, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("powers", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
