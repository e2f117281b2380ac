"""Writing to and checking the audit trail. Everything goes through `record`."""

import datetime as dt
import ipaddress
from decimal import Decimal

from django.db import models, transaction

from . import chain
from .context import current
from .models import AuditEntry, AuditHead


def _json_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def _normalise_ip(ip):
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def _actor(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "", None
    person = getattr(user, "person", None) if hasattr(user, "_state") else None
    label = user.get_username()
    if person is not None:
        label = f"{person.name}（{label}）"
    return user.pk, label, (person.pk if person is not None else None)


def object_type_of(obj) -> str:
    return obj._meta.label_lower


def record(action, obj=None, *, changes=None, object_type=None, object_id=None, object_repr=None,
           unit_id=None, user=None, ip=None, force=False) -> AuditEntry | None:
    """Append one entry to the chain. Returns None when the context is muted."""
    ctx = current()
    if ctx.muted and not force:
        return None
    if obj is not None:
        from lianfang.access.registry import unit_id_of

        object_type = object_type or object_type_of(obj)
        object_id = object_id if object_id is not None else str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)
        if unit_id is None:
            unit_id = unit_id_of(obj)
    actor_id, actor_label, person_id = _actor(user if user is not None else ctx.user)
    entry = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "person_id": person_id,
        "ip": None if ctx.anonymous else _normalise_ip(ip if ip is not None else ctx.ip),
        "action": str(action),
        "object_type": object_type or "",
        "object_id": str(object_id or ""),
        "object_repr": (object_repr or "")[:200],
        "unit_id": unit_id,
        "changes": _json_value(changes or {}),
    }
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry["seq"] = head.seq + 1
        digest = chain.entry_hash(entry, head.hash)
        row = AuditEntry(
            **{**entry, "at": dt.datetime.fromisoformat(entry["at"])}, prev_hash=head.hash, hash=digest
        )
        row.save()
        AuditHead.objects.filter(pk=1).update(seq=entry["seq"], hash=digest)
    return row


def stored_form(row: dict) -> dict:
    """An entry as read back from the database, in the form it was hashed."""
    at = row["at"]
    if isinstance(at, dt.datetime):
        at = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return {**row, "at": at, "ip": _normalise_ip(row["ip"]), "object_id": str(row["object_id"])}


def verify_chain(batch_size: int = 5000) -> chain.VerifyResult:
    head = AuditHead.objects.filter(pk=1).first()
    fields = (*chain.HASHED_FIELDS, "prev_hash", "hash")

    def rows():
        last = 0
        while True:
            batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq").values(*fields)[:batch_size])
            if not batch:
                return
            for row in batch:
                yield stored_form(row)
            last = batch[-1]["seq"]

    return chain.verify(rows(), head.seq if head else 0, head.hash if head else chain.GENESIS)
