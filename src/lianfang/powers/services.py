"""The catalogue's workflow ("谁行使、谁清理", DOMAIN.md §3) and the rules about
changing powers that the views, the admin and imports share.

Path of one year's catalogue:

    科室清理中 --(every department with powers submits)--> 法制科室汇总
    --> 已集体研究 --> 已备案 --> 已公布 (frozen)

Before publication the steering office or the unit head may send the catalogue
back (退回修改); the departments then submit again. Next year's catalogue starts
as a copy of a previous one, and `diff` shows what changed.

Every step is a plain function in one transaction that records a CatalogueEvent
(with the actor) and an audit entry. A step out of order raises WorkflowError
with a Chinese message; a step the user may not take raises PermissionDenied.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.access.policy import CHANGE, can, scope_for
from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.orgs.models import Department, DepartmentKind

from .models import Catalogue, CatalogueEvent, CatalogueStatus, LegalBasis, Power

Status = CatalogueStatus
Step = CatalogueEvent.Step


class WorkflowError(Exception):
    """A step refused because of the catalogue's state; the message is for users."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


# --------------------------------------------------------------------------- who


def _superuser(user) -> bool:
    return scope_for(user).superuser


def can_steer(user, catalogue: Catalogue) -> bool:
    """The unit's steering office, its head, or a system administrator: collective
    decision, filing, publication, reopening and next year's copy."""
    scope = scope_for(user)
    if scope.superuser:
        return True
    unit_id = catalogue.unit_id
    return can(user, CHANGE, catalogue) and (unit_id in scope.edit_units or unit_id in scope.manage_units)


def can_submit_department(user, catalogue: Catalogue, department: Department) -> bool:
    """The department's head (or the leader in charge of it), or the steering office / head."""
    if department.unit_id != catalogue.unit_id:
        return False
    if can_steer(user, catalogue):
        return True
    return department.pk in scope_for(user).departments


def can_consolidate(user, catalogue: Catalogue) -> bool:
    """The legal department's head, or the steering office / head."""
    if can_steer(user, catalogue):
        return True
    legal = Department.objects.filter(unit_id=catalogue.unit_id, kind=DepartmentKind.LEGAL).values_list("pk", flat=True)
    return bool(set(legal) & scope_for(user).departments)


def editable_departments(user, unit):
    """Departments of `unit` whose powers the user may add or change."""
    qs = Department.objects.filter(unit=unit, is_active=True)
    scope = scope_for(user)
    if scope.superuser or unit.pk in scope.edit_units:
        return qs
    return qs.filter(pk__in=scope.departments)


def can_edit_unit_powers(user, unit) -> bool:
    """Whether the user may add powers without a department (leadership powers)."""
    scope = scope_for(user)
    return scope.superuser or unit.pk in scope.edit_units


def can_add_power(user, catalogue: Catalogue) -> bool:
    return can_edit_unit_powers(user, catalogue.unit) or editable_departments(user, catalogue.unit).exists()


def can_change_power(user, power: Power) -> bool:
    return can(user, CHANGE, power)


# ------------------------------------------------------------------ edit rules

EDITABLE_STATES = (Status.DRAFTING, Status.CONSOLIDATED)


def edit_refusal(catalogue: Catalogue) -> str:
    """Why the catalogue's powers cannot be changed now, or "" when they can."""
    if catalogue.is_frozen:
        return _("已公布的职权目录不能修改，请在下一年度目录中调整。")
    if catalogue.status not in EDITABLE_STATES:
        return _("职权目录已经集体研究（当前状态：%(status)s），修改前须由领导小组办公室退回修改。") % {
            "status": catalogue.get_status_display()
        }
    return ""


def assert_editable(catalogue: Catalogue) -> None:
    reason = edit_refusal(catalogue)
    if reason:
        raise WorkflowError(reason)


