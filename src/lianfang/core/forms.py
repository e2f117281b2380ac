import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.audit.middleware import client_ip
from lianfang.audit.models import Action, AuditEntry


def recent_failures(username: str, ip: str | None) -> int:
    """Failed logins for this account, or from this address, inside the window.
    The audit trail already holds them, so no separate counter can drift."""
    since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, at__gte=since)
    by_user = recent.filter(object_repr=username[:150]).count() if username else 0
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return max(by_user, by_ip)


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。请注意区分大小写。"),
        "inactive": _("该账号已停用。"),
        "throttled": _("登录失败次数过多，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        if recent_failures(username, ip) >= settings.LOGIN_FAILURE_LIMIT:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)},
            )
        return super().clean()
