"""Stored per-unit dashboard figures (lianfang.reports.figures): they always
equal a live count, whatever was written since, and reading them costs a fixed
number of small queries."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lianfang.measures.models import Measure
from lianfang.orgs.models import Unit
from lianfang.reports import dashboard as agg
from lianfang.reports import figures
from lianfang.reports.models import UnitYearFigures
from lianfang.risks.models import RatingModel, RiskPoint

from .test_dashboard import TODAY, YEAR, fixture, measure, risk  # noqa: F401  (fixture is a pytest fixture)


def live(unit_ids, year=YEAR):
    """The figures counted from scratch, with nothing stored."""
    risks = RiskPoint.objects.filter(year=year, unit_id__in=unit_ids)
    measures = Measure.objects.filter(risk__year=year, risk__unit_id__in=unit_ids)
    return figures.add(figures.compute(risks, measures, unit_ids).values())


def from_store(unit_ids, year=YEAR):
    return figures.stored(year, set(unit_ids))


def both_units(f):
    return {f["maj"].pk, f["sjj"].pk}


@pytest.mark.django_db
def test_stored_figures_follow_every_kind_of_write(fixture):  # noqa: F811
    units = both_units(fixture)
    assert from_store(units) == live(units)
    assert UnitYearFigures.objects.filter(year=YEAR, subtree=False).count() == 2
    maj, sjj = fixture["maj"], fixture["sjj"]

    r = risk(maj, "NEW", post="SPK-SL", inherent="high", status="approved")  # create
    assert from_store(units)["n"] == 9
    r.residual_level = "low"  # change
    r.save()
    assert from_store(units)["res"]["low"] == live(units)["res"]["low"]
    m = measure(r, status="planned", deadline=dt.date(2026, 1, 5))  # a measure, overdue on TODAY
    assert figures.overdue(from_store(units), TODAY) == figures.overdue(live(units), TODAY) == (3, 1, 1)
    m.status = "done"
    m.save()
    assert from_store(units)["m"]["done"] == live(units)["m"]["done"]
    r.unit, r.post, r.department = sjj, None, None  # moved to the other unit: both are refreshed
    r.finding_level = "unit"
    r.save()
    stored = from_store(units)
    assert stored == live(units) and [4, sjj.pk] in stored["tu"]
    r.year = 2025  # moved to another year
    r.save()
    assert from_store(units) == live(units)
    assert from_store(units, 2025) == live(units, 2025)
    m.delete()
    r.delete()
    assert from_store(units) == live(units) and from_store(units, 2025) == live(units, 2025)


@pytest.mark.django_db
def test_bulk_writes_are_marked_and_stale_rows_recomputed(fixture):  # noqa: F811
    units = both_units(fixture)
    from_store(units)
    maj = fixture["maj"]
    # A bulk insert bypasses model signals; its writer marks the unit.
    r = RiskPoint.objects.get(unit=maj, year=YEAR, code="R3")
    Measure.objects.bulk_create([Measure(risk=r, content="建立台账", line="prevention", kind="checks")])
    figures.mark_changed([(maj.pk, YEAR)])
    assert from_store(units) == live(units)
    row = UnitYearFigures.objects.get(unit=maj, year=YEAR, subtree=False)
    assert row.generation == row.computed_generation


@pytest.mark.django_db
def test_a_write_during_a_computation_leaves_the_row_stale(fixture):  # noqa: F811
    """The row is bumped by the write; the result computed before it is stored
    against the old generation, so the next read recomputes."""
    maj = fixture["maj"]
    figures.stored(YEAR, {maj.pk})
    row = UnitYearFigures.objects.get(unit=maj, year=YEAR, subtree=False)
    old = row.generation
    figures.mark_changed([(maj.pk, YEAR)])  # a writer bumps…
    row.computed_generation = old  # …while a reader stores what it computed before
    UnitYearFigures.objects.bulk_update([row], ["computed_generation"])
    risk(maj, "LATE", post="SPK-SL", inherent="low")
    assert from_store({maj.pk}) == live({maj.pk})


@pytest.mark.django_db
def test_a_rolled_back_write_changes_nothing(fixture):  # noqa: F811
    """The bump is part of the writer's transaction (here a savepoint): rolled
    back with it, it leaves the stored figures as they were, and right."""
    units = both_units(fixture)
    before = from_store(units)
    generations = list(UnitYearFigures.objects.order_by("pk").values_list("generation", flat=True))
    with pytest.raises(RuntimeError), transaction.atomic():
        risk(fixture["maj"], "GONE", post="SPK-SL", inherent="high")
        raise RuntimeError
    assert list(UnitYearFigures.objects.order_by("pk").values_list("generation", flat=True)) == generations
    assert from_store(units) == before == live(units)


@pytest.mark.django_db
def test_old_rows_are_recomputed(fixture, settings):  # noqa: F811
    maj = fixture["maj"]
    figures.stored(YEAR, {maj.pk})
    UnitYearFigures.objects.filter(unit=maj).update(data={"n": 999})  # an older release's layout
    assert from_store({maj.pk}) == live({maj.pk})
    UnitYearFigures.objects.update(data=figures.empty())  # fresh rows are trusted…
    assert from_store({maj.pk})["n"] == 0
    UnitYearFigures.objects.update(computed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert from_store({maj.pk}) == live({maj.pk})  # …until they are older than the maximum age


@pytest.mark.django_db
def test_changing_a_rating_model_moves_the_heat_map(fixture, user_named):  # noqa: F811
    head = user_named("juzhang")
    before = agg.dashboard(head, YEAR, today=TODAY)["heat"]
    matrix5 = RatingModel.objects.get(unit=None, kind="matrix", name__contains="5×5")
    matrix5.definition = {**matrix5.definition, "likelihood": matrix5.definition["likelihood"][:3]}
    matrix5.save()
    after = agg.dashboard(user_named("juzhang"), YEAR, today=TODAY)["heat"]
    assert before != after and after["placed"] + after["unplaced"] == before["placed"] + before["unplaced"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "xianjiwei", "juzhang", "kezhang", "keyuan"])
def test_warm_reads_cost_a_fixed_number_of_queries(fixture, user_named, username):  # noqa: F811
    agg.dashboard(user_named(username), YEAR, today=TODAY)  # computes and stores
    with CaptureQueriesContext(connection) as first:
        agg.dashboard(user_named(username), YEAR, today=TODAY)
    for i in range(30):
        risk(Unit.objects.get(code="JZ-QS-MAJ"), f"W{i}", post="SPK-SL", inherent="low")
    agg.dashboard(user_named(username), YEAR, today=TODAY)  # recomputes the changed unit
    with CaptureQueriesContext(connection) as second:
        agg.dashboard(user_named(username), YEAR, today=TODAY)
    assert len(first) == len(second) <= 20
    # A warm read never scans the risk point or measure tables for whole units.
    whole = not any(u in username for u in ("kezhang", "keyuan"))
    touched = [q["sql"] for q in second.captured_queries if '"risks_riskpoint"' in q["sql"]
               or '"measures_measure"' in q["sql"]]
    assert (touched == []) if whole else touched


@pytest.mark.django_db
def test_subtree_rows_add_up_to_a_live_count_after_writes_below_them(fixture):  # noqa: F811
    every = set(Unit.objects.values_list("pk", flat=True))
    assert figures.stored(YEAR, None) == live(every)
    county = Unit.objects.get(pk=fixture["maj"].parent_id)
    assert UnitYearFigures.objects.filter(year=YEAR, subtree=True, unit=county).exists()
    r = risk(fixture["maj"], "DEEP", post="SPK-SL", inherent="high")
    bumped = UnitYearFigures.objects.filter(year=YEAR, subtree=True, unit_id__in=[
        int(a) for a in fixture["maj"].path.strip("/").split("/")])
    assert all(row.generation != row.computed_generation for row in bumped)
    assert figures.stored(YEAR, None) == live(every)
    r.delete()
    assert figures.stored(YEAR, None) == live(every)
    subtree = set(Unit.objects.filter(path__startswith=county.path).values_list("pk", flat=True))
    assert figures.stored(YEAR, subtree) == live(subtree)


@pytest.mark.django_db
def test_cover_picks_whole_subtrees_and_single_units(fixture):  # noqa: F811
    tree = figures.Tree()
    maj = fixture["maj"]
    county = Unit.objects.get(pk=maj.parent_id)
    subtree = set(Unit.objects.filter(path__startswith=county.path).values_list("pk", flat=True))
    assert tree.cover(subtree) == [(county.pk, True)]
    keys = tree.cover(subtree - {maj.pk})
    assert (county.pk, False) in keys and (maj.pk, False) not in keys
    covered = set()
    for u, whole in keys:
        covered |= set(Unit.objects.filter(path__startswith=Unit.objects.get(pk=u).path).values_list(
            "pk", flat=True)) if whole else {u}
    assert covered == subtree - {maj.pk}
    assert tree.cover({maj.pk}) == [tree.key(maj.pk, True)] or tree.cover({maj.pk}) == [(maj.pk, False)]


@pytest.mark.django_db
def test_the_figures_command_prepares_every_year(fixture):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("figures", "--rebuild", stdout=out)
    assert "2026 年：8 个风险点，6 条措施" in out.getvalue() and "2025 年：1 个风险点" in out.getvalue()
    rows = UnitYearFigures.objects.filter(year=YEAR)
    assert rows.exists() and all(r.generation == r.computed_generation for r in rows)
    with CaptureQueriesContext(connection) as ctx:
        figures.stored(YEAR, None)
    assert len(ctx) == 2  # the unit tree and one stored row: nothing left to compute


@pytest.mark.django_db
def test_decoded_rows_are_shared_but_never_changed_or_served_stale(fixture):  # noqa: F811
    import copy

    figures.stored(YEAR, None)  # computes and stores the rows
    whole = figures.stored(YEAR, None)  # reads and decodes them
    parts = [p for p in figures._DECODED.values() if p.get("v") == figures.FORMAT]
    assert parts, "the read went through the decoding cache"
    before = copy.deepcopy(parts)
    figures.add(parts + [whole])  # adding up builds new containers
    assert parts == before
    # A changed row has other text, hence another cache entry: never the old one.
    r = RiskPoint.objects.filter(year=YEAR).first()
    r.delete()
    assert figures.stored(YEAR, None)["n"] == whole["n"] - 1
