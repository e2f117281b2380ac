"""The statistics dashboard (lianfang.reports.dashboard): hand-counted figures,
scoping, a bounded number of queries, and the page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.flows.models import Flowchart
from lianfang.measures.models import Measure
from lianfang.orgs.models import Department, Post, Unit
from lianfang.reports import dashboard as agg
from lianfang.risks.models import RatingModel, RiskCategory, RiskPoint

YEAR = 2026
TODAY = dt.date(2026, 6, 15)
PAST, FUTURE = dt.date(2026, 3, 1), dt.date(2026, 9, 30)


def risk(unit, code, post=None, department=None, inherent="", residual="", status="draft", category="岗位职责",
         model=None, inputs=None, explanation=None, year=YEAR):
    post_obj = Post.objects.get(unit=unit, code=post) if post else None
    dept_obj = Department.objects.get(unit=unit, code=department) if department else None
    return RiskPoint.objects.create(
        unit=unit, year=year, code=code, finding_level="post" if post else "department", post=post_obj,
        department=dept_obj, title=f"风险点{code}", description="收受好处", category=RiskCategory.objects.get(
            name=category), inherent_level=inherent, residual_level=residual, status=status, rating_model=model,
        rating_inputs=inputs or {}, explanation=explanation or {},
    )


def measure(r, status="planned", deadline=None, rule_name="", rule_due=None, rule_done_at=None, kind="rules"):
    return Measure.objects.create(risk=r, content="实行双人受理、科长复核", line="prevention", kind=kind,
                                  owner_text="行政审批科", status=status, deadline=deadline, rule_name=rule_name,
                                  rule_due=rule_due, rule_done_at=rule_done_at)


@pytest.fixture
def fixture(demo_org):
    maj, sjj = Unit.objects.get(code="JZ-QS-MAJ"), Unit.objects.get(code="JZ-QS-SJJ")
    indicator = RatingModel.objects.get(unit=None, kind="indicator")
    matrix5 = RatingModel.objects.get(unit=None, kind="matrix", name__contains="5×5")
    r1 = risk(maj, "R1", post="SPK-SL", inherent="high", residual="medium", status="approved", model=indicator,
              inputs={"probability": 5, "harm": 4, "importance": 4})
    r2 = risk(maj, "R2", post="SPK-SC", inherent="medium", residual="low", status="in_review", category="业务流程",
              model=matrix5, explanation={"kind": "matrix", "likelihood": 2, "impact": 3})
    risk(maj, "R3", post="SPK-SL", inherent="low", residual="low")
    r4 = risk(maj, "R4", department="SPK", inherent="high", status="approved", category="业务流程")
    risk(maj, "R5", post="AJK-JC1")
    risk(maj, "OLD", post="SPK-SL", inherent="high", year=2025)  # another year: never counted
    measure(r1, status="done", deadline=PAST, kind="education")
    measure(r1, status="planned", deadline=dt.date(2026, 6, 14), rule_name="行政许可受理管理办法", rule_due=PAST)
    measure(r2, status="in_progress", deadline=FUTURE, rule_name="行政许可受理管理办法", rule_due=FUTURE)
    measure(r4, status="planned")
    for code in ("F1", "F2"):
        Flowchart.objects.create(unit=maj, code=code, name=f"流程图{code}")
    # The peer unit.
    s1 = risk(sjj, "S1", post="SPG-SL", inherent="high", residual="high", status="approved")
    s2 = risk(sjj, "S2", post="SPG-XK", inherent="low", residual="low")
    risk(sjj, "S3", post="SPG-XK", inherent="low", residual="low")
    measure(s1, status="in_progress", deadline=PAST, rule_name="登记注册审核规程")
    measure(s2, status="done", deadline=PAST)
    Flowchart.objects.create(unit=sjj, code="F1", name="登记注册流程")
    return {"maj": maj, "sjj": sjj}


def by_key(rows, field="count"):
    return {r["key"]: r[field] for r in rows}


@pytest.mark.django_db
def test_figures_equal_hand_counts_for_the_unit_head(fixture, user_named):
    data = agg.dashboard(user_named("juzhang"), YEAR, today=TODAY)
    maj = fixture["maj"]
    assert data["totals"] == {"risks": 5, "measures": 4, "rules": 1, "flowcharts": 2, "units": 1,
                              "posts_covered": 3}
    assert by_key(data["by_level"], "inherent") == {"high": 2, "medium": 1, "low": 1, "": 1}
    # Residual where rated, else inherent: R4 has no residual level and counts as 高.
    assert by_key(data["by_level"], "residual") == {"high": 1, "medium": 1, "low": 2, "": 1}
    assert by_key(data["by_status"]) == {"draft": 2, "in_review": 1, "returned": 0, "approved": 2}
    assert {r["label"]: r["count"] for r in data["by_category"]} == {"岗位职责": 3, "业务流程": 2}
    depts = {(r["unit"], r["label"]): r["count"] for r in data["by_department"]}
    assert depts == {(maj.name, "行政审批科"): 4, (maj.name, "安全监察科"): 1}
    assert data["by_unit"] == [{"unit_id": maj.pk, "label": maj.name, "count": 5}]
    cov = data["coverage"]
    posts_total = Post.objects.filter(unit=maj, is_active=True).count()
    assert (cov["posts_total"], cov["posts_covered"], cov["risks_with_measures"]) == (posts_total, 3, 3)
    assert cov["risks_pct"] == 60.0
    m = data["measures"]
    assert (m["total"], m["done"], m["in_progress"], m["planned"]) == (4, 1, 1, 2)
    assert (m["overdue"], m["overdue_in_progress"], m["overdue_planned"], m["no_deadline"]) == (1, 0, 1, 1)
    assert (m["with_rule"], m["rules"], m["rules_done"], m["rules_overdue"]) == (2, 1, 0, 1)
    assert {k["key"]: k["count"] for k in m["by_kind"]}["education"] == 1
    heat = data["heat"]
    # R1 (indicator): 发生概率 5, 危害程度 4; R2 (5×5 matrix): likelihood 2, impact 3.
    assert sorted(heat["data"]) == [[2, 1, 1], [3, 4, 1]]
    assert (heat["placed"], heat["unplaced"], heat["max"]) == (2, 3, 1)


@pytest.mark.django_db
def test_a_peer_units_data_is_never_counted(fixture, user_named):
    head = agg.dashboard(user_named("juzhang"), YEAR, today=TODAY)
    assert head["totals"]["risks"] == 5 and head["totals"]["flowcharts"] == 2
    # The county coordination group sees both bureaus.
    county = agg.dashboard(user_named("xianjiwei"), YEAR, today=TODAY)
    assert county["totals"]["risks"] == 8 and county["totals"]["measures"] == 6
    assert county["totals"]["rules"] == 2 and county["totals"]["flowcharts"] == 3
    assert county["measures"]["overdue"] == 2 and county["totals"]["units"] == 2
    assert by_key(county["by_level"], "inherent") == {"high": 3, "medium": 1, "low": 3, "": 1}
    # …and may narrow to one of them.
    only = agg.dashboard(user_named("xianjiwei"), YEAR, unit=fixture["sjj"], today=TODAY)
    assert only["totals"]["risks"] == 3 and only["totals"]["flowcharts"] == 1
    # A staff member of the peer unit sees their own post's records only.
    staff = agg.dashboard(user_named("shichang"), YEAR, today=TODAY)
    assert staff["totals"]["risks"] == 1 and staff["totals"]["measures"] == 1
    assert staff["coverage"]["posts_total"] == 1 and staff["coverage"]["posts_covered"] == 1


def _count_queries(user):
    with CaptureQueriesContext(connection) as ctx:
        agg.dashboard(user, YEAR, today=TODAY)
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "juzhang", "xianjiwei"])
def test_query_count_does_not_depend_on_rows(fixture, user_named, username):
    _count_queries(user_named(username))  # the first read stores the per-unit figures
    maj = fixture["maj"]
    risk(maj, "Y0", post="AJK-JC2", inherent="low")  # …which are recomputed after a write
    before = _count_queries(user_named(username))
    for i in range(40):
        r = risk(maj, f"X{i}", post="AJK-JC2", inherent=("high", "medium", "low")[i % 3], category=(
            "岗位职责", "制度机制", "外部环境")[i % 3])
        measure(r, deadline=PAST if i % 2 else FUTURE, rule_name=f"制度{i}" if i % 4 == 0 else "")
    Flowchart.objects.create(unit=fixture["sjj"], code="F9", name="又一张")
    after = _count_queries(user_named(username))
    # Recomputing after a write: one read and one write of stored rows per tree
    # level above the changed unit, and one unit's records counted.
    assert before == after <= 28


@pytest.mark.django_db
def test_dashboard_page(fixture, client_for):
    client = client_for("juzhang")
    response = client.get(reverse("reports:dashboard"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="risks">5<' in html and 'data-figure="flowcharts">2<' in html
    assert "vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()
    assert "青山县市场监督管理局" not in html
    assert client.get(reverse("reports:dashboard"), {"year": YEAR, "unit": fixture["sjj"].pk}).status_code == 404


@pytest.mark.django_db
def test_dashboard_page_for_the_county_narrows_to_a_unit(fixture, client_for):
    client = client_for("xianjiwei")
    html = client.get(reverse("reports:dashboard"), {"year": YEAR}).content.decode()
    assert 'data-figure="risks">8<' in html and 'id="lf-by-unit"' in html
    html = client.get(reverse("reports:dashboard"), {"year": YEAR, "unit": fixture["sjj"].pk}).content.decode()
    assert 'data-figure="risks">3<' in html


@pytest.mark.django_db
def test_default_year_is_the_newest_visible(fixture, user_named):
    assert agg.years(user_named("juzhang")) == [2026, 2025]
    assert agg.years(user_named("shichang")) == [2026]
    assert agg.default_year([]) >= 2026
