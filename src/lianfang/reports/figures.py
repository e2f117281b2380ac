"""Stored dashboard figures per unit and per subtree: computed, kept, added up.

A *partial* is what the dashboard needs from a set of risk points and
measures of one year, in a form that adds up (counts, top-15 lists, and
histograms for what depends on the day the dashboard is looked at):

    {"v": 2, "n": 12, "inh": {"high": 3}, "res": {...}, "st": {"approved": 9}, "cat": {"5": 3},
     "posts": 7, "units": 1, "td": [[4, unit, dept], ...], "tu": [[12, unit]],
     "m": {"total": 15, "done": 4, ...},
     "due": {"2026-03-31": [2, 1]},      # open measures by deadline: [open, of which in progress]
     "rdue": {"2026-06-30": 1},          # rules not yet written, by due date
     "heat": {"3,4": 2}, "unplaced": 1}

Top lists add up exactly: a department (and a unit) lies in exactly one of the
parts being added, so the overall top 15 is within the parts' top 15s.

`UnitYearFigures` keeps, per year, an *own* partial for each unit (its own
records) and a *subtree* partial for each unit with children (own + the
children's subtrees). A province's dashboard reads one subtree row; a
county's, one; a bureau head's, one own row. Writes bump the generation of the
unit's own row and of every subtree row above it, inside the writer's
transaction (signals, or `mark_changed` for bulk writes); a stale row is
recomputed from its parts on the next read (one unit's records, or a few
stored rows), so a write costs the next reader milliseconds, not a rescan.
The records a user sees outside whole units (a department head's department,
a staff member's posts) are counted live with the same code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from lianfang.measures.models import Kind as MeasureKind
from lianfang.measures.models import Measure
from lianfang.measures.models import Status as MeasureStatus
from lianfang.orgs.models import Unit
from lianfang.risks.models import Level, RatingModel, ReviewStatus, RiskCategory, RiskPoint

from .models import UnitYearFigures

GRID = 5
TOP = 15
# Bumped whenever the partial's layout changes: rows stored by an older release
# are then recomputed instead of misread.
FORMAT = 2
MEASURE_COUNTS = {
    "total": Q(),
    "done": Q(status=MeasureStatus.DONE),
    "in_progress": Q(status=MeasureStatus.IN_PROGRESS),
    "planned": Q(status=MeasureStatus.PLANNED),
    "no_deadline": ~Q(status=MeasureStatus.DONE) & Q(deadline__isnull=True),
    "with_rule": ~Q(rule_name=""),
    "rules_done": ~Q(rule_name="") & Q(rule_done_at__isnull=False),
    **{f"kind_{value}": Q(kind=value) for value in MeasureKind.values},
}


def empty() -> dict:
    return {"v": FORMAT, "n": 0, "inh": {}, "res": {}, "st": {}, "cat": {}, "posts": 0, "units": 0,
            "td": [], "tu": [], "m": {}, "due": {}, "rdue": {}, "heat": {}, "unplaced": 0}


def _bump(counter: dict, key, n) -> None:
    counter[key] = counter.get(key, 0) + n


# ---------------------------------------------------------------- counting records


def _to_grid(value, low, high) -> int | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    if high <= low or not low <= value <= high:
        return None
    return int(round(1 + (GRID - 1) * (value - low) / (high - low)))


def heat_place(model: dict, row: dict) -> tuple[int, int] | None:
    """Where a group of risk points sits on the 5 × 5 grid (reports.dashboard
    explains the mapping), or None when it cannot be placed."""
    if model["kind"] == RatingModel.Kind.MATRIX:
        size = len(model["definition"].get("likelihood") or []) or 5
        li = _to_grid(row["explanation__likelihood"], 1, size)
        im = _to_grid(row["explanation__impact"], 1, size)
    else:
        low, high = (model["definition"].get("scale") or [1, 5])[:2]
        li = _to_grid(row["rating_inputs__probability"], low, high)
        im = _to_grid(row["rating_inputs__harm"], low, high)
    return (li, im) if li and im else None


def compute(risks, measures, unit_ids: Iterable[int] = ()) -> dict[int, dict]:
    """Own partials per unit of these risk point and measure querysets (already
    narrowed to one year and to what may be counted). A fixed number of grouped
    queries, whatever the number of rows or units; counts by level, status and
    category are conditional counts, one row per unit."""
    partials: dict[int, dict] = defaultdict(empty)
    for unit_id in unit_ids:
        partials[unit_id]  # units with nothing recorded still get a (zero) partial
    levels = ["", *Level.values]
    labels = {"inh": levels, "res": levels, "st": ReviewStatus.values,
              "cat": [str(pk) for pk in RiskCategory.objects.values_list("pk", flat=True)]}
    conditions = {
        "inh": lambda v: Q(inherent_level=v),
        # Residual where rated, else inherent.
        "res": lambda v: (Q(residual_level=v) & ~Q(residual_level="")) | Q(residual_level="", inherent_level=v),
        "st": lambda v: Q(status=v),
        "cat": lambda v: Q(category_id=int(v)),
    }
    counts = {f"{key}{i}": Count("pk", filter=conditions[key](v))
              for key, values in labels.items() for i, v in enumerate(values)}
    for g in risks.values("unit_id").annotate(n=Count("pk"), posts=Count("post_id", distinct=True),
                                              **counts).order_by():
        p = partials[g["unit_id"]]
        p["n"], p["posts"] = g["n"], g["posts"]
        for key, values in labels.items():
            p[key] = {v: g[f"{key}{i}"] for i, v in enumerate(values) if g[f"{key}{i}"]}
    departments = defaultdict(list)
    for g in risks.values("unit_id", "department_id").annotate(n=Count("pk")).order_by():
        departments[g["unit_id"]].append([g["n"], g["unit_id"], g["department_id"] or 0])
    for unit_id, p in partials.items():
        p["td"] = _top(departments.get(unit_id, ()))
        p["tu"], p["units"] = ([[p["n"], unit_id]], 1) if p["n"] else ([], 0)

    # Heat map: each kind of rating model places entries by its own two scores;
    # whatever is not placed is counted as unplaced.
    models = {m["pk"]: m for m in RatingModel.objects.values("pk", "kind", "definition")}
    fields = {RatingModel.Kind.MATRIX: ("explanation__likelihood", "explanation__impact"),
              RatingModel.Kind.INDICATOR: ("rating_inputs__probability", "rating_inputs__harm")}
    for kind, (likelihood, impact) in fields.items():
        ids = [pk for pk, m in models.items() if m["kind"] == kind]
        if not ids:
            continue
        for r in risks.filter(rating_model_id__in=ids).values("unit_id", "rating_model_id", likelihood, impact) \
                .annotate(n=Count("pk")).order_by():
            place = heat_place(models[r["rating_model_id"]], r)
            if place:
                _bump(partials[r["unit_id"]]["heat"], f"{place[0]},{place[1]}", r["n"])
    for p in partials.values():
        p["unplaced"] = p["n"] - sum(p["heat"].values())

    counts = {key: Count("pk", filter=q) for key, q in MEASURE_COUNTS.items()}
    for g in measures.values("risk__unit_id").annotate(
            risks_covered=Count("risk_id", distinct=True),
            # A rule named by several measures of one unit is one rule to write.
            rules=Count("rule_name", distinct=True, filter=~Q(rule_name="")), **counts).order_by():
        partials[g.pop("risk__unit_id")]["m"] = {k: v for k, v in g.items() if v}
    for g in measures.exclude(status=MeasureStatus.DONE).filter(deadline__isnull=False).values(
            "risk__unit_id", "deadline").annotate(
            n=Count("pk"), in_progress=Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS))).order_by():
        partials[g["risk__unit_id"]]["due"][g["deadline"].isoformat()] = [g["n"], g["in_progress"]]
    for g in measures.exclude(rule_name="").filter(rule_done_at__isnull=True, rule_due__isnull=False).values(
            "risk__unit_id", "rule_due").annotate(n=Count("pk")).order_by():
        partials[g["risk__unit_id"]]["rdue"][g["rule_due"].isoformat()] = g["n"]
    return dict(partials)


# ---------------------------------------------------------------- adding up


def _top(rows: Iterable[list]) -> list[list]:
    """The TOP largest [n, unit, (dept)] rows, ties in id order (the same order
    everywhere, so that top lists of disjoint parts add up exactly)."""
    return sorted((r for r in rows if r[0]), key=lambda r: (-r[0], *r[1:]))[:TOP]


def add(parts: Iterable[dict]) -> dict:
    """One partial for the union of disjoint parts."""
    total = empty()
    td, tu = [], []
    for p in parts:
        if not p["n"] and not p["m"]:
            continue
        for key in ("n", "posts", "units", "unplaced"):
            total[key] += p[key]
        for key in ("inh", "res", "st", "cat", "heat", "m", "rdue"):
            into = total[key]
            for k, v in p[key].items():
                into[k] = into.get(k, 0) + v
        due = total["due"]
        for day, (n, in_progress) in p["due"].items():
            was = due.get(day)
            due[day] = [was[0] + n, was[1] + in_progress] if was else [n, in_progress]
        td += p["td"]
        tu += p["tu"]
    total["td"], total["tu"] = _top(td), _top(tu)
    return total


def overdue(partial: dict, today: dt.date) -> tuple[int, int, int]:
    """(open measures past their deadline, of which in progress, rules past due) on `today`."""
    cutoff = today.isoformat()
    late = [v for day, v in partial["due"].items() if day < cutoff]
    return (sum(v[0] for v in late), sum(v[1] for v in late),
            sum(n for day, n in partial["rdue"].items() if day < cutoff))


# ---------------------------------------------------------------- the unit tree


class Tree:
    """Parent and children of every unit (one small query)."""

    def __init__(self):
        self.children: dict[int, list[int]] = defaultdict(list)
        self.roots: list[int] = []
        self.all: set[int] = set()
        for pk, parent in Unit.objects.order_by("path").values_list("pk", "parent_id"):
            self.all.add(pk)
            (self.children[parent] if parent else self.roots).append(pk)

    def cover(self, units: set[int]) -> list[tuple[int, bool]]:
        """Rows whose union is exactly `units`: (unit, True) for a whole
        subtree inside `units`, (unit, False) for a unit on its own."""
        whole: dict[int, bool] = {}

        def walk(u: int) -> bool:
            inside = [walk(c) for c in self.children.get(u, ())]
            whole[u] = u in units and all(inside)
            return whole[u]

        for root in self.roots:
            walk(root)
        keys = []

        def pick(u: int, parent_whole: bool) -> None:
            if whole[u] and not parent_whole:
                keys.append(self.key(u, True))
            if not whole[u]:
                if u in units:
                    keys.append((u, False))
                for c in self.children.get(u, ()):
                    pick(c, False)

        for root in self.roots:
            pick(root, False)
        return keys

    def key(self, unit: int, subtree: bool) -> tuple[int, bool]:
        # A unit without children is its own subtree: one row, not two.
        return (unit, subtree and bool(self.children.get(unit)))


# ---------------------------------------------------------------- stored rows


def _max_age() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "LIANFANG_FIGURES_MAX_AGE", 6 * 3600))


# Decoded partials by their stored JSON text. After a write the next reader
# re-adds a county's ~200 unchanged unit rows; decoding them again cost more than
# the rest of that read. Keyed by the text itself, so a changed row can never be
# served stale; cleared when full. Treat the dicts as read-only: they are shared.
_DECODED: dict[str, dict] = {}
DECODED_MAX = 3000


def _decode(text: str | None) -> dict:
    if text is None:
        return {}
    data = _DECODED.get(text)
    if data is None:
        data = json.loads(text)
        if len(_DECODED) >= DECODED_MAX:
            _DECODED.clear()
        _DECODED[text] = data
    return data


def _read(year: int, keys: set[tuple[int, bool]]) -> tuple[dict, dict]:
    """Fresh partials by key, and {key: (row pk, generation)} of the rest
    (rows created where missing, so that writes from now on bump them)."""
    fresh, todo = {}, {}
    if not keys:
        return fresh, todo
    oldest = timezone.now() - _max_age()
    own = {u for u, s in keys if not s}
    sub = {u for u, s in keys if s}
    query = Q(subtree=False, unit_id__in=own) | Q(subtree=True, unit_id__in=sub)
    for pk, unit_id, subtree, generation, computed, at, text in UnitYearFigures.objects.filter(
            query, year=year).values_list("pk", "unit_id", "subtree", "generation", "computed_generation",
                                          "computed_at", Cast("data", TextField())):
        key = (unit_id, subtree)
        if generation == computed and at is not None and at >= oldest and (data := _decode(text)).get("v") == FORMAT:
            fresh[key] = data
        else:
            todo[key] = (pk, generation)
    missing = keys - fresh.keys() - todo.keys()
    if missing:
        UnitYearFigures.objects.bulk_create(
            [UnitYearFigures(unit_id=u, year=year, subtree=s) for u, s in missing], ignore_conflicts=True,
            batch_size=500)
        query = Q(pk__in=[])
        for subtree in (False, True):
            query |= Q(subtree=subtree, unit_id__in={u for u, s in missing if s == subtree})
        todo.update(((u, s), (pk, g)) for pk, u, s, g in UnitYearFigures.objects.filter(query, year=year)
                    .values_list("pk", "unit_id", "subtree", "generation"))
    return fresh, todo


def resolve(year: int, keys: Iterable[tuple[int, bool]], tree: Tree) -> dict[tuple[int, bool], dict]:
    """The partials of these rows, recomputing stale ones from their parts:
    own rows from the unit's records, subtree rows from the unit's own row and
    its children's subtree rows (one level of stored rows at a time)."""
    keys = set(keys)
    result, todo = _read(year, keys)
    if not todo:
        return result
    subtrees = [u for u, s in todo if s]
    if subtrees:
        parts = resolve(year, {(u, False) for u in subtrees}
                        | {tree.key(c, True) for u in subtrees for c in tree.children[u]}, tree)
        for u in subtrees:
            result[(u, True)] = add([parts[(u, False)], *(parts[tree.key(c, True)] for c in tree.children[u])])
    own = [u for u, s in todo if not s]
    if own:
        risks = RiskPoint.objects.filter(year=year)
        measures = Measure.objects.filter(risk__year=year)
        if len(own) < len(tree.all):
            risks, measures = risks.filter(unit_id__in=own), measures.filter(risk__unit_id__in=own)
        counted = compute(risks, measures, own)
        result.update(((u, False), counted.get(u) or empty()) for u in own)
    _store(year, {key: (row, result[key]) for key, row in todo.items()})
    return result


