import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lianfang.audit.models import Action, AuditEntry, AuditHead
from lianfang.audit.services import record, verify_chain
from lianfang.orgs.models import Department, Unit


@pytest.fixture
def trail(db):
    unit = Unit.objects.create(code="U1", name="测试局")
    department = Department.objects.create(unit=unit, code="D1", name="办公室")
    department.name = "综合办公室"
    department.save()
    record(Action.EXPORT, unit)
    return unit, department


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_changes_are_recorded_with_before_and_after(trail):
    unit, department = trail
    entries = list(AuditEntry.objects.filter(object_type="orgs.department").order_by("seq"))
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {"name": ["办公室", "综合办公室"]}
    assert entries[1].unit_id == unit.pk
    assert entries[0].changes["code"] == [None, "D1"]


def test_delete_is_recorded_with_what_was_there(trail):
    _, department = trail
    department.delete()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "delete" and entry.changes["name"] == ["综合办公室", None]


def test_fresh_chain_verifies_and_command_says_so(trail, capsys):
    assert verify_chain().ok
    call_command("audit", "verify")
    assert "审计链完好" in capsys.readouterr().out


def test_an_edited_entry_is_named(trail):
    target = AuditEntry.objects.get(seq=3)
    raw("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    result = verify_chain()
    assert not result.ok and result.bad_seq == 3 and "内容" in result.reason
    with pytest.raises(CommandError, match="第 3 条"):
        call_command("audit", "verify")


def test_an_edited_change_set_is_caught(trail):
    target = AuditEntry.objects.get(seq=4)
    raw("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"name": ["x", "y"]}', target.pk])
    assert verify_chain().bad_seq == 4


def test_a_deleted_entry_is_caught(trail):
    raw("DELETE FROM audit_auditentry WHERE seq = 2")
    result = verify_chain()
    assert not result.ok and result.bad_seq == 2


def test_deleting_the_newest_entry_is_caught(trail):
    newest = AuditHead.objects.get().seq
    raw("DELETE FROM audit_auditentry WHERE seq = %s", [newest])
    result = verify_chain()
    assert not result.ok and result.bad_seq == newest


def test_reordered_entries_are_caught(trail):
    first, second = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=3)
    raw("UPDATE audit_auditentry SET seq = 999999 WHERE id = %s", [first.pk])
    raw("UPDATE audit_auditentry SET seq = 2 WHERE id = %s", [second.pk])
    raw("UPDATE audit_auditentry SET seq = 3 WHERE id = %s", [first.pk])
    result = verify_chain()
    assert not result.ok and result.bad_seq == 2


def test_a_rehashed_forgery_is_still_caught_by_the_next_entry(trail):
    """Recomputing the forged entry's own hash is not enough: the next entry
    links to the old one."""
    from lianfang.audit import chain
    from lianfang.audit.services import stored_form

    target = AuditEntry.objects.get(seq=2)
    forged = stored_form({f: getattr(target, f) for f in (*chain.HASHED_FIELDS, "prev_hash", "hash")})
    forged["object_repr"] = "伪造"
    raw("UPDATE audit_auditentry SET object_repr = %s, hash = %s WHERE id = %s",
        ["伪造", chain.entry_hash(forged, target.prev_hash), target.pk])
    result = verify_chain()
    assert not result.ok and result.bad_seq == 3


def test_entries_cannot_be_changed_through_the_orm(trail):
    entry = AuditEntry.objects.first()
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
