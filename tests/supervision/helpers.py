from __future__ import annotations

import datetime as dt

TZ = dt.timezone(dt.timedelta(hours=8))


def ts(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> str:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ).isoformat()


def ev(eid, case, step, actor, when, power="P1", **attrs):
    d = {"event_id": eid, "case_id": case, "power_code": power, "step_code": step, "actor_id": actor,
         "timestamp": when}
    d.update(attrs)
    return d


def comparable(findings):
    return sorted(((f.key, f.severity, f.message, f.value, f.limit, f.unit, f.related, f.extra, f.timestamp)
                   for f in findings), key=repr)
