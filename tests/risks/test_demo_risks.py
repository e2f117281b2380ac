"""The demo risk points and measures (lianfang.demo.risks)."""

import time
from collections import Counter

import pytest

from lianfang.demo import risks as demo
from lianfang.measures.models import Measure
from lianfang.orgs.models import Department, Person, PostAssignment, RankClass, Unit
from lianfang.reviews.models import Review
from lianfang.risks.models import FindingLevel, RiskPoint

MAJ, SJJ = demo.MAJ, demo.SJJ


def load_all():
    from lianfang.demo import powers

    powers.load()
    started, cpu = time.monotonic(), time.process_time()
    summary = demo.load()
    return summary, time.monotonic() - started, time.process_time() - cpu


def holder(post):
    return Person.objects.get(pk=PostAssignment.objects.current().filter(post=post).values("person_id")[:1])


@pytest.mark.django_db
def test_demo_has_every_level_state_and_kind_of_measure(demo_org):
    summary, wall, cpu = load_all()
    # "Loading must take < 20 s": CPU time is what the loader costs; wall time
    # only gets a loose bound because test machines are shared.
    assert cpu < 20 and wall < 60, (cpu, wall)
    assert summary["risk_points"] == RiskPoint.objects.count() >= 150
    assert summary["measures"] == Measure.objects.count() >= 200

    for code in (MAJ, SJJ):
        unit = Unit.objects.get(code=code)
        mine = RiskPoint.objects.filter(unit=unit, year=2026)
        # Every level of finding: each department, the unit, each leadership member and the leadership as a whole.
        assert set(mine.filter(finding_level=FindingLevel.DEPARTMENT).values_list("department__code", flat=True)) == set(
            Department.objects.filter(unit=unit).values_list("code", flat=True))
        assert mine.filter(finding_level=FindingLevel.UNIT).exists()
        leaders = set(Person.objects.filter(unit=unit, rank_class__in=[RankClass.HEAD, RankClass.LEADER])
                      .values_list("pk", flat=True))
        assert set(mine.filter(finding_level=FindingLevel.LEADERSHIP).values_list("person_id", flat=True)) == (
            leaders | {None})
        posts = set(mine.filter(finding_level=FindingLevel.POST).values_list("post_id", flat=True))
        staff_posts = set(PostAssignment.objects.current().filter(
            post__unit=unit, person__rank_class__in=[RankClass.STAFF, RankClass.DEPT_HEAD]).values_list(
            "post_id", flat=True))
        assert len(posts) >= len(staff_posts) - 1 and posts <= staff_posts

    # Every review state, along the real chains, authored by the post holders.
    statuses = Counter(RiskPoint.objects.values_list("status", flat=True))
    assert {"draft", "in_review", "returned", "approved"} <= set(statuses)
    assert {1, 2, 3} <= set(RiskPoint.objects.filter(status="in_review").values_list("review_step", flat=True))
    returned = Review.objects.filter(decision="returned")
    assert returned.exists() and all(r.reason for r in returned)
    assert RiskPoint.objects.filter(status="approved", review_round=2).exists()  # returned once, then confirmed
    for risk in RiskPoint.objects.filter(finding_level=FindingLevel.POST).select_related("post"):
        assert risk.author == holder(risk.post)
    first = Review.objects.filter(decision="submitted").select_related("risk")
    assert all(r.reviewer_id == r.risk.author_id for r in first)
    assert Review.objects.filter(decision="approved").exclude(reviewer=None).count() == Review.objects.filter(
        decision="approved").count()

    # Levels follow the indicators, not rank; responsibility follows the levels.
    by_rank = Counter((r.author.rank_class, r.level) for r in RiskPoint.objects.select_related("author"))
    assert by_rank[RankClass.STAFF, "high"] >= 5
    assert by_rank[RankClass.LEADER, "medium"] + by_rank[RankClass.LEADER, "low"] + by_rank[
        RankClass.HEAD, "medium"] >= 5
    assert not RiskPoint.objects.filter(responsible=None, responsible_body="").exists()
    head = Person.objects.get(code="P1001")
    assert RiskPoint.objects.get(unit__code=MAJ, year=2026, code="BZ-L-JZ-01").responsible_body.startswith("上级纪委")
    assert RiskPoint.objects.get(unit__code=MAJ, year=2026, code="GW-SPK-SC-01").responsible == head

    # Powers and flowchart steps where natural.
    example = RiskPoint.objects.get(unit__code=MAJ, year=2026, code="GW-SPK-SL-01")
    assert example.power.code == "XK-001" and example.power.catalogue.year == 2026
    assert (example.step.flowchart.code, example.step.name) == ("LC-XK-001", "受理")
    assert example.measures.count() == 3 and example.category.name == "岗位职责"
    assert RiskPoint.objects.exclude(step=None).count() >= 100

    # Owners and deadlines: some done, a few overdue, some rules to write (one overdue), some written.
    measures = list(Measure.objects.all())
    assert sum(m.status == "done" and m.done_at is not None for m in measures) >= 30
    assert 5 <= sum(m.is_overdue for m in measures) <= 12
    assert sum(bool(m.rule_name and m.rule_due) for m in measures) >= 10
    assert any(m.rule_overdue for m in measures) and any(m.rule_done_at for m in measures)

    # 回头看: last year's entries and this year's copies.
    copies = RiskPoint.objects.filter(year=2026).exclude(previous=None).select_related("previous")
    assert copies.count() == RiskPoint.objects.filter(year=2025).count() >= 6
    assert all(c.previous.year == 2025 and c.previous.code == c.code for c in copies)
    assert any(c.previous.title != c.title for c in copies)


