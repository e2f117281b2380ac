"""A risk point's way through its review chain, in a browser: a staff member
records it with a measure and submits it; her department head sends it back
with a reason; she fixes it and resubmits; the head approves and the leader in
charge confirms. Every step lands in the audit trail. Screenshots land in
test-results/screenshots/."""

import datetime as dt
import importlib
import re

import pytest

from .conftest import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "许可受理环节对材料不全的申请违规受理"


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.apps import apps

    from lianfang.demo import orgs

    # Transactional tests flush the database between tests, data migrations' rows
    # included: put the default categories, rating models and review chains back.
    for module in ("lianfang.risks.migrations.0002_defaults", "lianfang.reviews.migrations.0003_default_chains"):
        importlib.import_module(module).create(apps, None)
    orgs.load()


def fresh_login(page, login, username):
    """Log out whoever is logged in, then log in again as `username`."""
    if page.locator("form[action$='/logout/'] button").count():
        page.click("form[action$='/logout/'] button")
        page.wait_for_load_state()
    return login(username)


def test_record_return_fix_and_confirm(demo, page, login, live_server):
    from lianfang.audit.models import AuditEntry
    from lianfang.risks.models import RiskPoint

    # 林芳 records a risk point on her post, with a measure, and saves it as a draft.
    login("keyuan")
    page.goto(f"{live_server.url}/risks/new/")
    page.select_option("#id_post", label="行政审批科 · 许可受理岗")
    page.fill("#id_title", TITLE)
    page.fill("#id_description", "收受申请人好处后，对材料不全、不符合条件的申请予以受理")
    page.select_option("#id_category", label="业务流程")
    page.fill("#id_cause", "受理标准执行不严，受理环节缺少复核")
    page.check("label:has-text('自己找')")
    scores = {"importance": "4", "discretion": "3", "probability": "3", "harm": "3", "attention": "3",
              "breadth": "2", "controls": "3"}
    for key, value in scores.items():
        page.select_option(f"#id_rate_{key}", value)
    # The live preview of the weighted score: (80 + 45 + 60 + 60 + 30 + 10 + 50) / 100.
    assert page.inner_text("[data-live=inherent]") == "3.35 中"
    page.fill("#id_measures-0-content", "加强管理")  # too vague: refused with a reason
    page.select_option("#id_measures-0-line", "prevention")
    page.select_option("#id_measures-0-kind", "rules")
    page.click("#lf-save")
    assert "措施内容过于笼统" in page.inner_text(".lf-risk-form")
    assert "请选择责任人或填写责任主体" in page.inner_text(".lf-risk-form")
    shoot(page, "risk-form-errors")
    page.fill("#id_measures-0-content", "实行受理一次性告知和受理回执制度，受理情况每周在窗口公开")
    page.select_option("#id_measures-0-owner", label="何晓明（行政审批科科长）")
    page.fill("#id_measures-0-deadline", (dt.date.today() + dt.timedelta(days=180)).isoformat())
    page.click("#lf-save")
    page.wait_for_selector("#lf-explanation")
    assert "已保存风险点" in page.inner_text("main")
    total = float(page.inner_text("#lf-total"))
    assert total == pytest.approx(3.35)
    points = [float(x) for x in page.locator("#lf-factors tbody td[data-points]").all_inner_texts()]
    assert sum(points) == pytest.approx(total, abs=0.01)
    shoot(page, "risk-detail-rating")
    page.click("#lf-submit")
    page.wait_for_selector("[data-status=in_review]")
    page.goto(f"{live_server.url}/risks/")
    assert TITLE in page.inner_text("#lf-risks")
    shoot(page, "risks-list-keyuan")
    risk = RiskPoint.objects.get(title=TITLE)

    # 何晓明 sends it back from his inbox, with a reason.
    fresh_login(page, login, "kezhang")
    page.click("nav >> text=审核")
    row = page.locator(f"#lf-inbox tr[data-code='{risk.code}']")
    assert "第 1/2 级 · 科室负责人" in row.inner_text()
    shoot(page, "reviews-inbox-kezhang")
    row.locator("button:has-text('退回')").click()
    assert "退回时请写明理由" in page.inner_text(".alert-danger")
    row = page.locator(f"#lf-inbox tr[data-code='{risk.code}']")
    row.locator("input[name=reason]").fill("措施不适用：应明确受理时限和复核人")
    row.locator("button:has-text('退回')").click()
    assert "已将风险点" in page.inner_text(".alert-success")
    assert page.locator(f"#lf-inbox tr[data-code='{risk.code}']").count() == 0

    # 林芳 reads the reason, fixes the measure and resubmits.
    fresh_login(page, login, "keyuan")
    page.goto(f"{live_server.url}/risks/{risk.pk}/")
    assert "措施不适用：应明确受理时限和复核人" in page.inner_text("#lf-returned")
    page.click("#lf-edit")
    page.fill("#id_measures-0-content", "受理当日出具回执，材料不全的一次性告知；受理后由科长当日复核，受理情况每周公开")
    page.click("#lf-save-submit")
    page.wait_for_selector("[data-status=in_review]")
    assert "已保存并提交审核" in page.inner_text("main")

    # 何晓明 approves in bulk from the inbox; 李志强 confirms on the entry itself.
    fresh_login(page, login, "kezhang")
    page.goto(f"{live_server.url}/reviews/")
    page.check(f"#lf-inbox tr[data-code='{risk.code}'] input[name=risk]")
    page.click("#lf-bulk-approve")
    assert "已批量审核通过 1 条" in page.inner_text(".alert-success")

    fresh_login(page, login, "fuju")
    page.goto(f"{live_server.url}/reviews/")
    row = page.locator(f"#lf-inbox tr[data-code='{risk.code}']")
    assert "第 2/2 级 · 分管领导" in row.inner_text()
    row.locator("a").first.click()
    page.fill("#lf-approve-reason", "同意，按期落实")
    page.click("#lf-approve")
    page.wait_for_selector("[data-status=approved]")
    assert "已确认" in page.inner_text("main")
    history = page.inner_text("#lf-history")
    assert "退回" in history and "措施不适用" in history and re.search(r"2\s+第 2 级 · 分管领导\s+通过\s+李志强", history)
    shoot(page, "risk-detail-approved")

    risk.refresh_from_db()
    assert risk.status == "approved" and risk.review_round == 2
    actions = list(AuditEntry.objects.filter(object_type="risks.riskpoint", object_id=str(risk.pk))
                   .order_by("seq").values_list("action", "actor_label"))
    flow = [(a, label) for a, label in actions if a in ("submit", "return", "approve")]
    assert [a for a, _label in flow] == ["submit", "return", "submit", "approve", "approve"]
    assert [label.split("（")[0] for _a, label in flow] == ["林芳", "何晓明", "林芳", "何晓明", "李志强"]


