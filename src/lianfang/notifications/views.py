"""The notification list: each user sees only what is addressed to them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Notification
from .services import mark_read


def _safe(request, url: str) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


@login_required
def notification_list(request):
    mine = Notification.objects.for_user(request.user)
    only_unread = request.GET.get("unread") == "1"
    shown = mine.unread() if only_unread else mine
    page = Paginator(shown.select_related("unit"), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "title": _("站内提醒"), "page": page, "only_unread": only_unread,
        "unread_count": mine.unread().count(), "total_count": mine.count(),
    })


@login_required
@require_POST
def mark_one_read(request, pk):
    note = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    mark_read(Notification.objects.filter(pk=note.pk))
    if request.POST.get("open") and _safe(request, note.link):
        return redirect(note.link)
    return redirect(_safe(request, request.POST.get("next", "")) or "notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    mark_read(Notification.objects.for_user(request.user))
    return redirect(_safe(request, request.POST.get("next", "")) or "notifications:list")