def delete_refusal(power: Power) -> str:
    """Why the power cannot be deleted, or ""."""
    reason = edit_refusal(power.catalogue)
    if reason:
        return reason
    flowcharts = list(power.flowcharts.all()[:4])
    if flowcharts:
        names = "、".join(f"「{f.name}」" for f in flowcharts[:3]) + (_("等") if len(flowcharts) > 3 else "")
        return _("不能删除“%(power)s”：已关联权力运行流程图%(names)s，请先在流程图中解除关联。") % {
            "power": power.name, "names": names
        }
    return ""


@transaction.atomic
def delete_power(power: Power, user) -> None:
    if not can_change_power(user, power):
        raise PermissionDenied
    reason = delete_refusal(power)
    if reason:
        raise WorkflowError(reason)
    from lianfang.orgs.services import StillReferenced, delete_refusing_references

    try:
        delete_refusing_references(power)
    except StillReferenced as exc:
        raise WorkflowError(str(exc)) from None


# ------------------------------------------------------------------- helpers


def _event(catalogue, step, user, note="", department=None) -> CatalogueEvent:
    actor = user if getattr(user, "is_authenticated", False) else None
    return CatalogueEvent.objects.create(catalogue=catalogue, step=step, actor=actor, note=note or "",
                                         department=department)


def _audit(action, catalogue, user, **changes):
    record(action, catalogue, user=user, changes={k: v for k, v in changes.items() if v not in (None, "")})


def _lock(catalogue: Catalogue) -> Catalogue:
    """Re-read the catalogue inside the transaction, so that two clicks at once
    cannot both pass the state check."""
    fresh = Catalogue.objects.select_for_update().select_related("unit").get(pk=catalogue.pk)
    catalogue.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return catalogue


def _expect(catalogue: Catalogue, states, doing: str) -> None:
    if catalogue.status not in states:
        wanted = "、".join(f"“{Status(s).label}”" for s in states)
        raise WorkflowError(
            _("不能%(doing)s：职权目录当前状态为“%(status)s”，只有处于%(wanted)s状态时才能办理。")
            % {"doing": doing, "status": catalogue.get_status_display(), "wanted": wanted}
        )


def _last_reset(catalogue: Catalogue):
    """The latest event that restarts the departments' submissions."""
    return catalogue.events.filter(step__in=[Step.REOPENED, Step.COPIED]).order_by("-at", "-pk").first()


def submitted_department_ids(catalogue: Catalogue) -> set[int]:
    events = catalogue.events.filter(step=Step.DEPARTMENT_SUBMITTED)
    reset = _last_reset(catalogue)
    if reset is not None:
        events = events.filter(pk__gt=reset.pk)
    return set(events.values_list("department_id", flat=True))


def departments_with_powers(catalogue: Catalogue):
    return Department.objects.filter(powers__catalogue=catalogue).distinct().order_by("sort_order", "code")


def department_progress(catalogue: Catalogue) -> list[dict]:
    """Each department of the unit: how many powers it has here and whether it has submitted."""
    done = submitted_department_ids(catalogue)
    counts = {}
    for dept_id in catalogue.powers.values_list("department_id", flat=True):
        counts[dept_id] = counts.get(dept_id, 0) + 1
    rows = []
    for dept in Department.objects.filter(unit_id=catalogue.unit_id, is_active=True).order_by("sort_order", "code"):
        rows.append({"department": dept, "powers": counts.get(dept.pk, 0), "submitted": dept.pk in done})
    return rows


def pending_departments(catalogue: Catalogue) -> list[Department]:
    done = submitted_department_ids(catalogue)
    return [d for d in departments_with_powers(catalogue) if d.pk not in done]


# ------------------------------------------------------------------ the steps


