"""Figures for the home page, always computed within the user's scope."""

from django.db.models import Count
from django.utils import timezone

from lianfang.access.policy import scope_for, visible
from lianfang.orgs.models import Department, Person, Post, PostAssignment, RankClass, Unit


def home_figures(user) -> dict:
    from lianfang.alerts.models import Alert, AlertStatus
    from lianfang.flows.models import Flowchart
    from lianfang.measures.models import Measure
    from lianfang.powers.models import Power
    from lianfang.risks.models import RiskPoint

    people = visible(user, Person.objects.filter(is_active=True))
    posts = visible(user, Post.objects.filter(is_active=True))
    held = PostAssignment.objects.current().filter(post__in=posts).values("post_id").distinct().count()
    total_posts = posts.count()
    by_rank = dict(people.values_list("rank_class").annotate(n=Count("pk")).values_list("rank_class", "n"))
    risks = visible(user, RiskPoint.objects.all())
    by_level = dict(risks.values_list("inherent_level").annotate(n=Count("pk")).values_list("inherent_level", "n"))
    measures = visible(user, Measure.objects.all())
    return {
        "units": visible(user, Unit.objects.filter(is_active=True)).count(),
        "departments": visible(user, Department.objects.filter(is_active=True)).count(),
        "posts": total_posts,
        "vacant_posts": max(0, total_posts - held),
        "people": people.count(),
        "by_rank": [(label, by_rank.get(value, 0)) for value, label in RankClass.choices],
        # The programme, as a county reports it: "2281 个风险点、2635 条措施、304 项制度、46 张流程图".
        "powers": visible(user, Power.objects.all()).values("unit_id", "code").distinct().count(),
        "flowcharts": visible(user, Flowchart.objects.all()).count(),
        "risk_points": sum(by_level.values()),
        "risk_levels": [("高", by_level.get("high", 0)), ("中", by_level.get("medium", 0)), ("低", by_level.get("low", 0))],
        "measures": measures.count(),
        "rules": measures.exclude(rule_name="").count(),
        "open_alerts": visible(user, Alert.objects.filter(status=AlertStatus.OPEN)).count(),
    }


def sees_risk_points(user) -> bool:
    scope = scope_for(user)
    return scope.superuser or bool(scope.full_units or scope.departments or scope.posts)


# Above this many units in scope the card points to the quality screen instead.
QUALITY_CARD_UNITS = 50


def quality_figures(user) -> dict | None:
    """The 质量检查 card: problems in this year's risk points and measures within
    the user's scope, by kind (risks.quality). None for users who see no risk
    points. Skips the near-duplicate check, the one whose cost grows faster than
    the rows; the rest costs a fixed handful of queries whatever the scope, but
    reads every risk point and measure of the year in it (on bench/risks_data's
    province on SQLite: about 2 s for a county of 200 units, 14 s for all 2,000),
    so the home page loads the card after the page itself (views.home_quality)."""
    from lianfang.risks import quality

    if not sees_risk_points(user):
        return None
    year = timezone.localdate().year
    units = visible(user, Unit.objects.filter(is_active=True)).only("pk", "name")
    count = units.count()
    if count > QUALITY_CARD_UNITS:
        # A county or a province: checking every unit on each home page view
        # would cost seconds; the quality screen checks one unit at a time.
        return {"year": year, "too_many": True, "units": count}
    result = quality.summary(units, year, user=user, duplicates=False)
    result["kinds"] = [row for row in result["by_check"] if row["count"]]
    return result

