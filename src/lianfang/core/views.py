from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from lianfang.access.policy import visible
from lianfang.audit.models import AuditEntry
from lianfang.orgs.models import PostAssignment, Unit

from .figures import home_figures, quality_figures, sees_risk_points


@login_required
def home(request):
    user = request.user
    units = visible(user, Unit.objects.all())
    context = {
        "figures": home_figures(user),
        "quality_card": sees_risk_points(user),
        "units": units.order_by("path")[:12],
        "recent_audit": visible(user, AuditEntry.objects.all()).order_by("-seq")[:8],
        "my_posts": PostAssignment.objects.current()
        .filter(person__user=user)
        .select_related("post", "post__department", "post__unit"),
    }
    return render(request, "core/home.html", context)


@login_required
def home_quality(request):
    """The home page's 质量检查 card, loaded after the page (htmx): at a city's
    scope the checks take seconds, and the rest of the page should not wait."""
    return render(request, "core/_quality_card.html", {"quality": quality_figures(request.user)})


# The error pages say what happened in Chinese and nothing more: no paths, no
# stack traces, no object names.
@requires_csrf_token
def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def error_500(request):
    return render(request, "errors/500.html", status=500)



