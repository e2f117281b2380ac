"""Taking in case events from business systems (the HTTP bulk endpoint and the
command line share this).

A batch is parsed and checked event by event: malformed events are rejected one
by one with their reason, the good ones in the same batch are kept. Stored
events are idempotent by `event_id` within the unit, so a client that did not
get an answer (timeout, server killed) simply sends the same batch again."""

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.db import transaction

from lianfang.supervision.events import event_from_mapping

from .models import CaseEvent

MAX_EVENTS = 10_000
FIELD_LIMITS = {"event_id": 100, "case_id": 100, "power_code": 40, "step_code": 60, "actor_id": 100}


class BatchError(Exception):
    """The batch as a whole cannot be read (too large, wrong format)."""


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "rejected": self.rejected}


def parse_body(body: bytes, content_type: str) -> list[tuple[int, dict | None, str | None]]:
    """[(line number, record or None, reason when unreadable)]. JSON lines, a JSON
    array, or CSV with a header row."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BatchError("请求体不是 UTF-8 编码的文本。") from None
    kind = content_type.split(";")[0].strip().lower()
    stripped = text.lstrip()
    if kind == "text/csv" or (kind not in ("application/json", "application/x-ndjson", "application/jsonl")
                              and stripped and stripped[0] not in "[{"):
        return _parse_csv(text)
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BatchError(f"JSON 数组格式错误（第 {exc.lineno} 行）：{exc.msg}") from None
        return [(i, item if isinstance(item, dict) else None, None if isinstance(item, dict) else "不是 JSON 对象")
                for i, item in enumerate(items, 1)]
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, None, f"不是合法的 JSON：{exc.msg}"))
            continue
        rows.append((number, item, None) if isinstance(item, dict) else (number, None, "不是 JSON 对象"))
    return rows


def _parse_csv(text: str):
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise BatchError("CSV 缺少表头。")
    rows = []
    for number, row in enumerate(reader, 2):
        if None in row:
            rows.append((number, None, "列数多于表头"))
            continue
        rows.append((number, {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}, None))
    return rows


def _check(record: dict, allowed_powers: set[str] | None) -> tuple[dict | None, str | None]:
    try:
        event = event_from_mapping(record)
    except ValueError as exc:
        return None, str(exc)
    try:
        moment = dt.datetime.fromisoformat(str(record["timestamp"]).strip().replace("Z", "+00:00"))
    except ValueError:
        return None, f"时间格式无效：{record['timestamp']!r}"
    if moment.tzinfo is None:
        return None, "时间缺少时区偏移（应为 ISO 8601 格式，如 2026-03-01T09:30:00+08:00）"
    for name, limit in FIELD_LIMITS.items():
        value = getattr(event, name)
        if value is not None and len(value) > limit:
            return None, f"字段 {name} 超过 {limit} 个字符"
    if allowed_powers is not None and event.power_code not in allowed_powers:
        return None, f"职权编码 {event.power_code} 不属于本令牌所属单位"
    attributes = event.attrs
    if any(isinstance(v, dict | list) for v in attributes.values()):
        return None, "附加属性只能是文字或数字"
    return {
        "event_id": event.event_id, "case_id": event.case_id, "power_code": event.power_code,
        "step_code": event.step_code, "actor_id": event.actor_id or "", "timestamp": str(record["timestamp"]).strip(),
        "at": moment, "attributes": attributes,
    }, None


def store_events(unit, rows, *, token=None, allowed_powers: set[str] | None = None) -> IngestResult:
    """Check and store parsed rows. Returns only after the transaction committed,
    so an acknowledged event is on disk."""
    if len(rows) > MAX_EVENTS:
        raise BatchError(f"一次最多提交 {MAX_EVENTS} 条事件，本次 {len(rows)} 条，请分批提交。")
    result = IngestResult(received=len(rows))
    good: dict[str, dict] = {}
    for number, record, reason in rows:
        clean = None
        if record is not None:
            clean, reason = _check(record, allowed_powers)
        if clean is None:
            result.rejected.append({"line": number, "event_id": (record or {}).get("event_id"), "reason": reason})
        elif clean["event_id"] in good:
            result.duplicates += 1  # repeated inside the batch
        else:
            good[clean["event_id"]] = clean
    with transaction.atomic():
        from django.db import connection

        existing = set()
        ids = list(good)
        step = 900 if connection.vendor == "sqlite" else 100_000  # SQLite caps bound variables
        for start in range(0, len(ids), step):
            existing.update(CaseEvent.objects.filter(unit=unit, event_id__in=ids[start:start + step])
                            .values_list("event_id", flat=True))
        new = [values for key, values in good.items() if key not in existing]
        _insert(unit, token, new)
    result.duplicates += len(existing)
    result.stored = len(new)
    return result


INSERT_COLUMNS = ("unit_id", "token_id", "event_id", "case_id", "power_code", "step_code", "actor_id", "timestamp",
                  "at", "attributes", "received_at")


def _insert(unit, token, rows: list[dict]) -> None:
    """One multi-row statement per chunk, straight to the database: the ORM's
    bulk_create spends ~0.3 ms of Python per row, which is most of the budget of
    a 10,000-event batch. ON CONFLICT covers a concurrent resend of the batch."""
    if not rows:
        return
    from django.db import connection
    from django.utils import timezone

    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    conflict = "ON CONFLICT (unit_id, event_id) DO NOTHING"
    received = timezone.now()
    token_id = token.pk if token is not None else None
    if connection.vendor == "postgresql":
        # Eleven arrays instead of 110,000 placeholders: psycopg needs no query
        # splitting and PostgreSQL unnests them in one pass.
        data = [
            [unit.pk] * len(rows), [token_id] * len(rows), *([r[k] for r in rows] for k in INSERT_COLUMNS[2:8]),
            [r["at"] for r in rows], [json.dumps(r["attributes"], ensure_ascii=False, default=str) for r in rows],
            [received] * len(rows),
        ]
        types = ["bigint", "bigint", "text", "text", "text", "text", "text", "text", "timestamptz", "jsonb",
                 "timestamptz"]
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) {conflict}", data)
        return
    ops = connection.ops
    received = ops.adapt_datetimefield_value(received)
    values = [
        (unit.pk, token_id, r["event_id"], r["case_id"], r["power_code"], r["step_code"], r["actor_id"],
         r["timestamp"], ops.adapt_datetimefield_value(r["at"]), json.dumps(r["attributes"], ensure_ascii=False,
                                                                              default=str), received)
        for r in rows
    ]
    per_row = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(values), 800):  # SQLite caps the bound variables of one statement
            part = values[start:start + 800]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([per_row] * len(part))} {conflict}",
                           [v for row in part for v in row])


def unit_power_codes(unit) -> set[str]:
    """Codes a unit's token may report: its catalogue's powers and the codes its
    flowcharts carry."""
    from lianfang.flows.models import Flowchart
    from lianfang.powers.models import Power

    codes = set(Power.objects.filter(unit=unit).values_list("code", flat=True))
    for unlinked in Flowchart.objects.filter(unit=unit).values_list("unlinked_power_codes", flat=True):
        codes.update(unlinked or [])
    return codes
