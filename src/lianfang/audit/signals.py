"""Record every create, change and delete of a domain object, and every login.

Bulk querysets (update(), bulk_create()) bypass model signals; services that use
them write a summary entry with `services.record` themselves."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .context import current
from .models import Action
from .services import record

# Apps whose models are domain objects. Later modules add their label here.
AUDITED_APPS = {
    "orgs", "access", "powers", "flows", "risks", "measures", "reviews", "portal",
    "supervision", "monitoring", "alerts", "assessments", "reports", "notifications",
}
# Never written into the trail: secrets and bookkeeping noise.
HIDDEN_FIELDS = {"password"}
IGNORED_FIELDS = {"last_login", "path", "depth"}


def _audited(sender) -> bool:
    if sender.__module__ == "__fake__":  # historical models inside migrations
        return False
    meta = sender._meta
    if meta.label_lower == get_user_model()._meta.label_lower:
        return True
    return meta.app_label in AUDITED_APPS and not getattr(sender, "audit_exempt", False)


def snapshot(instance) -> dict:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        value = getattr(instance, field.attname)
        if field.name in HIDDEN_FIELDS:
            value = "******" if value else ""
        elif hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
            value = value.name or ""
        values[field.attname] = value
    return values


@receiver(pre_save, dispatch_uid="audit_pre_save")
def remember_before(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender) or current().muted:
        return
    before = None
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        before = snapshot(old) if old is not None else None
    instance._audit_before = before


@receiver(post_save, dispatch_uid="audit_post_save")
def record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender) or current().muted:
        return
    before = getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    if created or before is None:
        record(Action.CREATE, instance, changes={k: [None, v] for k, v in after.items() if v not in (None, "")})
        return
    from .services import _json_value

    diff = {k: [before.get(k), v] for k, v in after.items() if _json_value(before.get(k)) != _json_value(v)}
    if diff:
        record(Action.UPDATE, instance, changes=diff)


@receiver(post_delete, dispatch_uid="audit_post_delete")
def record_delete(sender, instance, **kwargs):
    if not _audited(sender) or current().muted:
        return
    record(Action.DELETE, instance, changes={k: [v, None] for k, v in snapshot(instance).items() if v not in (None, "")})


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    record(Action.LOGIN, user, user=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        record(Action.LOGOUT, user, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(Action.LOGIN_FAILED, object_type="auth.user", object_id="", object_repr=username, force=True)
