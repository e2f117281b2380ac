"""Deadline reminders for control measures and for the rules they require
(DOMAIN.md §7: "应列明具体名称和完成时间" — a measure's deadline and a rule's due
date are tracked to completion).

`send_reminders(today)` is run once a day (by the worker through
`send_reminders_task`, or by cron through `lianfang measures remind`). For each
open measure with a deadline, and each rule still to be written with a due date,
it notifies the measure's owner and the risk's responsible leader (failing
both — a measure owned by a body, on the unit head's own risk — the unit's
steering-group office):

- before the date, at each of the configured stages (default 7 and 1 days
  before): the most urgent stage reached is sent once, so a run missed on the
  exact day catches up without sending the earlier stage as well;
- after the date: on the first day overdue, then once a week while it stays open.

Every notification carries a key (measure id, what, the date it is about, the
stage), so running the job again on the same day — or twice a day — sends
nothing new, and a deadline that is moved starts its own reminders afresh.
E-mail copies go out when a mail server is configured (see
lianfang.notifications.services.email_enabled)."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lianfang.notifications.models import Level
from lianfang.notifications.services import notify

from .models import Measure, Status

DEFAULT_BEFORE = (7, 1)
OVERDUE_EVERY = 7


def _stages() -> tuple[int, ...]:
    days = getattr(settings, "LIANFANG_REMINDER_DAYS", DEFAULT_BEFORE)
    return tuple(sorted({int(d) for d in days if int(d) >= 0}, reverse=True))


def _stage_before(days_left: int, stages: tuple[int, ...]) -> int | None:
    """The most urgent stage reached: with stages (7, 1), 7…2 days left → 7,
    1 or 0 days left → 1; more than 7 days left → None."""
    reached = [s for s in stages if days_left <= s]
    return min(reached) if reached else None


def _link(measure: Measure) -> str:
    for name, args in (("risks:detail", [measure.risk_id]), ("risks:measures", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def _fmt(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def _short(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _message(measure: Measure, what: str, date: dt.date, days: int) -> tuple[str, str, str]:
    """(title, body, level) for a measure (`what` = "measure") or its rule ("rule")."""
    risk = measure.risk
    subject = f"制度《{measure.rule_name.strip('《》')}》" if what == "rule" else "防控措施"
    done = "制定（修订）完成" if what == "rule" else "落实完成"
    where = f"风险点“{_short(risk.title)}”（{risk.code}，{risk.year}年度）"
    content = f"措施内容：{_short(measure.content, 80)}"
    owner = measure.owner.name if measure.owner_id else (measure.owner_text or "未指定")
    if days > 0:
        title = f"{subject}将于{days}天后到期"
        body = f"{where}的{subject}应于{_fmt(date)}前{done}，还有{days}天。"
        level = Level.WARNING if days <= 1 else Level.INFO
    elif days == 0:
        title = f"{subject}今天到期"
        body = f"{where}的{subject}应于今天（{_fmt(date)}）{done}。"
        level = Level.WARNING
    else:
        title = f"{subject}已逾期{-days}天"
        body = f"{where}的{subject}应于{_fmt(date)}前{done}，已逾期{-days}天，请尽快落实并上传佐证材料，或说明原因。"
        level = Level.DANGER
    body += f"\n{content}\n责任人：{owner}"
    return title, body, level


def _office(unit_id: int, cache: dict):
    """The steering-group office (领导小组办公室) of the unit: it tracks the
    measures nobody in particular answers for (a body such as 县纪委监委)."""
    if unit_id not in cache:
        from lianfang.orgs.models import GroupKind, GroupMembership, GroupRole

        members = list(GroupMembership.objects.current()
                       .filter(group__unit_id=unit_id, group__kind=GroupKind.STEERING_OFFICE, person__is_active=True)
                       .select_related("person__user").order_by("person__code"))
        directors = [m for m in members if m.role == GroupRole.DIRECTOR] or members
        cache[unit_id] = directors[0].person if directors else None
    return cache[unit_id]


def _recipients(measure: Measure, offices: dict):
    """The measure's owner and the risk's responsible leader; failing both, the
    unit's steering-group office."""
    people = []
    for person in (measure.owner, measure.risk.responsible):
        if person is not None and person.is_active and person not in people:
            people.append(person)
    if not people:
        office = _office(measure.risk.unit_id, offices)
        if office is not None:
            people.append(office)
    return people


def _due_items(measure: Measure, today: dt.date, stages):
    """(what, date, days_left, stage key) for what is due or overdue today."""
    items = []
    if measure.status != Status.DONE and measure.deadline is not None:
        items.append(("measure", measure.deadline))
    if measure.rule_name and measure.rule_done_at is None and measure.rule_due is not None:
        items.append(("rule", measure.rule_due))
    for what, date in items:
        days = (date - today).days
        if days >= 0:
            stage = _stage_before(days, stages)
            if stage is not None:
                yield what, date, days, f"due{stage}"
        else:
            week = (-days - 1) // OVERDUE_EVERY
            yield what, date, days, f"overdue{week}"


def send_reminders(today: dt.date | None = None) -> dict:
    """Send today's reminders; returns counts. Idempotent per measure, kind and date."""
    today = today or timezone.localdate()
    stages = _stages()
    horizon = today + dt.timedelta(days=max(stages, default=0))
    counts = Counter()
    offices: dict = {}
    open_measures = (
        Measure.objects.filter(
            Q(deadline__lte=horizon) & ~Q(status=Status.DONE)
            | Q(rule_due__lte=horizon, rule_done_at__isnull=True) & ~Q(rule_name="")
        )
        .select_related("risk", "risk__unit", "risk__responsible__user", "owner__user")
        .order_by("pk")
    )
    for measure in open_measures:
        for what, date, days, stage in _due_items(measure, today, stages):
            kind = f"{what}_{'overdue' if days < 0 else 'due'}"
            people = _recipients(measure, offices)
            if not people:
                counts["unaddressed"] += 1
                continue
            title, body, level = _message(measure, what, date, days)
            link = _link(measure)
            key = f"measure:{measure.pk}:{what}:{date.isoformat()}:{stage}"
            sent_any = False
            for person in people:
                note, created = notify(person=person, title=title, body=body, link=link, level=level, key=key,
                                       unit=measure.risk.unit)
                if created:
                    sent_any = True
                    counts["notifications"] += 1
                    if note.emailed_at:
                        counts["emails"] += 1
            if sent_any:
                counts[kind] += 1
    result = {k: counts.get(k, 0) for k in ("measure_due", "measure_overdue", "rule_due", "rule_overdue",
                                           "notifications", "emails", "unaddressed")}
    result["date"] = today.isoformat()
    return result