@transaction.atomic
def create_catalogue(unit, year: int, user, note: str = "") -> Catalogue:
    """An empty catalogue for a unit and year (the first year a unit uses the system)."""
    probe = Catalogue(unit=unit, year=year)
    if not (_superuser(user) or unit.pk in scope_for(user).edit_units):
        raise PermissionDenied
    if Catalogue.objects.filter(unit=unit, year=year).exists():
        raise WorkflowError(_("%(unit)s已有%(year)s年度职权目录。") % {"unit": unit, "year": year})
    probe.note = note
    probe.save()
    _audit(Action.CREATE, probe, user, step="created", year=year)
    return probe


@transaction.atomic
def submit_department_list(catalogue: Catalogue, department: Department, user, note: str = "") -> CatalogueEvent:
    """A department head (or the office) submits the department's list (谁行使、谁清理)."""
    _lock(catalogue)
    if not can_submit_department(user, catalogue, department):
        raise PermissionDenied
    _expect(catalogue, [Status.DRAFTING], _("提交科室清单"))
    if department.pk in submitted_department_ids(catalogue):
        raise WorkflowError(_("%(dept)s已经提交过本科室的职权清单。") % {"dept": department.name})
    count = catalogue.powers.filter(department=department).count()
    event = _event(catalogue, Step.DEPARTMENT_SUBMITTED, user, note, department=department)
    _audit(Action.SUBMIT, catalogue, user, step=Step.DEPARTMENT_SUBMITTED, department=department.name,
           powers=count, note=note)
    return event


@transaction.atomic
def consolidate(catalogue: Catalogue, user, note: str = "") -> CatalogueEvent:
    """The legal department consolidates the departments' lists."""
    _lock(catalogue)
    if not can_consolidate(user, catalogue):
        raise PermissionDenied
    _expect(catalogue, [Status.DRAFTING], _("汇总"))
    if not catalogue.powers.exists():
        raise WorkflowError(_("不能汇总：职权目录中还没有任何职权。"))
    pending = pending_departments(catalogue)
    if pending:
        raise WorkflowError(
            _("不能汇总：以下科室尚未提交职权清单：%(names)s。") % {"names": "、".join(d.name for d in pending)}
        )
    catalogue.status = Status.CONSOLIDATED
    catalogue.save(update_fields=["status"])
    event = _event(catalogue, Step.CONSOLIDATED, user, note)
    _audit(Action.APPROVE, catalogue, user, step=Step.CONSOLIDATED, powers=catalogue.powers.count(), note=note)
    return event


@transaction.atomic
def record_decision(catalogue: Catalogue, user, date: dt.date, meeting: str, minutes_file=None,
                    note: str = "") -> CatalogueEvent:
    """The steering group / party group decided on the catalogue collectively."""
    _lock(catalogue)
    if not can_steer(user, catalogue):
        raise PermissionDenied
    _expect(catalogue, [Status.CONSOLIDATED], _("登记集体研究决定"))
    if not date:
        raise WorkflowError(_("请填写集体研究日期。"))
    if not (meeting or "").strip():
        raise WorkflowError(_("请填写会议名称，如：局党组会议。"))
    if date > timezone.localdate():
        raise WorkflowError(_("集体研究日期不能晚于今天。"))
    catalogue.status = Status.DECIDED
    catalogue.decision_date = date
    catalogue.decision_meeting = meeting.strip()
    fields = ["status", "decision_date", "decision_meeting"]
    if minutes_file:
        catalogue.minutes = minutes_file
        fields.append("minutes")
    catalogue.save(update_fields=fields)
    text = _("%(meeting)s（%(date)s）") % {"meeting": catalogue.decision_meeting, "date": date.isoformat()}
    event = _event(catalogue, Step.DECIDED, user, "；".join(x for x in [text, note] if x))
    _audit(Action.APPROVE, catalogue, user, step=Step.DECIDED, date=date, meeting=catalogue.decision_meeting,
           minutes=catalogue.minutes.name if catalogue.minutes else "", note=note)
    return event


