"""Rules about risk points: rating with the unit's model, re-rating when the
model changes, tiered responsibility, and carrying risks into next year."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.orgs.models import Charge, GroupKind, GroupMembership, Person, PostAssignment, RankClass

from .models import FindingLevel, Level, RatingModel, ReviewStatus, RiskPoint
from .rating import ModelError, rate


def active_model(unit) -> RatingModel:
    """The unit's own active model, else the nearest ancestor's, else the default."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    # Ascending versions, so that the newest active version of each owner wins.
    models = {m.unit_id: m for m in RatingModel.objects.filter(Q(unit_id__in=ids) | Q(unit__isnull=True), is_active=True)
              .order_by("version")}
    for unit_id in reversed(ids):
        if unit_id in models:
            return models[unit_id]
    if None in models:
        return models[None]
    raise ModelError("系统中没有启用的风险评级模型。")


def apply_rating(risk: RiskPoint, inputs: dict, model: RatingModel | None = None) -> RiskPoint:
    """Rate with the given (or active) model and store score, level and explanation.
    Raises ModelError with a Chinese message for missing or out-of-range scores."""
    model = model or active_model(risk.unit)
    result = rate(model.kind, model.definition, inputs)
    risk.rating_model = model
    risk.rating_inputs = inputs
    risk.inherent_score, risk.inherent_level = result.inherent_score, result.inherent_level
    risk.residual_score, risk.residual_level = result.residual_score, result.residual_level
    risk.explanation = result.explanation
    return risk


@dataclass
class Move:
    risk: RiskPoint
    before: str
    after: str
    before_residual: str
    after_residual: str


def rerate(risks, model: RatingModel, *, commit: bool = False, user=None) -> list[Move]:
    """Re-rate risk points under another model (version). Returns what moved;
    writes only with commit. Entries whose inputs do not fit the new model (a new
    factor nobody has scored yet) are left as they were and reported by the caller."""
    moves = []
    with transaction.atomic():
        for risk in risks:
            before, before_residual = risk.inherent_level, risk.residual_level
            try:
                apply_rating(risk, dict(risk.rating_inputs), model)
            except ModelError:
                continue
            if commit:
                risk.save()
            if (before, before_residual) != (risk.inherent_level, risk.residual_level):
                moves.append(Move(risk, before, risk.inherent_level, before_residual, risk.residual_level))
        if commit:
            record(Action.UPDATE, model, changes={"rerated": len(moves)}, user=user)
    return moves


def _holders(post_id):
    return Person.objects.filter(pk__in=PostAssignment.objects.current().filter(post_id=post_id).values("person_id"))


def default_responsible(risk: RiskPoint) -> tuple[Person | None, str]:
    """Tiered responsibility (seed 000 §四(二)3): 高 → the unit head (supervised by
    the party group and the discipline group); 中 → the leader in charge; 低 →
    the department head; the unit head's own high risks → the higher-level
    discipline body. Returns (person, body) — body names a group when no single
    person is responsible."""
    level = risk.level
    unit_heads = Person.objects.filter(unit_id=risk.unit_id, rank_class=RankClass.HEAD, is_active=True,
                                       pk__in=PostAssignment.objects.current().values("person_id"))
    subject = risk.person or (_holders(risk.post_id).first() if risk.post_id else None)
    if level == Level.HIGH:
        if subject is not None and subject.rank_class == RankClass.HEAD:
            return None, "上级纪委（主要负责人的高等级风险）"
        return unit_heads.first(), "党组、纪检组监督"
    if level == Level.MEDIUM:
        if risk.department_id:
            leader = Person.objects.filter(pk__in=Charge.objects.current().filter(
                department_id=risk.department_id).values("person_id")).first()
            if leader:
                return leader, ""
        if subject is not None and subject.rank_class in (RankClass.LEADER, RankClass.HEAD):
            return subject, ""
        return unit_heads.first(), ""
    if risk.department_id:
        head = Person.objects.filter(
            unit_id=risk.unit_id, rank_class=RankClass.DEPT_HEAD,
            pk__in=PostAssignment.objects.current().filter(post__department_id=risk.department_id).values("person_id"),
        ).first()
        if head:
            return head, ""
    if risk.finding_level in (FindingLevel.LEADERSHIP, FindingLevel.UNIT) and subject is not None:
        return subject, ""
    office = GroupMembership.objects.current().filter(group__unit_id=risk.unit_id,
                                                       group__kind=GroupKind.STEERING_OFFICE).first()
    return (office.person if office else unit_heads.first()), ""


def assign_responsibility(risk: RiskPoint, *, override: Person | None = None, reason: str = "") -> RiskPoint:
    """Fill the responsible leader from the level, or take an override — which
    needs a reason."""
    if override is not None:
        if not reason.strip():
            raise ValueError("调整责任人须写明理由。")
        risk.responsible, risk.responsible_body, risk.responsibility_override = override, "", reason.strip()
        return risk
    risk.responsible, risk.responsible_body = default_responsible(risk)
    risk.responsibility_override = ""
    return risk


class CarryOverError(ValueError):
    """A carry-over that cannot be done; the message says why, in Chinese."""


def carry_over_pending(unit, from_year: int, to_year: int):
    """The unit's risk points of `from_year` that no entry of `to_year` points back to yet."""
    carried = RiskPoint.objects.filter(unit=unit, year=to_year, previous__isnull=False).values("previous_id")
    return RiskPoint.objects.filter(unit=unit, year=from_year).exclude(pk__in=carried)


def _check_years(from_year: int, to_year: int) -> None:
    if to_year <= from_year:
        raise CarryOverError(_("回头看只能把风险点结转到更晚的年度：%(to)s 年度不晚于 %(from)s 年度。")
                             % {"to": to_year, "from": from_year})