@pytest.mark.django_db
def test_planted_problems_exactly(demo_org):
    load_all()
    for problem in demo.PLANTED_PROBLEMS:
        unit = Unit.objects.get(code=problem["unit"])
        found = RiskPoint.objects.filter(unit=unit, year=problem["year"], code__in=problem.get("risks", []))
        assert found.count() == len(problem.get("risks", [])), problem
        if "measure" in problem:
            measure = Measure.objects.get(risk=found.get(), sort_order=problem["measure"])
            assert "text" not in problem or measure.content == problem["text"]
    assert not RiskPoint.objects.get(unit__code=MAJ, year=2026, code="GW-FGK-SG-04").measures.exists()
    assert not RiskPoint.objects.filter(year=2026, post__unit__code=MAJ, post__code="BGS-WS").exists()

    quality = pytest.importorskip("lianfang.risks.quality")
    expected = Counter()
    for problem in demo.PLANTED_PROBLEMS:
        for check in problem["checks"]:
            expected[problem["unit"], problem["year"], check] += 2 if check == "duplicate_text" else 1
    got = Counter()
    for code in (MAJ, SJJ):
        for year in (2025, 2026):
            for finding in quality.check_unit(Unit.objects.get(code=code), year):
                got[code, year, finding.code] += 1
    assert got == expected
    labels = {f.object_label for f in quality.check_unit(Unit.objects.get(code=MAJ), 2026)}
    assert "文秘档案岗" in labels and any(label.startswith("GW-AJK-JC2-01") for label in labels)


@pytest.mark.django_db
def test_reloading_changes_nothing(demo_org):
    load_all()
    before = (RiskPoint.objects.count(), Measure.objects.count(), Review.objects.count(),
              sorted(Measure.objects.values_list("pk", "deadline", "status", "done_at")),
              sorted(RiskPoint.objects.values_list("pk", "status", "review_step", "inherent_level", "residual_level",
                                                   "responsible_id", "previous_id")))
    summary = demo.load()
    after = (RiskPoint.objects.count(), Measure.objects.count(), Review.objects.count(),
             sorted(Measure.objects.values_list("pk", "deadline", "status", "done_at")),
             sorted(RiskPoint.objects.values_list("pk", "status", "review_step", "inherent_level", "residual_level",
                                                  "responsible_id", "previous_id")))
    assert after == before
    assert summary.get("reminders", 0) == 0
