"""Review screens: submitting an entry, approving or returning it, and the
reviewer's inbox with bulk approval (DOMAIN.md §5). Every state change goes
through `chains`; refusals (ReviewError, PermissionDenied) come back to the
user as Chinese messages, not error pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Max
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.access.policy import CHANGE, can
from lianfang.orgs.models import (
    Charge,
    GroupKind,
    GroupMembership,
    Person,
    PostAssignment,
    RankClass,
    Unit,
)
from lianfang.risks.models import ReviewStatus, RiskPoint

from . import chains
from .models import Decision, Review, ReviewerRole


def person_of(user) -> Person | None:
    try:
        person = user.person
    except (AttributeError, ObjectDoesNotExist):
        return None
    return person if person is not None and person.is_active else None


def _back(request, risk=None):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("risks:detail", pk=risk.pk) if risk is not None else redirect("reviews:inbox")


# ---------------------------------------------------------------- the inbox


def waiting_for(person: Person | None) -> list[tuple[RiskPoint, str]]:
    """Entries waiting for this person's decision, with the role they act in.

    Gives the same entries as `chains.inbox(person)` (a test keeps them equal)
    but with a fixed number of queries: who the person is for each reviewer role
    is worked out once, instead of asking `may_review` entry by entry."""
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
    higher_units = {r.unit_id: r.unit.path for r in candidates if chains.current_role(r) == ReviewerRole.HIGHER_LEVEL}
    if higher_units:
        ancestry = {uid: [int(p) for p in path.strip("/").split("/") if p][:-1] for uid, path in higher_units.items()}
        staffed = set(GroupMembership.objects.current().filter(
            group__kind=GroupKind.COORDINATION, person__is_active=True,
            group__unit_id__in={a for ids in ancestry.values() for a in ids}).values_list("group__unit_id", flat=True))
        for uid, ids in ancestry.items():
            nearest[uid] = next((a for a in reversed(ids) if a in staffed), None)

    same_unit_staff = holds_post and person.rank_class == RankClass.DEPT_HEAD

    def may(risk: RiskPoint, role: str) -> bool:
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
        role = chains.current_role(risk)
        if role is not None and may(risk, role):
            out.append((risk, role))
    return out


def chain_steps(risk: RiskPoint) -> list[dict]:
    """The entry's chain for display: each role, and whether it is done or current."""
    steps = []
    for number, role in enumerate(risk.review_chain or [], 1):
        state = "todo"
        if risk.status == ReviewStatus.APPROVED or (risk.status == ReviewStatus.IN_REVIEW and number < risk.review_step):
            state = "done"
        elif risk.status == ReviewStatus.IN_REVIEW and number == risk.review_step:
            state = "current"
        steps.append({"number": number, "role": role, "label": chains.role_label(role), "state": state})
    return steps


@login_required
def inbox(request):
    person = person_of(request.user)
    rows = waiting_for(person)
    submitted = dict(
        Review.objects.filter(risk_id__in=[r.pk for r, _role in rows], decision=Decision.SUBMITTED)
        .values("risk_id").annotate(last=Max("at")).values_list("risk_id", "last"))
    entries = [{"risk": risk, "role": role, "role_label": chains.role_label(role), "chain": chain_steps(risk),
                "submitted_at": submitted.get(risk.pk)} for risk, role in rows]
    return render(request, "reviews/inbox.html", {"entries": entries, "person": person})


# ---------------------------------------------------------------- actions


def _risk_for_action(request, pk) -> RiskPoint:
    from lianfang.risks.views import get_risk

    return get_risk(request.user, pk)


@login_required
@require_POST
def submit(request, pk):
    risk = _risk_for_action(request, pk)
    person = person_of(request.user)
    if person is None:
        messages.error(request, _("您的账号没有关联人员信息，不能提交审核。"))
        return _back(request, risk)
    if not can(request.user, CHANGE, risk) or (risk.author_id and risk.author_id != person.pk):
        messages.error(request, _("只有填报人本人可以提交该风险点。"))
        return _back(request, risk)
    try:
        roles = chains.submit(risk, person)
    except (chains.ReviewError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("不能提交该风险点。"))
    else:
        messages.success(request, _("已提交审核，审核顺序：%(chain)s。") % {
            "chain": " → ".join(chains.role_label(r) for r in roles)})
    return _back(request, risk)


@login_required
@require_POST
def approve(request, pk):
    risk = _risk_for_action(request, pk)
    try:
        status = chains.approve(risk, person_of(request.user), request.POST.get("reason", "").strip())
    except (chains.ReviewError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("您不能审核该风险点。"))
    else:
        if status == ReviewStatus.APPROVED:
            messages.success(request, _("已审核通过，风险点“%(code)s”已确认。") % {"code": risk.code})
        else:
            messages.success(request, _("已审核通过，风险点“%(code)s”转入下一级审核。") % {"code": risk.code})
    return _back(request, risk)


@login_required
@require_POST
def send_back(request, pk):
    risk = _risk_for_action(request, pk)
    try:
        chains.send_back(risk, person_of(request.user), request.POST.get("reason", ""))
    except (chains.ReviewError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("您不能审核该风险点。"))
    else:
        messages.success(request, _("已将风险点“%(code)s”退回填报人修改。") % {"code": risk.code})
    return _back(request, risk)


@login_required
@require_POST
def bulk_approve(request):
    person = person_of(request.user)
    ids = [int(i) for i in request.POST.getlist("risk") if i.isdigit()]
    if not ids:
        messages.warning(request, _("请先勾选要审核通过的风险点。"))
        return redirect("reviews:inbox")
    risks = RiskPoint.objects.filter(pk__in=ids).order_by("code")
    done, problems = chains.approve_many(risks, person, request.POST.get("reason", "").strip())
    if done:
        messages.success(request, _("已批量审核通过 %(n)d 条风险点。") % {"n": done})
    for problem in problems:
        messages.error(request, problem)
    return redirect("reviews:inbox")
