"""Resolving review chains (ChainRule rows) into people, and moving an entry
along its chain. Views and bulk actions call these; nothing else changes a risk
point's review state.

Precedence when picking the rule for an entry: the unit's own rules before the
defaults; within each, (author rank, finding level) exact, then (any, level),
then (rank, any), then (any, any). So department- and unit-level entries follow
their level, and post- and leadership-level entries the author's rank."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.orgs.models import (
    Charge,
    GroupKind,
    GroupMembership,
    Person,
    PostAssignment,
    RankClass,
    Unit,
)

from .models import ChainRule, Decision, Review, ReviewerRole


class ReviewError(Exception):
    """A review step that cannot be taken; the message says why, in Chinese."""


def rule_for(risk, author: Person) -> ChainRule | None:
    rank, level = author.rank_class, risk.finding_level
    candidates = list(ChainRule.objects.filter(unit_id=risk.unit_id)) + list(
        ChainRule.objects.filter(unit__isnull=True))
    order = [(rank, level), (ChainRule.ANY, level), (rank, ChainRule.ANY), (ChainRule.ANY, ChainRule.ANY)]
    for own in (True, False):
        pool = [r for r in candidates if (r.unit_id is not None) == own]
        for key in order:
            for rule in pool:
                if (rule.author_rank, rule.finding_level) == key:
                    return rule
    return None


def _current_people(unit_id: int, **filters):
    """People of the unit who currently hold a post (and match `filters`)."""
    held = PostAssignment.objects.current().values("person_id")
    return Person.objects.filter(unit_id=unit_id, is_active=True, pk__in=held).filter(**filters)


def _group_members(unit_id: int, *kinds: str):
    ids = GroupMembership.objects.current().filter(group__unit_id=unit_id, group__kind__in=kinds).values("person_id")
    return Person.objects.filter(pk__in=ids, is_active=True)


def reviewers_for(risk, role: str):
    """The people who may take the given step of this entry."""
    department_id = risk.department_id
    if role == ReviewerRole.DEPT_HEAD:
        if not department_id:
            return Person.objects.none()
        posts = PostAssignment.objects.current().filter(post__department_id=department_id).values("person_id")
        return _current_people(risk.unit_id, rank_class=RankClass.DEPT_HEAD, pk__in=posts)
    if role == ReviewerRole.LEADER_IN_CHARGE:
        if not department_id:
            return Person.objects.none()
        ids = Charge.objects.current().filter(department_id=department_id).values("person_id")
        return Person.objects.filter(pk__in=ids, is_active=True)
    if role == ReviewerRole.UNIT_HEAD:
        return _current_people(risk.unit_id, rank_class=RankClass.HEAD)
    if role == ReviewerRole.PEER_REVIEW:
        heads = _current_people(risk.unit_id, rank_class=RankClass.DEPT_HEAD)
        if department_id:
            own = PostAssignment.objects.current().filter(post__department_id=department_id).values("person_id")
            heads = heads.exclude(pk__in=own)
        return heads
    if role == ReviewerRole.STEERING_GROUP:
        return _group_members(risk.unit_id, GroupKind.STEERING, GroupKind.STEERING_OFFICE)
    if role == ReviewerRole.PARTY_GROUP:
        return _group_members(risk.unit_id, GroupKind.PARTY)
    if role == ReviewerRole.HIGHER_LEVEL:
        unit = Unit.objects.get(pk=risk.unit_id)
        for ancestor in reversed(unit.ancestors()):
            members = _group_members(ancestor.pk, GroupKind.COORDINATION)
            if members.exists():
                return members
        return Person.objects.none()
    raise ReviewError(_("未知的审核角色“%(role)s”。") % {"role": role})


def role_label(role: str) -> str:
    try:
        return str(ReviewerRole(role).label)
    except ValueError:
        return role


def _log(risk, decision, person, reason="", role="", step=0):
    Review.objects.create(risk=risk, round=risk.review_round, step=step, role=role, decision=decision,
                          reviewer=person, reason=reason)


@transaction.atomic
def submit(risk, author: Person) -> list[str]:
    """Send a draft or returned entry up its chain. Returns the chain's roles."""
    from lianfang.risks.models import ReviewStatus

    risk = type(risk).objects.select_for_update().get(pk=risk.pk)
    if risk.status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        raise ReviewError(_("该风险点已在审核中或已确认，不能重复提交。"))
    if not risk.inherent_level:
        raise ReviewError(_("请先完成风险等级评定再提交。"))
    if not risk.measures.exists():
        raise ReviewError(_("请至少制定一条防控措施再提交。"))
    rule = rule_for(risk, author)
    if rule is None or not rule.steps:
        raise ReviewError(_("没有适用于该风险点的审核链规则，请联系领导小组办公室设置。"))
    for number, role in enumerate(rule.steps, 1):
        if not reviewers_for(risk, role).exclude(pk=author.pk).exists():
            raise ReviewError(_("审核链第 %(n)d 级（%(role)s）目前无人可审，请先在组织机构中设置。")
                              % {"n": number, "role": role_label(role)})
    risk.review_chain = list(rule.steps)
    risk.review_round += 1
    risk.review_step = 1
    risk.status = ReviewStatus.IN_REVIEW
    risk.author = risk.author or author
    risk.save(update_fields=["review_chain", "review_round", "review_step", "status", "author", "updated_at"])
    _log(risk, Decision.SUBMITTED, author)
    record(Action.SUBMIT, risk, changes={"chain": risk.review_chain, "round": risk.review_round})
    return risk.review_chain