def _store(year: int, rows: dict) -> None:
    # Only data and computed_* are written: a generation bumped since it was
    # read stays ahead of computed_generation, so the row stays stale.
    now = timezone.now()
    UnitYearFigures.objects.bulk_create(
        [UnitYearFigures(unit_id=u, year=year, subtree=s, generation=generation,
                         computed_generation=generation, computed_at=now, data=data)
         for (u, s), ((_, generation), data) in rows.items()],
        update_conflicts=True, unique_fields=["unit", "year", "subtree"],
        update_fields=["data", "computed_generation", "computed_at"], batch_size=500)


def stored(year: int, units: set[int] | None, tree: Tree | None = None) -> dict:
    """One partial for these units' own records (every unit when None)."""
    if units is not None and not units:
        return empty()
    tree = tree or Tree()
    keys = [tree.key(r, True) for r in tree.roots] if units is None else tree.cover(set(units))
    parts = resolve(year, keys, tree)
    return add(parts[k] for k in keys)


def mark_changed(pairs: Iterable[tuple[int, int]]) -> None:
    """Invalidate the stored figures of these (unit id, year) pairs — the unit's
    own row and every subtree row above it — inside the caller's transaction.
    Bulk writes that bypass model signals call this."""
    pairs = {(int(u), int(y)) for u, y in pairs if u is not None and y is not None}
    if not pairs:
        return
    paths = dict(Unit.objects.filter(pk__in={u for u, _ in pairs}).values_list("pk", "path"))
    rows = set()
    for unit_id, year in pairs:
        rows.add((unit_id, year, False))
        rows.update((int(a), year, True) for a in paths.get(unit_id, "").strip("/").split("/") if a)
    table = connection.ops.quote_name(UnitYearFigures._meta.db_table)
    # An upsert, so that a row a reader is creating right now is bumped too.
    sql = (f"INSERT INTO {table} (unit_id, year, subtree, generation, computed_generation, data) "
           f"VALUES (%s, %s, %s, 1, -1, %s) ON CONFLICT (unit_id, year, subtree) "
           f"DO UPDATE SET generation = {table}.generation + 1")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(u, y, s, "{}") for u, y, s in sorted(rows)])


def forget_all() -> None:
    """Drop every stored partial (after the unit tree changes). One statement:
    derived rows need no per-row delete signals."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(UnitYearFigures._meta.db_table)}")
