"""Sending notifications. Other modules call `notify`; it never sends the same
key twice to one recipient, and mails a copy when e-mail is configured."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Level, Notification

log = logging.getLogger(__name__)


def email_enabled() -> bool:
    """E-mail copies go out when the deployment configured mail: a "default"
    mailer in MAILERS (Django 6.1+), or — the older settings — an explicit
    EMAIL_HOST. LIANFANG_NOTIFY_EMAIL = True / False overrides both."""
    explicit = getattr(settings, "LIANFANG_NOTIFY_EMAIL", None)
    if explicit is not None:
        return bool(explicit)
    if hasattr(settings, "MAILERS"):
        return "default" in settings.MAILERS
    # RemovedInDjango2028: the deprecated EMAIL_* settings. Only an explicitly
    # configured host counts; Django's built-in default ("localhost") does not.
    return settings.is_overridden("EMAIL_HOST")


def absolute(link: str) -> str:
    base = (getattr(settings, "LIANFANG_BASE_URL", "") or "").rstrip("/")
    if not link or link.startswith(("http://", "https://")) or not base:
        return link
    return base + link


def notify(*, person=None, user=None, title: str, body: str = "", link: str = "", level: str = Level.INFO,
           key: str = "", unit=None, email: bool = True) -> tuple[Notification | None, bool]:
    """Create a notification for a person (and their login, if any) or a user.
    Returns (notification, created); with a key already delivered to the
    recipient, returns the existing one and created False."""
    if person is None and user is None:
        raise ValueError("notify() needs a person or a user")
    if user is None and person is not None and person.user_id:
        user = person.user
    lookup = {"person": person} if person is not None else {"person__isnull": True, "recipient": user}
    if key:
        existing = Notification.objects.filter(key=key, **lookup).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                person=person, recipient=user, title=title[:200], body=body, link=link[:300], level=level, key=key,
                unit=unit if unit is not None else getattr(person, "unit", None),
            )
    except IntegrityError:  # a concurrent run delivered it first
        return Notification.objects.filter(key=key, **lookup).first(), False
    if email and email_enabled():
        send_email(note)
    return note, True


def send_email(note: Notification) -> bool:
    """Mail one notification to its recipient's address; failures are logged, not raised."""
    address = getattr(note.recipient, "email", "") if note.recipient_id else ""
    if not address:
        return False
    text = note.body
    if note.link:
        text += f"\n\n查看详情：{absolute(note.link)}"
    text += "\n\n——廉政风险防控管理平台（系统自动发送，请勿回复）"
    prefix = getattr(settings, "EMAIL_SUBJECT_PREFIX_LIANFANG", "【廉防】")
    try:
        EmailMessage(prefix + note.title, text, None, [address]).send()
    except Exception:  # noqa: BLE001 - a mail server outage must not stop the reminders
        log.exception("notification %s: e-mail to %s failed", note.pk, address)
        return False
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    note.emailed_at = timezone.now()
    return True


def mark_read(queryset) -> int:
    return queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