def current_role(risk) -> str | None:
    if risk.status != "in_review" or not risk.review_chain or risk.review_step < 1:
        return None
    return risk.review_chain[risk.review_step - 1]


def may_review(risk, person: Person | None) -> bool:
    role = current_role(risk)
    if role is None or person is None or person.pk == risk.author_id:
        return False
    return reviewers_for(risk, role).filter(pk=person.pk).exists()


def _check_reviewer(risk, person):
    if person is not None and person.pk == risk.author_id:
        raise PermissionDenied(_("不能审核本人填报的风险点。"))
    if not may_review(risk, person):
        raise PermissionDenied(_("您不是该风险点当前环节的审核人。"))


@transaction.atomic
def approve(risk, person: Person, reason: str = "") -> str:
    """Approve the current step; the last approval confirms the entry."""
    from lianfang.risks.models import ReviewStatus

    risk = type(risk).objects.select_for_update().get(pk=risk.pk)
    _check_reviewer(risk, person)
    role = current_role(risk)
    _log(risk, Decision.APPROVED, person, reason, role, risk.review_step)
    if risk.review_step >= len(risk.review_chain):
        risk.status = ReviewStatus.APPROVED
    else:
        risk.review_step += 1
    risk.save(update_fields=["status", "review_step", "updated_at"])
    record(Action.APPROVE, risk, changes={"role": role, "step": risk.review_step, "reason": reason})
    return risk.status


@transaction.atomic
def send_back(risk, person: Person, reason: str) -> None:
    """Return the entry to its author with reasons; the chain restarts on resubmission."""
    from lianfang.risks.models import ReviewStatus

    if not reason or not reason.strip():
        raise ReviewError(_("退回时请写明理由（如：查找不到位、定位不准确、措施不适用）。"))
    risk = type(risk).objects.select_for_update().get(pk=risk.pk)
    _check_reviewer(risk, person)
    role = current_role(risk)
    _log(risk, Decision.RETURNED, person, reason.strip(), role, risk.review_step)
    risk.status = ReviewStatus.RETURNED
    risk.review_step = 0
    risk.save(update_fields=["status", "review_step", "updated_at"])
    record(Action.RETURN, risk, changes={"role": role, "reason": reason.strip()})


