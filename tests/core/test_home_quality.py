"""The home page's 质量检查 card: this year's problems in the user's scope, by
kind, linking to the quality screen, in a number of queries that does not grow
with the number of units. The home page loads it after itself (htmx) from
core.views.home_quality."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianfang.access.policy import scope_for
from lianfang.core.figures import quality_figures
from lianfang.measures.models import Measure
from lianfang.orgs.models import Department, Post, Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory
from lianfang.risks import quality
from lianfang.risks.models import RiskCategory, RiskPoint

YEAR = timezone.localdate().year


def make_risk(unit, code, post=None, *, measure=True, year=YEAR):
    risk = RiskPoint.objects.create(
        unit=unit, year=year, code=code, finding_level="post" if post else "unit", post=post,
        title=f"{code} 受理环节违规受理", description=f"{code} 收受申请人财物后对不符合条件的申请违规受理",
        category=RiskCategory.objects.get(name="岗位职责"), inherent_level="medium", residual_level="medium")
    if measure:
        Measure.objects.create(risk=risk, content="受理后3个工作日内由科室负责人复核受理材料，台账存档备查",
                               line="prevention", kind="rules", owner_text="行政审批科")  # no deadline: a warning
    return risk


CARD = reverse("home_quality")


def card(response) -> dict:
    return response.context["quality"]


def kinds(response) -> dict:
    return {k["code"]: k["count"] for k in card(response)["kinds"]}


@pytest.mark.django_db
def test_the_card_counts_this_years_problems_by_kind_and_links_to_the_quality_screen(client_for, demo_org):
    maj = Unit.objects.get(code="JZ-QS-MAJ")
    make_risk(maj, "Q-1", Post.objects.get(unit=maj, code="SPK-SL"))
    make_risk(maj, "Q-2", Post.objects.get(unit=maj, code="AJK-JC1"), measure=False)
    make_risk(maj, "Q-OLD", Post.objects.get(unit=maj, code="AJK-JC1"), measure=False, year=YEAR - 1)
    response = client_for("juzhang").get(CARD)
    assert kinds(response) == {quality.MEASURE_NO_DEADLINE: 1, quality.RISK_NO_MEASURE: 1}
    assert card(response)["findings"] == 2 and card(response)["errors"] == 1 and card(response)["year"] == YEAR
    html = response.content.decode()
    assert 'id="lf-quality"' in html and "质量检查" in html
    assert f'href="{reverse("reports:quality")}?year={YEAR}"' in html
    assert f'href="{reverse("reports:quality")}?year={YEAR}#check-risk_no_measure"' in html
    assert 'data-check="duplicate_text"' not in html  # not run here, and nothing found is not listed


@pytest.mark.django_db
def test_each_user_counts_only_the_records_they_may_see(client_for, demo_org):
    maj = Unit.objects.get(code="JZ-QS-MAJ")
    catalogue = Catalogue.objects.create(unit=maj, year=YEAR)
    licence = Power.objects.create(catalogue=catalogue, code="XK-001", name="煤矿安全生产许可证核发初审",
                                   category=PowerCategory.objects.get(code="XZXK"))
    licence.posts.set(Post.objects.filter(unit=maj, code__in=["SPK-SL", "SPK-SC"]))
    make_risk(maj, "Q-1", Post.objects.get(unit=maj, code="SPK-SL"))
    make_risk(maj, "Q-2", Post.objects.get(unit=maj, code="AJK-JC1"), measure=False)
    # 林芳 sees her own post's entry: one measure without a deadline. Her colleague's
    # post (许可审查岗, no risk point) and the other department's entry are not hers.
    assert kinds(client_for("keyuan").get(CARD)) == {quality.MEASURE_NO_DEADLINE: 1}
    # Her department head sees the 审查岗 gap; the unit head sees everything.
    assert kinds(client_for("kezhang").get(CARD)) == {quality.MEASURE_NO_DEADLINE: 1, quality.POST_NO_RISK: 1}
    assert kinds(client_for("juzhang").get(CARD)) == {
        quality.RISK_NO_MEASURE: 1, quality.MEASURE_NO_DEADLINE: 1, quality.POST_NO_RISK: 1}
    shichang = client_for("shichang").get(CARD)
    assert card(shichang)["findings"] == 0 and "未发现问题" in shichang.content.decode()


@pytest.mark.django_db
def test_the_home_page_loads_the_card_after_itself(client_for, demo_org):
    html = client_for("keyuan").get("/").content.decode()
    assert 'id="lf-quality"' in html and f'hx-get="{CARD}"' in html


@pytest.mark.django_db
def test_no_card_for_accounts_that_see_no_risk_points(client, demo_org):
    get_user_model().objects.create_user("nobody", password="x-Passw0rd-1")
    client.login(username="nobody", password="x-Passw0rd-1")
    response = client.get("/")
    assert response.status_code == 200 and 'id="lf-quality"' not in response.content.decode()
    response = client.get(CARD)
    assert response.status_code == 200 and card(response) is None and not response.content.decode().strip()
    client.logout()
    assert client.get(CARD).status_code == 302


def _add_unit(parent, n):
    unit = Unit.objects.create(code=f"{parent.code}-X{n:02d}", name=f"测试单位{n}", parent=parent)
    department = Department.objects.create(unit=unit, code="YWK", name="业务科")
    posts = [Post.objects.create(unit=unit, department=department, code=f"P{i}", name=f"业务岗{i}") for i in range(3)]
    catalogue = Catalogue.objects.create(unit=unit, year=YEAR)
    power = Power.objects.create(catalogue=catalogue, code="XK-001", name="行政许可",
                                 category=PowerCategory.objects.get(code="XZXK"))
    power.posts.set(posts)
    make_risk(unit, "Q-1", posts[0])
    make_risk(unit, "Q-2", posts[1], measure=False)


@pytest.mark.django_db
def test_the_card_costs_the_same_queries_for_two_units_or_twenty(client_for, user_named, demo_org,
                                                                 django_assert_max_num_queries):
    county = Unit.objects.get(code="JZ-QS")
    _add_unit(county, 0)
    client = client_for("xianjiwei")  # the county coordination group: the whole county
    client.get(CARD)

    def home():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(CARD)
        assert response.status_code == 200
        return response, len(ctx.captured_queries)

    few, few_queries = home()
    for n in range(1, 20):
        _add_unit(county, n)
    many, many_queries = home()
    assert card(many)["units"] == card(few)["units"] + 19
    assert card(many)["units_with_findings"] == card(few)["units_with_findings"] + 19
    assert kinds(many)[quality.RISK_NO_MEASURE] == kinds(few)[quality.RISK_NO_MEASURE] + 19
    assert many_queries == few_queries
    user = user_named("xianjiwei")
    scope_for(user)  # worked out once per request anyway
    with django_assert_max_num_queries(7):
        quality_figures(user)


@pytest.mark.django_db
def test_a_scope_too_large_to_check_on_the_home_page_points_to_the_quality_screen(client_for, monkeypatch):
    from lianfang.core import figures

    monkeypatch.setattr(figures, "QUALITY_CARD_UNITS", 1)
    html = client_for("xianjiwei").get(CARD).content.decode()
    assert 'data-figure="quality_scope"' in html and "逐个单位查看" in html
    assert 'data-figure="quality_findings"' not in html
