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
from lianfang.core.params import int_param
from lianfang.orgs.models import Person
from lianfang.risks.models import ReviewStatus, RiskPoint

from . import chains
from .models import Decision, Review


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
    rows = chains.waiting_for(person)
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
    ids = [i for i in map(int_param, request.POST.getlist("risk")) if i]
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
