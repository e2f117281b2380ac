from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from lianfang.access.policy import scope_for, visible
from lianfang.access.shortcuts import get_visible_or_404
from lianfang.orgs.models import Person

from .models import Action, AuditEntry

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def entry_list(request):
    scope = scope_for(request.user)
    if not (scope.superuser or scope.oversight_units):
        raise PermissionDenied
    entries = visible(request.user, AuditEntry.objects.all())
    action = request.GET.get("action", "")
    if action in Action.values:
        entries = entries.filter(action=action)
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(object_repr__icontains=query) | entries.filter(actor_label__icontains=query)
    return render(request, "audit/list.html", {
        "page": _page(request, entries), "actions": Action.choices, "action": action, "q": query,
        "title": "审计日志",
    })


@login_required
def object_trail(request, object_type, object_id):
    entries = visible(request.user, AuditEntry.objects.filter(object_type=object_type, object_id=object_id))
    page = _page(request, entries)
    if not page.object_list:
        raise PermissionDenied
    return render(request, "audit/list.html", {
        "page": page, "title": f"对象变更记录：{page.object_list[0].object_repr}", "narrow": True,
    })


@login_required
def person_trail(request, person_id):
    person = get_visible_or_404(request.user, Person, pk=person_id)
    entries = AuditEntry.objects.none()
    if person.user_id:
        entries = visible(request.user, AuditEntry.objects.filter(actor_id=person.user_id))
    return render(request, "audit/list.html", {
        "page": _page(request, entries), "title": f"人员操作记录：{person.name}", "narrow": True, "person": person,
    })