@transaction.atomic
def mark_filed(catalogue: Catalogue, user, filed_with: str, date: dt.date) -> CatalogueEvent:
    """Filed with the establishment / legal / open-government offices (备案)."""
    _lock(catalogue)
    if not can_steer(user, catalogue):
        raise PermissionDenied
    _expect(catalogue, [Status.DECIDED], _("登记备案"))
    if not (filed_with or "").strip():
        raise WorkflowError(_("请填写备案机关，如：县委编办、县司法局、县政务公开办。"))
    if not date:
        raise WorkflowError(_("请填写备案日期。"))
    if catalogue.decision_date and date < catalogue.decision_date:
        raise WorkflowError(_("备案日期不能早于集体研究日期（%(d)s）。") % {"d": catalogue.decision_date.isoformat()})
    catalogue.status = Status.FILED
    catalogue.filed_with = filed_with.strip()
    catalogue.filed_date = date
    catalogue.save(update_fields=["status", "filed_with", "filed_date"])
    event = _event(catalogue, Step.FILED, user, _("报%(who)s备案（%(date)s）") % {"who": catalogue.filed_with,
                                                                                  "date": date.isoformat()})
    _audit(Action.APPROVE, catalogue, user, step=Step.FILED, filed_with=catalogue.filed_with, date=date)
    return event


@transaction.atomic
def publish(catalogue: Catalogue, user, date: dt.date) -> CatalogueEvent:
    """Published on the website and at the office; the version is frozen from now on."""
    _lock(catalogue)
    if not can_steer(user, catalogue):
        raise PermissionDenied
    _expect(catalogue, [Status.FILED], _("公布"))
    if not date:
        raise WorkflowError(_("请填写公布日期。"))
    if catalogue.filed_date and date < catalogue.filed_date:
        raise WorkflowError(_("公布日期不能早于备案日期（%(d)s）。") % {"d": catalogue.filed_date.isoformat()})
    catalogue.status = Status.PUBLISHED
    catalogue.published_date = date
    catalogue.save(update_fields=["status", "published_date"])
    event = _event(catalogue, Step.PUBLISHED, user, _("于%(date)s公布") % {"date": date.isoformat()})
    _audit(Action.APPROVE, catalogue, user, step=Step.PUBLISHED, date=date, powers=catalogue.powers.count())
    return event


@transaction.atomic
def reopen(catalogue: Catalogue, user, reason: str) -> CatalogueEvent:
    """Send the catalogue back for changes before publication; departments submit again."""
    _lock(catalogue)
    if not can_steer(user, catalogue):
        raise PermissionDenied
    if catalogue.is_frozen:
        raise WorkflowError(_("已公布的职权目录不能退回，请在下一年度目录中调整。"))
    _expect(catalogue, [Status.CONSOLIDATED, Status.DECIDED, Status.FILED], _("退回修改"))
    if not (reason or "").strip():
        raise WorkflowError(_("请填写退回理由。"))
    previous = catalogue.get_status_display()
    catalogue.status = Status.DRAFTING
    catalogue.decision_date = None
    catalogue.decision_meeting = ""
    catalogue.filed_with = ""
    catalogue.filed_date = None
    catalogue.save(update_fields=["status", "decision_date", "decision_meeting", "filed_with", "filed_date"])
    event = _event(catalogue, Step.REOPENED, user, reason.strip())
    _audit(Action.RETURN, catalogue, user, step=Step.REOPENED, reason=reason.strip(), from_status=previous)
    return event


COPIED_FIELDS = ("code", "name", "category_id", "content", "department_id", "conditions", "statutory_limit_days",
                 "promised_limit_days", "supervision_channels", "public_form", "external", "note", "sort_order")


