"""Helpers behind province-scale lists: the bounded paginator, Python-rendered
<option> lists and the loose-index scan for years."""

import pytest
from django.urls import reverse

from lianfang.core import paging
from lianfang.core.options import options
from lianfang.orgs.models import Unit
from lianfang.risks.models import RiskCategory, RiskPoint
from lianfang.risks.queries import distinct_years


def make(unit, n, year=2026):
    category = RiskCategory.objects.first()
    RiskPoint.objects.bulk_create([
        RiskPoint(unit=unit, year=year, code=f"B{year}-{i:03d}", finding_level="unit", title=f"风险{i}",
                  description="收受好处", category=category) for i in range(n)])


@pytest.mark.django_db
def test_the_paginator_counts_up_to_its_bound_and_says_so(demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    make(unit, 30)
    qs = RiskPoint.objects.filter(unit=unit).order_by("code")
    exact = paging.BoundedPaginator(qs, 10, bound=100)
    assert (exact.count, exact.capped, exact.num_pages) == (30, False, 3)
    capped = paging.BoundedPaginator(qs, 10, bound=25)
    assert (capped.count, capped.capped, capped.num_pages) == (25, True, 3)
    assert [r.code for r in capped.page(3)] == [f"B2026-{i:03d}" for i in range(20, 25)]


@pytest.mark.django_db
def test_a_page_of_ids_comes_from_one_query_with_the_bounded_count(demo_org, django_assert_num_queries):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    make(unit, 30)
    qs = RiskPoint.objects.filter(unit=unit).order_by("code")
    codes = dict(qs.values_list("pk", "code"))
    with django_assert_num_queries(1):
        page = paging.page_of_ids(qs, 10, "3", bound=25)
    assert (page.paginator.count, page.paginator.capped, page.number) == (25, True, 3)
    assert [codes[pk] for pk in page.object_list] == [f"B2026-{i:03d}" for i in range(20, 25)]
    # Whatever the user typed, a page within range.
    assert paging.page_of_ids(qs, 10, "99999999999999999999").number == 3
    assert paging.page_of_ids(qs, 10, "-1").number == 3
    assert paging.page_of_ids(qs, 10, "abc").number == 1
    empty = paging.page_of_ids(qs.none(), 10, "2")
    assert (empty.number, list(empty.object_list), empty.paginator.count) == (1, [], 0)

@pytest.mark.django_db
def test_the_risk_list_says_when_there_are_more_rows_than_counted(demo_org, client_for, monkeypatch):
    make(Unit.objects.get(code="JZ-QS-MAJ"), 12)
    monkeypatch.setattr(paging, "DEFAULT_BOUND", 10)
    html = client_for("juzhang").get(reverse("risks:index")).content.decode()
    assert "超过 10 条" in html
    monkeypatch.setattr(paging, "DEFAULT_BOUND", 1000)
    html = client_for("juzhang").get(reverse("risks:index")).content.decode()
    assert "共 12 条" in html and "超过" not in html


def test_options_escape_values_and_labels_and_mark_the_selected_one():
    html = str(options([(1, "<甲>"), ("x\"y", "乙&丙")], "1", "全部"))
    assert html == ('<option value="">全部</option><option value="1" selected>&lt;甲&gt;</option>'
                    '<option value="x&quot;y">乙&amp;丙</option>')


@pytest.mark.django_db
def test_distinct_years_newest_first(demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    assert distinct_years(RiskPoint.objects.all()) == []
    for year in (2024, 2026, 2026, 2021):
        make(unit, 1, year) if not RiskPoint.objects.filter(year=year).exists() else None
    assert distinct_years(RiskPoint.objects.all()) == [2026, 2024, 2021]
    assert distinct_years(RiskPoint.objects.filter(year__lt=2025)) == [2024, 2021]
