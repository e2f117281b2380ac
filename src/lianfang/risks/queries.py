"""Query helpers shared by the risk screens and the dashboard."""

from django.db.models import Case, CharField, F, Max, When

# The level that counts: the residual level where rated, else the inherent one.
EFFECTIVE_LEVEL = Case(When(residual_level="", then=F("inherent_level")), default=F("residual_level"),
                       output_field=CharField())

MAX_YEARS = 50


def distinct_years(queryset) -> list[int]:
    """The years present in a risk point queryset, newest first.

    One MAX per year found, each answered from an index on `year` (a loose index
    scan), instead of a DISTINCT over every row: a province holds hundreds of
    thousands of risk points but only a handful of years."""
    years: list[int] = []
    qs = queryset.order_by()
    while len(years) < MAX_YEARS:
        newest = (qs.filter(year__lt=years[-1]) if years else qs).aggregate(y=Max("year"))["y"]
        if newest is None:
            break
        years.append(newest)
    return years