@transaction.atomic
def start_next_year(catalogue: Catalogue, user, year: int | None = None) -> Catalogue:
    """Next year's catalogue as a copy of this one (回头看、动态管理): every power with
    its legal bases and posts, each copy pointing back at last year's power; the
    flowcharts that covered a power cover its copy too."""
    if not can_steer(user, catalogue):
        raise PermissionDenied
    year = year or catalogue.year + 1
    if year <= catalogue.year:
        raise WorkflowError(_("新年度（%(y)s）必须晚于所依据目录的年度（%(b)s）。") % {"y": year, "b": catalogue.year})
    if Catalogue.objects.filter(unit_id=catalogue.unit_id, year=year).exists():
        raise WorkflowError(_("%(unit)s已有%(year)s年度职权目录。") % {"unit": catalogue.unit, "year": year})
    new = Catalogue.objects.create(unit_id=catalogue.unit_id, year=year, based_on=catalogue)
    powers = list(catalogue.powers.prefetch_related("posts", "legal_bases", "flowcharts"))
    for old in powers:
        copy = Power(catalogue=new, previous=old, **{f: getattr(old, f) for f in COPIED_FIELDS})
        copy.save()
        copy.posts.set(old.posts.all())
        LegalBasis.objects.bulk_create(
            [LegalBasis(power=copy, law=b.law, article=b.article, text=b.text, sort_order=b.sort_order)
             for b in old.legal_bases.all()]
        )
        for flowchart in old.flowcharts.all():
            flowchart.powers.add(copy)
    _event(new, Step.COPIED, user, _("由%(year)s年度职权目录复制，共 %(n)s 项职权") % {"year": catalogue.year,
                                                                                 "n": len(powers)})
    _audit(Action.CREATE, new, user, step=Step.COPIED, based_on=str(catalogue), powers=len(powers))
    return new


# ----------------------------------------------------------------------- diff

DIFF_FIELDS = ("code", "name", "category", "content", "department", "posts", "conditions", "statutory_limit_days",
               "promised_limit_days", "supervision_channels", "public_form", "external", "note", "legal_bases")


def _field_value(power: Power, field: str) -> str:
    if field == "category":
        return power.category.name if power.category_id else ""
    if field == "department":
        return power.department.name if power.department_id else _("（单位领导班子）")
    if field == "posts":
        return "、".join(p.name for p in sorted(power.posts.all(), key=lambda p: (p.sort_order, p.code)))
    if field == "legal_bases":
        return "；".join(str(b) for b in power.legal_bases.all())
    if field == "public_form":
        return power.get_public_form_display()
    if field == "external":
        return _("外部职权") if power.external else _("内部职权")
    value = getattr(power, field)
    return "" if value is None else str(value)


def _field_label(field: str) -> str:
    if field == "legal_bases":
        return str(LegalBasis._meta.verbose_name)
    return str(Power._meta.get_field(field).verbose_name)


def compare_powers(before: Power, after: Power) -> list[dict]:
    changes = []
    for field in DIFF_FIELDS:
        old, new = _field_value(before, field), _field_value(after, field)
        if old != new:
            changes.append({"field": field, "label": _field_label(field), "before": old, "after": new})
    return changes


def _powers_for_diff(catalogue):
    return list(catalogue.powers.select_related("category", "department").prefetch_related("posts", "legal_bases"))


def diff(catalogue: Catalogue) -> dict:
    """What changed against the version this catalogue is based on:
    {"base", "added", "removed", "changed": [{"power", "previous", "changes": [...]}], "unchanged"}.
    Powers are matched by their `previous` link, else by code."""
    base = catalogue.based_on
    result = {"base": base, "added": [], "removed": [], "changed": [], "unchanged": 0}
    current = _powers_for_diff(catalogue)
    if base is None:
        result["added"] = current
        return result
    old = _powers_for_diff(base)
    old_by_pk = {p.pk: p for p in old}
    old_by_code = {p.code: p for p in old}
    matched = set()
    for power in current:
        before = old_by_pk.get(power.previous_id) if power.previous_id else None
        if before is None or before.pk in matched:
            candidate = old_by_code.get(power.code)
            before = candidate if candidate is not None and candidate.pk not in matched else None
        if before is None:
            result["added"].append(power)
            continue
        matched.add(before.pk)
        changes = compare_powers(before, power)
        if changes:
            result["changed"].append({"power": power, "previous": before, "changes": changes})
        else:
            result["unchanged"] += 1
    result["removed"] = [p for p in old if p.pk not in matched]
    return result


