"""The risk register's screens over HTTP: who sees what, how a level is
explained, recording with measures, the review chain, bulk approval, evidence,
and a new rating-model version with its re-rating preview."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.audit.models import AuditEntry
from lianfang.measures.models import Evidence, Measure
from lianfang.orgs.models import Department, Person, Post, Unit
from lianfang.reviews import chains
from lianfang.risks.models import RatingModel, RiskCategory, RiskPoint
from lianfang.risks.services import apply_rating, assign_responsibility

SCORES = {"importance": 4, "discretion": 3, "probability": 3, "harm": 3, "attention": 3, "breadth": 2, "controls": 3}


def person(code):
    return Person.objects.get(code=code)


def make_risk(post_code=None, *, unit_code="JZ-QS-MAJ", author=None, level="post", department=None, scores=None,
              code=None, measures=1, title="受理环节对不符合条件的申请违规受理"):
    unit = Unit.objects.get(code=unit_code)
    post = Post.objects.get(unit=unit, code=post_code) if post_code else None
    risk = RiskPoint(unit=unit, year=2026, code=code or f"T-{RiskPoint.objects.count() + 1:03d}", finding_level=level,
                     post=post, department=department, title=title, description="收受好处后放宽受理条件",
                     category=RiskCategory.objects.get(name="岗位职责"), author=person(author) if author else None)
    apply_rating(risk, scores or SCORES)
    if post is not None and not department:
        risk.department = post.department
    assign_responsibility(risk)
    risk.save()
    for n in range(measures):
        Measure.objects.create(risk=risk, content=f"实行一次性告知和受理回执制度（{n + 1}）", line="prevention",
                               kind="rules", owner=person("P1041"))
    return risk


def codes(response) -> set[str]:
    return set(re.findall(r'<tr data-code="([^"]+)"', response.content.decode()))


# ---------------------------------------------------------------- scoping


@pytest.mark.django_db
def test_each_role_sees_its_own_part_of_the_register(client_for, demo_org):
    mine = make_risk("SPK-SL", code="SL-1")
    colleague = make_risk("SPK-SC", code="SC-1")
    other_department = make_risk("AJK-JC1", code="AJK-1")
    finance = make_risk("CWK-KJ", code="CW-1")
    url = reverse("risks:index")

    assert codes(client_for("keyuan").get(url)) == {"SL-1"}
    assert codes(client_for("kezhang").get(url)) == {"SL-1", "SC-1"}
    # 李志强 is in the steering and party groups, which see the whole unit.
    assert codes(client_for("fuju").get(url)) == {"SL-1", "SC-1", "AJK-1", "CW-1"}
    assert codes(client_for("lianban").get(url)) == {"SL-1", "SC-1", "AJK-1", "CW-1"}
    client = client_for("shichang")
    assert codes(client.get(url)) == set()
    for risk in (mine, colleague, other_department, finance):
        assert client.get(reverse("risks:detail", args=[risk.pk])).status_code == 404
        assert client.get(reverse("risks:edit", args=[risk.pk])).status_code == 404
    keyuan = client_for("keyuan")
    assert keyuan.get(reverse("risks:detail", args=[colleague.pk])).status_code == 404
    assert keyuan.get(reverse("risks:detail", args=[mine.pk])).status_code == 200


@pytest.mark.django_db
def test_filters_narrow_the_list(client_for, demo_org):
    make_risk("SPK-SL", code="HI-1", scores={k: 5 for k in SCORES} | {"controls": 1})
    make_risk("SPK-SC", code="LO-1", scores={k: 1 for k in SCORES} | {"controls": 5}, title="培训考核打分随意")
    client = client_for("kezhang")
    assert codes(client.get(reverse("risks:index"), {"level": "high"})) == {"HI-1"}
    assert codes(client.get(reverse("risks:index"), {"level": "low"})) == {"LO-1"}
    assert codes(client.get(reverse("risks:index"), {"q": "培训"})) == {"LO-1"}
    assert codes(client.get(reverse("risks:index"), {"status": "approved"})) == set()
    assert codes(client.get(reverse("risks:index"), {"finding_level": "post", "year": "2026"})) == {"HI-1", "LO-1"}


@pytest.mark.django_db
def test_the_list_and_the_measures_overview_take_a_constant_number_of_queries(client_for, demo_org):
    client = client_for("lianban")
    client.get(reverse("risks:index"))  # warm up session and caches

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        make_risk(["SPK-SL", "AJK-JC1", "CWK-KJ"][n % 3], measures=2)
    few_list, few_measures = count(reverse("risks:index")), count(reverse("risks:measures"))
    for n in range(30):
        make_risk(["SPK-SL", "AJK-JC1", "CWK-KJ"][n % 3], measures=2)
    assert count(reverse("risks:index")) == few_list
    assert count(reverse("risks:measures")) == few_measures
    # The list fetches its page apart from the count, and one MAX per year present (risks.queries).
    # The measures page adds, per year present, the stored figures of the user's scope.
    assert few_list <= 18 and few_measures <= 30


@pytest.mark.django_db
def test_the_measures_overview_adds_only_a_read_or_two_per_year(client_for, demo_org):
    client = client_for("lianban")

    def count(url):
        client.get(url)  # the first read after a write refreshes the stored figures
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    make_risk("SPK-SL", measures=2)
    one_year, _ = count(reverse("risks:measures"))
    for year in (2023, 2024, 2025):
        RiskPoint.objects.filter(pk=make_risk("AJK-JC1", measures=2).pk).update(year=year)
    four_years, response = count(reverse("risks:measures"))
    # One MAX per year (the year selector) and one read of the stored figures per year;
    # the unit tree and the scope check are not repeated per year.
    assert four_years - one_year <= 2 * 3, (one_year, four_years)
    assert response.context["counts"]["total"] == 8


# ---------------------------------------------------------------- detail


@pytest.mark.django_db
def test_the_detail_shows_points_that_add_up_to_the_score_and_level(client_for, demo_org):
    scores = {"importance": 5, "discretion": 4, "probability": 4, "harm": 5, "attention": 3, "breadth": 3, "controls": 4}
    risk = make_risk("SPK-SL", scores=scores)
    html = client_for("keyuan").get(reverse("risks:detail", args=[risk.pk])).content.decode()
    points = [float(p) for p in re.findall(r'data-points="([\d.]+)"', html)]
    residual = [float(p) for p in re.findall(r'data-residual-points="([\d.]+)"', html)]
    total = float(re.search(r'id="lf-total">([\d.]+)<', html).group(1))
    residual_total = float(re.search(r'id="lf-residual-total">([\d.]+)<', html).group(1))
    assert len(points) == 7
    assert sum(points) == pytest.approx(total, abs=0.005) and total == pytest.approx(4.35)
    assert sum(residual) == pytest.approx(residual_total, abs=0.005) and residual_total == pytest.approx(4.05)
    # 4.35 ≥ 3.6: the 高 band is the one marked, and the sentences say so.
    assert re.search(r'lf-band lf-band-high lf-hit" data-band="high"', html)
    assert "lf-hit" not in re.search(r'<span class="lf-band lf-band-medium[^"]*"', html).group(0)
    assert "结论：固有风险高，剩余风险高。" in html
    assert "权重 20/100" in html


@pytest.mark.django_db
def test_a_matrix_rating_highlights_its_cell(client_for, demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    matrix = RatingModel.objects.get(name="可能性×影响矩阵（5×5）", unit__isnull=True)
    risk = RiskPoint(unit=unit, year=2026, code="M-1", finding_level="post", post=Post.objects.get(unit=unit, code="SPK-SL"),
                     title="t", description="d", category=RiskCategory.objects.first())
    apply_rating(risk, {"likelihood": 4, "impact": 4, "controls": 2}, matrix)
    risk.save()
    html = client_for("kezhang").get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert len(re.findall(r'class="lf-cell [^"]*lf-chosen', html)) == 1
    assert len(re.findall(r'class="lf-cell [^"]*lf-after', html)) == 1
    assert re.search(r'lf-cell lf-cell-high lf-chosen" data-chosen="1"', html)
    assert "降低 2 级" in html


# ---------------------------------------------------------------- form


def form_data(unit, **overrides):
    post = Post.objects.get(unit=unit, code="SPK-SL")
    data = {
        "year": "2026", "code": "", "finding_level": "post", "post": str(post.pk), "department": "", "person": "",
        "power": "", "step": "", "title": "许可受理中对材料不全的申请违规受理", "description": "收受申请人好处后放宽受理条件",
        "category": str(RiskCategory.objects.get(name="业务流程").pk), "cause": "受理标准执行不严", "consequence": "",
        **{f"rate_{k}": str(v) for k, v in SCORES.items()},
        "override_person": "", "override_reason": "",
        "measures-TOTAL_FORMS": "1", "measures-INITIAL_FORMS": "0", "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "1000",
        "measures-0-content": "实行受理一次性告知和受理回执，受理情况每周公开", "measures-0-line": "prevention",
        "measures-0-kind": "rules", "measures-0-owner": str(person("P1041").pk), "measures-0-owner_text": "",
        "measures-0-deadline": "2026-06-30", "measures-0-rule_name": "", "measures-0-rule_due": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_recording_a_risk_rates_it_assigns_responsibility_and_saves_measures(client_for, demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    client = client_for("keyuan")
    page = client.get(reverse("risks:create")).content.decode()
    assert "权力重要程度" in page and "三重一大、执法、审批、处罚、物资管理等重要权力" in page  # guide as help text
    response = client.post(reverse("risks:create"), form_data(unit))
    assert response.status_code == 302, response.content.decode()[:3000]
    risk = RiskPoint.objects.get(title="许可受理中对材料不全的申请违规受理")
    assert risk.author == person("P1042") and risk.person == person("P1042")
    assert risk.department.code == "SPK" and risk.code.startswith("SPK-2026-")
    assert risk.inherent_level == "medium" and risk.rating_model.kind == "indicator"
    assert risk.responsible == person("P1002")  # 中 → the leader in charge
    assert risk.measures.get().owner == person("P1041")
    assert AuditEntry.objects.filter(object_type="risks.riskpoint", object_id=str(risk.pk), action="create").exists()


@pytest.mark.django_db
def test_form_errors_are_in_chinese_next_to_the_fields(client_for, demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    client = client_for("keyuan")
    data = form_data(unit, title="", rate_harm="", **{"measures-0-owner": "", "measures-0-content": "加强",
                                                      "measures-0-rule_name": "受理工作规程"})
    response = client.post(reverse("risks:create"), data)
    html = response.content.decode()
    assert response.status_code == 200 and not RiskPoint.objects.exists()
    assert "请修改以下标红的内容后再保存" in html
    assert re.search(r'data-error-for="title">这个字段是必填项', html)
    assert re.search(r'data-error-for="rate_harm">请为“危害程度”评分', html)
    assert "请选择责任人或填写责任主体" in html
    assert "措施内容过于笼统" in html
    assert "需制定或修订制度的，须写明完成时限" in html
    # A post that is not hers is not offered and not accepted.
    other = Post.objects.get(unit=unit, code="AJK-JC1")
    html = client.post(reverse("risks:create"), form_data(unit, post=str(other.pk))).content.decode()
    assert re.search(r'data-error-for="post">选择一个有效的选项', html)
    # An override without a reason.
    html = client.post(reverse("risks:create"), form_data(unit, override_person=str(person("P1041").pk))).content.decode()
    assert "调整责任人须写明理由" in html
    # Staff cannot record unit-level entries.
    html = client.post(reverse("risks:create"), form_data(unit, finding_level="unit", post="")).content.decode()
    assert re.search(r'data-error-for="finding_level">选择一个有效的选项', html)


@pytest.mark.django_db
def test_an_override_with_a_reason_is_kept(client_for, demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    client = client_for("kezhang")
    data = form_data(unit, override_person=str(person("P1001").pk), override_reason="涉及重大项目审批，由局长直接负责")
    assert client.post(reverse("risks:create"), data).status_code == 302
    risk = RiskPoint.objects.get()
    assert risk.responsible == person("P1001") and "重大项目" in risk.responsibility_override
    html = client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "涉及重大项目审批，由局长直接负责" in html


# ---------------------------------------------------------------- review over HTTP


@pytest.mark.django_db
def test_submit_return_resubmit_and_approve_over_http(client_for, demo_org):
    risk = make_risk("SPK-SL", author="P1042")
    keyuan = client_for("keyuan")
    response = keyuan.post(reverse("reviews:submit", args=[risk.pk]), follow=True)
    assert "已提交审核" in response.content.decode()
    risk.refresh_from_db()
    assert risk.status == "in_review"
    # Editing is locked while in review.
    response = keyuan.get(reverse("risks:edit", args=[risk.pk]), follow=True)
    assert "正在审核中" in response.content.decode()

    kezhang = client_for("kezhang")
    inbox = kezhang.get(reverse("reviews:inbox")).content.decode()
    assert risk.code in inbox and "第 1/2 级 · 科室负责人" in inbox
    # The leader in charge comes second: trying now is refused with a message, not an error page.
    fuju = client_for("fuju")
    response = fuju.post(reverse("reviews:approve", args=[risk.pk]), follow=True)
    assert response.status_code == 200 and "您不是该风险点当前环节的审核人" in response.content.decode()

    kezhang = client_for("kezhang")
    response = kezhang.post(reverse("reviews:send_back", args=[risk.pk]), {"reason": " "}, follow=True)
    assert "退回时请写明理由" in response.content.decode()
    response = kezhang.post(reverse("reviews:send_back", args=[risk.pk]), {"reason": "措施不适用：应明确受理时限"},
                            follow=True)
    assert "已将风险点" in response.content.decode()
    risk.refresh_from_db()
    assert risk.status == "returned"

    keyuan = client_for("keyuan")
    html = keyuan.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "措施不适用：应明确受理时限" in html and 'id="lf-edit"' in html
    keyuan.post(reverse("reviews:submit", args=[risk.pk]))
    kezhang = client_for("kezhang")
    kezhang.post(reverse("reviews:approve", args=[risk.pk]), {"reason": "同意"})
    fuju = client_for("fuju")
    assert risk.code in fuju.get(reverse("reviews:inbox")).content.decode()
    response = fuju.post(reverse("reviews:approve", args=[risk.pk]), follow=True)
    assert "已确认" in response.content.decode()
    risk.refresh_from_db()
    assert risk.status == "approved" and risk.review_round == 2
    # Approved entries are read-only and say why.
    keyuan = client_for("keyuan")
    html = keyuan.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert 'id="lf-edit"' not in html and "已经审核确认" in html
    assert keyuan.post(reverse("risks:edit", args=[risk.pk]), form_data(risk.unit)).status_code == 302
    risk.refresh_from_db()
    assert risk.status == "approved" and risk.title == "受理环节对不符合条件的申请违规受理"
    actions = list(AuditEntry.objects.filter(object_type="risks.riskpoint", object_id=str(risk.pk))
                   .values_list("action", flat=True))
    assert {"submit", "return", "approve"} <= set(actions)


@pytest.mark.django_db
def test_only_the_author_submits_and_strangers_get_a_404(client_for, demo_org):
    risk = make_risk("SPK-SL", author="P1042")
    response = client_for("kezhang").post(reverse("reviews:submit", args=[risk.pk]), follow=True)
    assert "只有填报人本人可以提交" in response.content.decode()
    assert client_for("shichang").post(reverse("reviews:submit", args=[risk.pk])).status_code == 404
    risk.refresh_from_db()
    assert risk.status == "draft"


@pytest.mark.django_db
def test_submitting_without_measures_is_explained(client_for, demo_org):
    risk = make_risk("SPK-SL", author="P1042", measures=0)
    response = client_for("keyuan").post(reverse("reviews:submit", args=[risk.pk]), follow=True)
    assert "请至少制定一条防控措施再提交" in response.content.decode()


@pytest.mark.django_db
def test_bulk_approval_from_the_inbox(client_for, demo_org):
    first = make_risk("SPK-SL", author="P1042")
    second = make_risk("SPK-SC", author="P1043")
    stranger = make_risk("AJK-JC1", author="P1032")
    for risk, author in ((first, "P1042"), (second, "P1043"), (stranger, "P1032")):
        chains.submit(risk, person(author))
    client = client_for("kezhang")
    html = client.get(reverse("reviews:inbox")).content.decode()
    assert codes_in_inbox(html) == {first.code, second.code}
    response = client.post(reverse("reviews:bulk_approve"), {"risk": [first.pk, second.pk, stranger.pk]}, follow=True)
    html = response.content.decode()
    assert "已批量审核通过 2 条风险点" in html and stranger.code in html  # the refusal is listed
    for risk in (first, second):
        risk.refresh_from_db()
        assert risk.review_step == 2 and chains.current_role(risk) == "leader_in_charge"
    stranger.refresh_from_db()
    assert stranger.review_step == 1


def codes_in_inbox(html):
    return set(re.findall(r'<tr data-code="([^"]+)"', html))


def slow_inbox(who) -> set[tuple[int, str]]:
    """The rule itself, entry by entry: every entry in review whose current step
    `may_review` gives to this person. The oracle for chains.waiting_for and
    chains.inbox, which work the same answer out in a fixed number of queries."""
    return {(r.pk, chains.current_role(r)) for r in RiskPoint.objects.filter(status="in_review")
            if chains.may_review(r, who)}


def assert_inboxes_follow_the_rule(people):
    for who in people:
        fast = {(r.pk, role) for r, role in chains.waiting_for(who)}
        assert fast == slow_inbox(who), who.code
        assert {r.pk for r in chains.inbox(who)} == {pk for pk, _role in fast}, who.code


@pytest.mark.django_db
def test_the_fast_inbox_matches_the_chains_and_stays_bounded(client_for, demo_org):
    spk = Department.objects.get(unit__code="JZ-QS-MAJ", code="SPK")
    risks = [
        (make_risk("SPK-SL", author="P1042"), "P1042"),
        (make_risk("SPK-KZ", author="P1041"), "P1041"),
        (make_risk("L-FJZ1", author="P1002", level="leadership"), "P1002"),
        (make_risk("L-JZ", author="P1001", level="leadership"), "P1001"),
        (make_risk(None, author="P1041", level="department", department=spk), "P1041"),
        (make_risk("AJK-JC1", author="P1032"), "P1032"),
    ]
    for risk, author in risks:
        chains.submit(risk, person(author))
    chains.approve(risks[1][0], person("P1002"))  # the head's entry moves on to the steering group
    assert_inboxes_follow_the_rule(Person.objects.filter(
        code__in=("P1041", "P1031", "P1002", "P1001", "P1011", "P1004", "P0101", "P1042", "P2032")))
    client = client_for("lianban")
    client.get(reverse("reviews:inbox"))
    with CaptureQueriesContext(connection) as few:
        before = codes_in_inbox(client.get(reverse("reviews:inbox")).content.decode())
    assert len(before) == 3  # the head's entry, the unit head's entry, and the department entry as peer reviewer
    for _n in range(8):
        extra = make_risk("SPK-SL", author="P1042")
        chains.submit(extra, person("P1042"))
        chains.approve(extra, person("P1041"))
        chains.approve(extra, person("P1002"))  # staff entries end with the leader in charge: now approved
        head = make_risk("SPK-KZ", author="P1041")
        chains.submit(head, person("P1041"))
        chains.approve(head, person("P1002"))  # waits for the steering group, i.e. lianban
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("reviews:inbox")).content.decode()
    assert len(codes_in_inbox(html)) == 3 + 8
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_every_inbox_follows_the_rule_at_every_step_of_every_chain(demo_org):
    spk = Department.objects.get(unit__code="JZ-QS-MAJ", code="SPK")
    entries = [
        make_risk("SPK-SL", author="P1042"),  # staff: department head, then leader in charge
        make_risk("SPK-KZ", author="P1041"),  # department head: leader in charge, then steering group
        make_risk("L-FJZ1", author="P1002", level="leadership"),  # leader: unit head, then steering group
        make_risk("L-JZ", author="P1001", level="leadership"),  # unit head: steering group, then the county
        make_risk(None, author="P1041", level="department", department=spk),  # peer review, steering, party
        make_risk("AJK-JC1", author="P1032"),
        make_risk("SPG-SL", unit_code="JZ-QS-SJJ", author="P2032"),  # a peer unit's own chain
    ]
    for risk in entries:
        chains.submit(risk, person(risk.author.code))
    people = list(Person.objects.filter(is_active=True).order_by("code"))
    returned = False
    for _step in range(4):
        assert_inboxes_follow_the_rule(people)
        waiting = list(RiskPoint.objects.filter(status="in_review").order_by("code"))
        if not waiting:
            break
        for risk in waiting:
            reviewer = chains.reviewers_for(risk, chains.current_role(risk)).exclude(pk=risk.author_id).first()
            if not returned and chains.current_role(risk) == "leader_in_charge":
                chains.send_back(risk, reviewer, "措施不适用")  # a returned entry waits for nobody
                returned = True
                continue
            chains.approve(risk, reviewer)
    assert returned and RiskPoint.objects.filter(status="approved").count() == len(entries) - 1
    assert chains.inbox(None) == [] and chains.waiting_for(None) == []


@pytest.mark.django_db
def test_a_peer_reviewer_sees_the_entry_while_it_waits_for_them(client_for, demo_org):
    spk = Department.objects.get(unit__code="JZ-QS-MAJ", code="SPK")
    risk = make_risk(None, author="P1041", level="department", department=spk)
    url = reverse("risks:detail", args=[risk.pk])
    peer = Person.objects.get(code="P1031")  # 马俊, 安全监察科科长: has no login in the demo
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("majun", password="x")
    peer.user = user
    peer.save()
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get(url).status_code == 404
    chains.submit(risk, person("P1041"))
    html = client.get(url).content.decode()
    assert "待您审核（科室互查）" in html


# ---------------------------------------------------------------- evidence


@pytest.mark.django_db
def test_evidence_upload_checks_type_and_size_in_chinese(client_for, demo_org, monkeypatch):
    risk = make_risk("SPK-SL", author="P1042")
    measure = risk.measures.get()
    client = client_for("keyuan")
    url = reverse("risks:evidence_upload", args=[measure.pk])
    field = f"m{measure.pk}-file"
    response = client.post(url, {field: SimpleUploadedFile("a.exe", b"MZ...."), f"m{measure.pk}-note": ""})
    assert response.status_code == 400 and "只能上传 PDF、JPG、PNG、DOCX、XLSX 文件" in response.content.decode()
    response = client.post(url, {field: SimpleUploadedFile("a.pdf", b"not a pdf")})
    assert "文件内容与扩展名" in response.content.decode()
    monkeypatch.setattr("lianfang.risks.forms.MAX_EVIDENCE_BYTES", 10)
    response = client.post(url, {field: SimpleUploadedFile("big.pdf", b"%PDF-1.7 " + b"x" * 100)})
    assert "文件不能超过 20 MB" in response.content.decode()
    monkeypatch.undo()
    response = client.post(url, {field: SimpleUploadedFile("承诺书.pdf", b"%PDF-1.7 test"), f"m{measure.pk}-note": "承诺书"})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.uploaded_by == person("P1042")
    download = client.get(reverse("risks:evidence", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 test"
    assert client_for("shichang").get(reverse("risks:evidence", args=[evidence.pk])).status_code == 404


@pytest.mark.django_db
def test_overdue_measures_are_flagged_and_filtered(client_for, demo_org):
    import datetime as dt

    risk = make_risk("SPK-SL", measures=2)
    late, on_time = risk.measures.all()
    late.deadline = dt.date(2020, 1, 1)
    late.save()
    on_time.deadline = dt.date(2099, 1, 1)
    on_time.save()
    client = client_for("keyuan")
    html = client.get(reverse("risks:measures"), {"status": "overdue"}).content.decode()
    assert f'data-measure="{late.pk}"' in html and f'data-measure="{on_time.pk}"' not in html
    assert 'class="lf-overdue"' in html and "已逾期" in html
    html = client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "lf-measure lf-overdue" in html


# ---------------------------------------------------------------- rating model


@pytest.mark.django_db
def test_a_new_model_version_previews_and_applies_a_rerating(client_for, demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    # Inherent (controls at worst): 3.40 → 中; with the importance weight doubled: 440 / 120 = 3.67 → 高.
    near = {"importance": 5, "discretion": 3, "probability": 2, "harm": 3, "attention": 3, "breadth": 3, "controls": 3}
    moving = make_risk("SPK-SL", scores=near, code="R1")
    staying = make_risk("SPK-SC", scores={k: 1 for k in near}, code="R3")
    assert (moving.inherent_level, staying.inherent_level) == ("medium", "low")
    assert client_for("keyuan").get(reverse("risks:rating_model")).status_code == 403

    client = client_for("lianban")
    page = client.get(reverse("risks:rating_model")).content.decode()
    assert "廉政风险指标评估模型 v1" in page
    default = RatingModel.objects.get(name="廉政风险指标评估模型", unit__isnull=True)
    data = {f"weight_{f['key']}": str(f["weight"]) for f in default.definition["factors"]}
    data.update({"weight_importance": "40", "threshold_high": "3.6", "threshold_medium": "2.6", "note": "",
                 "unit": str(unit.pk), "base": str(default.pk)})
    html = client.post(reverse("risks:rating_model"), data).content.decode()
    assert "请写明为什么修改模型" in html
    html = client.post(reverse("risks:rating_model"), {**data, "threshold_high": "2", "note": "x"}).content.decode()
    assert "阈值须满足" in html
    response = client.post(reverse("risks:rating_model"), {**data, "note": "加大权力重要程度的权重"})
    new = RatingModel.objects.get(unit=unit)
    assert response.status_code == 302 and response["Location"] == reverse("risks:rating_preview", args=[new.pk])
    assert new.version == 2 and not new.is_active
    assert next(f for f in new.definition["factors"] if f["key"] == "importance")["weight"] == 40

    html = client.get(reverse("risks:rating_preview", args=[new.pk])).content.decode()
    assert set(re.findall(r'<tr data-code="([^"]+)"', html)) == {"R1"}
    moving.refresh_from_db()
    assert moving.inherent_level == "medium"  # a preview writes nothing
    response = client.post(reverse("risks:rating_preview", args=[new.pk]), {"year": "2026"}, follow=True)
    assert "1 条等级发生变化" in response.content.decode()
    moving.refresh_from_db()
    new.refresh_from_db()
    assert moving.inherent_level == "high" and moving.rating_model == new and new.is_active
    # The level that counts is the residual one (3.50 → 中), so the leader in charge stays responsible.
    assert moving.residual_level == "medium" and moving.responsible == person("P1002")
    assert client_for("shichang").get(reverse("risks:rating_preview", args=[new.pk])).status_code in (403, 404)


@pytest.mark.django_db
def test_a_matrix_model_drives_the_form_and_its_cells_can_be_changed(client_for, demo_org):
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    matrix = RatingModel.objects.get(name="可能性×影响矩阵（3×3）", unit__isnull=True)
    client = client_for("lianban")
    data = {f"cell_{i}_{j}": matrix.definition["cells"][i][j] for i in range(3) for j in range(3)}
    data.update({"cell_0_2": "high", "note": "违法犯罪后果一律按高", "unit": str(unit.pk), "base": str(matrix.pk)})
    response = client.post(reverse("risks:rating_model"), data)
    new = RatingModel.objects.get(unit=unit)
    assert response.status_code == 302 and new.kind == "matrix" and new.definition["cells"][0][2] == "high"
    client.post(reverse("risks:rating_preview", args=[new.pk]), {"year": "2026"})
    new.refresh_from_db()
    assert new.is_active

    keyuan = client_for("keyuan")
    html = keyuan.get(reverse("risks:create")).content.decode()
    assert 'name="rate_likelihood"' in html and "1 较小" in html and 'name="rate_importance"' not in html
    data = form_data(unit, **{"rate_likelihood": "1", "rate_impact": "3", "rate_controls": "0"})
    assert keyuan.post(reverse("risks:create"), data).status_code == 302
    risk = RiskPoint.objects.get()
    assert risk.rating_model == new and risk.inherent_level == "high"
    html = keyuan.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert len(re.findall(r'class="lf-cell [^"]*lf-chosen', html)) == 1