def test_office_sees_the_measures_and_the_rating_model(demo, page, login, live_server):
    from lianfang.measures.models import Measure
    from lianfang.orgs.models import Person, Post, Unit
    from lianfang.risks.models import RiskCategory, RiskPoint
    from lianfang.risks.services import apply_rating, assign_responsibility

    unit = Unit.objects.get(code="JZ-QS-MAJ")
    owner = Person.objects.get(code="P1041")
    base = {"importance": 3, "discretion": 3, "probability": 3, "harm": 3, "attention": 3, "breadth": 3, "controls": 3}
    # The second sits just under the 高 line (3.40); doubling the weight of 权力重要程度 lifts it to 3.67.
    rows = [("SPK-SL", {k: 5 for k in base}), ("SPK-SC", {**base, "importance": 5, "probability": 2}),
            ("AJK-JC1", {k: 2 for k in base})]
    for n, (post, scores) in enumerate(rows, 1):
        risk = RiskPoint(unit=unit, year=dt.date.today().year, code=f"D-{n:03d}", finding_level="post",
                         post=Post.objects.get(unit=unit, code=post), title=f"现场检查中降低标准放过隐患（{n}）",
                         description="d", category=RiskCategory.objects.get(name="岗位职责"))
        apply_rating(risk, scores)
        assign_responsibility(risk)
        risk.save()
        Measure.objects.create(risk=risk, content="检查结果双人签字并抽查复核", line="monitoring", kind="supervision",
                               owner=owner, deadline=dt.date.today() + dt.timedelta(days=(-10 if n == 1 else 60)))
    login("lianban")
    page.goto(f"{live_server.url}/risks/measures/")
    assert page.inner_text("[data-figure=overdue]") == "1"
    assert page.locator("#lf-measure-list tr.lf-overdue").count() == 1
    shoot(page, "measures-lianban")
    page.goto(f"{live_server.url}/risks/model/")
    assert "廉政风险指标评估模型 v1" in page.inner_text("#lf-active")
    shoot(page, "rating-model-lianban")
    page.fill("#id_weight_importance", "40")
    page.fill("#id_note", "加大权力重要程度的权重")
    page.click("#lf-model-save")
    page.wait_for_selector("#lf-moves")
    assert page.locator("#lf-moves tr[data-code]").all_inner_texts()[0].startswith("D-002")
    shoot(page, "rating-preview-lianban")
    page.click("#lf-apply")
    page.wait_for_selector("#lf-active")
    assert "v2" in page.inner_text("#lf-active")