def common_channels(powers) -> str:
    """The supervision channels most powers share (printed once in a catalogue's
    header instead of in every row), or "" when no text is shared by several."""
    counts: dict[str, int] = {}
    for power in powers:
        if power.supervision_channels:
            counts[power.supervision_channels] = counts.get(power.supervision_channels, 0) + 1
    if not counts:
        return ""
    text, count = max(counts.items(), key=lambda item: item[1])
    return text if count > 1 else ""


# ------------------------------------------------------------ what to offer


def available_actions(catalogue: Catalogue, user) -> dict:
    """Which workflow buttons the user may use now (the services check again)."""
    status = catalogue.status
    steer = can_steer(user, catalogue)
    actions = {
        "submit_departments": [],
        "consolidate": status == Status.DRAFTING and can_consolidate(user, catalogue),
        "decide": status == Status.CONSOLIDATED and steer,
        "file": status == Status.DECIDED and steer,
        "publish": status == Status.FILED and steer,
        "reopen": status in (Status.CONSOLIDATED, Status.DECIDED, Status.FILED) and steer,
        "next_year": steer and not Catalogue.objects.filter(unit_id=catalogue.unit_id,
                                                            year=catalogue.year + 1).exists(),
        "add_power": not edit_refusal(catalogue) and can_add_power(user, catalogue),
        "import": not edit_refusal(catalogue) and can_add_power(user, catalogue),
    }
    if status == Status.DRAFTING:
        done = submitted_department_ids(catalogue)
        actions["submit_departments"] = [
            d for d in Department.objects.filter(unit_id=catalogue.unit_id, is_active=True).order_by("sort_order")
            if d.pk not in done and can_submit_department(user, catalogue, d)
        ]
    actions["any"] = any(v for k, v in actions.items() if k not in ("add_power", "import"))
    return actions


def actor_label(event: CatalogueEvent) -> str:
    """Who took the step: the acting user's name; for steps recorded on someone's
    behalf (no login of their own) the "经办：…" part of the note."""
    if event.actor_id:
        person = getattr(event.actor, "person", None)
        return person.name if person is not None else event.actor.get_username()
    if event.note.startswith("经办："):
        return event.note[3:].split("；", 1)[0]
    return ""


def event_note(event: CatalogueEvent) -> str:
    """The note without the "经办：…" part shown as the actor."""
    if not event.actor_id and event.note.startswith("经办："):
        return event.note.split("；", 1)[1] if "；" in event.note else ""
    return event.note


PATH = [
    (Status.DRAFTING, Step.DEPARTMENT_SUBMITTED),
    (Status.CONSOLIDATED, Step.CONSOLIDATED),
    (Status.DECIDED, Step.DECIDED),
    (Status.FILED, Step.FILED),
    (Status.PUBLISHED, Step.PUBLISHED),
]


def status_path(catalogue: Catalogue) -> list[dict]:
    """The five states drawn as steps, each with the latest event that reached it."""
    order = [s for s, _ in PATH]
    position = order.index(catalogue.status)
    events = list(catalogue.events.select_related("actor", "actor__person", "department"))
    reset = _last_reset(catalogue)
    latest = {}
    for event in events:
        if reset is not None and event.pk <= reset.pk and event.step != Step.COPIED:
            continue
        latest[event.step] = event
    steps = []
    for index, (state, step) in enumerate(PATH):
        label = _("科室清理") if state == Status.DRAFTING else Status(state).label
        steps.append({
            "index": index + 1,
            "label": label,
            "done": index < position or (index == position and state == Status.PUBLISHED),
            "current": index == position and state != Status.PUBLISHED,
            "event": latest.get(step) if index <= position else None,
            "who": actor_label(latest[step]) if index <= position and step in latest else "",
        })
    return steps
