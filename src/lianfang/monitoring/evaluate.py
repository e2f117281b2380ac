"""Running the supervision engine over a unit's stored events and keeping the
findings table in step with what it finds.

The engine is deterministic and gives every finding a stable key, so a run
upserts by key: findings found again are refreshed, new ones are inserted (and
raised as alerts), and findings no longer found are marked retracted, never
deleted. One audit entry records each run."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.flows.models import Flowchart, Step
from lianfang.flows.serialize import export_unit
from lianfang.powers.models import Power
from lianfang.supervision import check_log

from .models import CaseEvent, Finding


@dataclass
class RunSummary:
    events: int
    found: int
    new: int
    retracted: int
    alerts: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def finding_key(finding) -> str:
    return hashlib.sha256(json.dumps(list(finding.key), ensure_ascii=False).encode()).hexdigest()


def _when(finding):
    if not finding.timestamp:
        return None
    return dt.datetime.fromisoformat(finding.timestamp)


def evaluate_unit(unit, *, now=None, raise_alerts: bool = True) -> RunSummary:
    flows = export_unit(unit)
    events = [e.as_record() for e in CaseEvent.objects.filter(unit=unit).order_by("at", "event_id")]
    findings = check_log(flows, events, now=now) if flows and events else []
    powers = {p.code: p for p in Power.objects.filter(unit=unit).order_by("catalogue__year")}
    charts = {fc.code: fc for fc in Flowchart.objects.filter(unit=unit)}
    steps = {(s.flowchart_id, s.code): s for s in Step.objects.filter(flowchart__unit=unit)}
    seen_at = timezone.now()
    with transaction.atomic():
        known = {f.key: f for f in Finding.objects.filter(unit=unit)}
        fresh_keys, created = set(), []
        for f in findings:
            key = finding_key(f)
            fresh_keys.add(key)
            chart = charts.get(f.flowchart_code or "")
            values = {
                "rule": f.rule, "severity": f.severity, "case_id": f.case_id, "power_code": f.power_code or "",
                "power": powers.get(f.power_code or ""), "flowchart": chart,
                "step": steps.get((chart.pk, f.step_code)) if chart and f.step_code else None,
                "step_code": f.step_code or "", "actor_id": f.actor_id or "", "event_id": f.event_id or "",
                "occurred_at": _when(f), "message": f.message, "details": json.loads(json.dumps(f.to_dict(), default=str)),
                "last_seen": seen_at, "retracted": False,
            }
            row = known.get(key)
            if row is None:
                created.append(Finding(unit=unit, key=key, first_seen=seen_at, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
        Finding.objects.bulk_create(created, batch_size=1000)
        gone = [k for k, row in known.items() if k not in fresh_keys and not row.retracted]
        Finding.objects.filter(unit=unit, key__in=gone).update(retracted=True, last_seen=seen_at)
        alerts = _raise_alerts(unit, created) if raise_alerts else 0
        summary = RunSummary(events=len(events), found=len(findings), new=len(created), retracted=len(gone),
                             alerts=alerts)
        record(Action.UPDATE, object_type="monitoring.run", object_repr=f"电子监察比对：{unit.name}", unit_id=unit.pk,
               changes=summary.as_dict())
    return summary


def _raise_alerts(unit, created: list[Finding]) -> int:
    """Yellow and red cards become alerts for the warning and disposal module;
    plain deadline warnings (预警) stay on the supervision screens."""
    from lianfang.alerts.models import Alert

    keys = [f.key for f in created if f.severity in ("yellow", "red")]
    alerts = [
        Alert(unit=unit, finding=f, level=f.severity, title=f.message[:200],
              detail=f"办件 {f.case_id}；规则 {f.details.get('rule_name', f.rule)}")
        for f in Finding.objects.filter(unit=unit, key__in=keys)
    ]
    Alert.objects.bulk_create(alerts)
    return len(alerts)