def waiting_for(person: Person | None) -> list[tuple]:
    """Entries waiting for this person's decision, with the role they act in,
    as (risk point, role) pairs ordered by unit, year and code.

    The same answer as asking `may_review` entry by entry (tests/risks keeps
    that rule as the oracle), in a fixed number of queries: who the person is
    for each reviewer role is worked out once, then every candidate entry in
    the units they serve is matched against it."""
    from lianfang.risks.models import ReviewStatus, RiskPoint

    if person is None or not person.is_active:
        return []
    held = list(PostAssignment.objects.current().filter(person=person).values_list("post__department_id", flat=True))
    holds_post = bool(held)
    my_departments = {d for d in held if d}
    charged = set(Charge.objects.current().filter(person=person).values_list("department_id", flat=True))
    steering, party, coordination_paths = set(), set(), {}
    for kind, unit_id, path in GroupMembership.objects.current().filter(person=person).values_list(
            "group__kind", "group__unit_id", "group__unit__path"):
        if kind in (GroupKind.STEERING, GroupKind.STEERING_OFFICE):
            steering.add(unit_id)
        elif kind == GroupKind.PARTY:
            party.add(unit_id)
        elif kind == GroupKind.COORDINATION:
            coordination_paths[unit_id] = path
    units = {person.unit_id}
    for path in coordination_paths.values():
        units.update(Unit.objects.filter(path__startswith=path).values_list("pk", flat=True))

    candidates = list(
        RiskPoint.objects.filter(status=ReviewStatus.IN_REVIEW, unit_id__in=units).exclude(author=person)
        .select_related("unit", "department", "post", "author", "category").order_by("unit__path", "year", "code"))

    # Higher-level review goes to the nearest ancestor that has a coordination group with members.
    nearest: dict[int, int | None] = {}
    higher_units = {r.unit_id: r.unit.path for r in candidates if current_role(r) == ReviewerRole.HIGHER_LEVEL}
    if higher_units:
        ancestry = {uid: [int(p) for p in path.strip("/").split("/") if p][:-1] for uid, path in higher_units.items()}
        staffed = set(GroupMembership.objects.current().filter(
            group__kind=GroupKind.COORDINATION, person__is_active=True,
            group__unit_id__in={a for ids in ancestry.values() for a in ids}).values_list("group__unit_id", flat=True))
        for uid, ids in ancestry.items():
            nearest[uid] = next((a for a in reversed(ids) if a in staffed), None)

    same_unit_staff = holds_post and person.rank_class == RankClass.DEPT_HEAD

    def may(risk, role: str) -> bool:
        in_unit = risk.unit_id == person.unit_id
        if role == ReviewerRole.DEPT_HEAD:
            return same_unit_staff and in_unit and risk.department_id in my_departments
        if role == ReviewerRole.LEADER_IN_CHARGE:
            return bool(risk.department_id) and risk.department_id in charged
        if role == ReviewerRole.UNIT_HEAD:
            return holds_post and person.rank_class == RankClass.HEAD and in_unit
        if role == ReviewerRole.PEER_REVIEW:
            return same_unit_staff and in_unit and (not risk.department_id or risk.department_id not in my_departments)
        if role == ReviewerRole.STEERING_GROUP:
            return risk.unit_id in steering
        if role == ReviewerRole.PARTY_GROUP:
            return risk.unit_id in party
        if role == ReviewerRole.HIGHER_LEVEL:
            return nearest.get(risk.unit_id) in coordination_paths
        return False

    out = []
    for risk in candidates:
        role = current_role(risk)
        if role is not None and may(risk, role):
            out.append((risk, role))
    return out


def inbox(person: Person | None) -> list:
    """Entries waiting for this person's decision, across the units they serve
    (`waiting_for` without the roles)."""
    return [risk for risk, _role in waiting_for(person)]


def approve_many(risks, person: Person, reason: str = "") -> tuple[int, list[str]]:
    """Bulk review: each entry on its own; one refusal does not stop the others."""
    done, problems = 0, []
    for risk in risks:
        try:
            approve(risk, person, reason)
            done += 1
        except (PermissionDenied, ReviewError) as exc:
            problems.append(f"{risk.code}：{exc}")
    return done, problems
