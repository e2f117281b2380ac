"""Background jobs of the platform itself. Each module keeps its own tasks.py."""

from django.tasks import task

from lianfang.audit.services import verify_chain


@task
def verify_audit_chain() -> dict:
    """Re-check the audit chain (scheduled nightly in production)."""
    result = verify_chain()
    return {"ok": result.ok, "checked": result.checked, "bad_seq": result.bad_seq, "reason": result.reason}
