"""The review chains of DOMAIN.md §5 (seed 000 §四(二)2(1)) as data. Department-
and unit-level entries follow their level; post and leadership entries follow
the author's rank (see reviews/chains.py for the precedence)."""

from django.db import migrations

RULES = [
    ("staff", "any", ["dept_head", "leader_in_charge"], "一般工作人员：科室负责人审核 → 分管领导确认"),
    ("dept_head", "any", ["leader_in_charge", "steering_group"], "科室负责人：分管领导审核 → 领导小组确认"),
    ("leader", "any", ["unit_head", "steering_group"], "班子成员：主要负责人审核 → 领导小组确认"),
    ("head", "any", ["steering_group", "higher_level"], "主要负责人：领导小组审核 → 上级指导协调小组确认"),
    ("any", "department", ["peer_review", "steering_group", "party_group"], "科室层级：科室互查 → 领导小组 → 党组决定"),
    ("any", "unit", ["steering_group", "party_group"], "单位层级：领导小组审核 → 党组决定"),
]


def create(apps, schema_editor):
    rule = apps.get_model("reviews", "ChainRule")
    for rank, level, steps, note in RULES:
        rule.objects.update_or_create(unit=None, author_rank=rank, finding_level=level,
                                      defaults={"steps": steps, "note": note})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