# What a copy keeps from last year's entry; the review state starts afresh.
NOT_COPIED = {"id", "year", "previous", "status", "review_chain", "review_round", "review_step", "created_at",
              "updated_at"}


@transaction.atomic
def carry_over(unit, from_year: int, to_year: int, *, user=None, only=None) -> int:
    """"回头看": copy last year's risk points (with their measures) into the new
    year's campaign as drafts to revise; each copy points back through `previous`.
    Returns how many were copied.

    Idempotent: an entry already carried into `to_year` is not copied again, and
    one whose code is already used in `to_year` is left alone (the unique code
    would refuse it). `only` (ids) limits the copy to those entries — the screen
    passes what the user may change. A post's entry goes to the post's current
    holder, an author who no longer serves in the unit is cleared, and the
    responsible leader is worked out again (unless it was set with a reason).
    Measures are copied without deadlines (and without an owner who has left),
    and a rule still to be written stays to be written, without its due date.
    All or nothing: one transaction; one audit entry for the whole copy (when
    anything was copied) besides the entries of each new risk point."""
    from lianfang.measures.models import Measure
    from lianfang.orgs.models import Unit

    _check_years(from_year, to_year)
    # Two carry-overs of one unit at once must not both copy: lock the unit's row
    # (a no-op on SQLite, whose writers are serialised anyway).
    list(Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True))
    pending = carry_over_pending(unit, from_year, to_year)
    if only is not None:
        pending = pending.filter(pk__in=list(only))
    taken = set(RiskPoint.objects.filter(unit=unit, year=to_year).values_list("code", flat=True))
    fields = [f for f in RiskPoint._meta.concrete_fields if f.name not in NOT_COPIED]
    pending = list(pending.order_by("code").prefetch_related("measures", "discovery"))
    # People move (轮岗): a post's entry belongs to whoever holds the post now, and
    # an author who no longer works in the unit cannot revise and submit the copy.
    holders = dict(PostAssignment.objects.current().filter(post_id__in={r.post_id for r in pending if r.post_id})
                   .order_by("post_id", F("start_date").asc(nulls_first=True), "pk")  # the newest holder wins
                   .values_list("post_id", "person_id"))
    serving = set(Person.objects.filter(unit=unit, is_active=True, pk__in=PostAssignment.objects.current()
                                        .values("person_id")).values_list("pk", flat=True))
    copied, measures = [], 0
    for old in pending:
        if old.code in taken:
            continue
        new = RiskPoint(**{f.attname: getattr(old, f.attname) for f in fields})
        new.year, new.previous, new.status = to_year, old, ReviewStatus.DRAFT
        if old.post_id and old.finding_level in (FindingLevel.POST, FindingLevel.LEADERSHIP):
            new.person_id = holders.get(old.post_id)
            if old.author_id and old.author_id == old.person_id:  # the holder wrote it; this year's holder revises it
                new.author_id = new.person_id
        if new.author_id not in serving:
            new.author_id = None  # whoever revises and submits it becomes its author
        if not new.responsibility_override:
            assign_responsibility(new)
        new.save()
        new.discovery.set(old.discovery.all())
        measures += len(Measure.objects.bulk_create([
            Measure(risk=new, content=m.content, line=m.line, kind=m.kind,
                    owner_id=m.owner_id if m.owner_id in serving else None,
                    owner_text=m.owner_text, deadline=None, rule_name=m.rule_name if not m.rule_done_at else "",
                    sort_order=m.sort_order)
            for m in old.measures.all()
        ]))
        taken.add(new.code)
        copied.append((old, new))
    if not copied:
        return 0
    record(Action.CREATE, object_type="risks.carry_over", object_repr=f"{unit} {from_year}→{to_year} 回头看",
           unit_id=unit.pk, user=user, changes={
               "from_year": from_year, "to_year": to_year, "copied": len(copied), "measures": measures,
               "risks": [{"from": old.pk, "to": new.pk, "code": new.code} for old, new in copied]})
    return len(copied)


# Compared between a carried-over entry and last year's, in the order the page shows them.
COMPARED_FIELDS = ("title", "description", "category", "finding_level", "post", "department", "person", "power",
                   "step", "cause", "consequence")


def _shown(risk: RiskPoint, field: str) -> str:
    if field == "finding_level":
        return str(risk.get_finding_level_display())
    value = getattr(risk, field)
    if field == "post" and value is not None:
        return value.name
    if field == "department" and value is not None:
        return value.name
    if field == "person" and value is not None:
        return value.name
    return "" if value is None else str(value)


def changes_since(previous: RiskPoint, risk: RiskPoint) -> list[dict]:
    """What this year's entry changed against the one it was carried over from:
    [{"field", "label", "before", "after"}] for the texts, placement and level,
    and the measures as a whole (their contents in order)."""
    changes = []
    for field in COMPARED_FIELDS:
        before, after = _shown(previous, field), _shown(risk, field)
        if before != after:
            changes.append({"field": field, "label": str(RiskPoint._meta.get_field(field).verbose_name),
                            "before": before, "after": after})
    levels = dict(Level.choices)
    if previous.level != risk.level:
        changes.append({"field": "level", "label": _("风险等级"), "before": str(levels.get(previous.level, "")),
                        "after": str(levels.get(risk.level, ""))})
    before = [m.content for m in previous.measures.all()]
    after = [m.content for m in risk.measures.all()]
    if before != after:
        changes.append({"field": "measures", "label": _("防控措施"), "before": "；".join(before),
                        "after": "；".join(after)})
    return changes
