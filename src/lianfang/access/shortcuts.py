from django.core.exceptions import PermissionDenied
from django.http import Http404

from .policy import can, visible


def get_visible_or_404(user, queryset_or_model, **lookup):
    """The object if the user may see it; 404 otherwise, so that the existence of
    another unit's object is never revealed."""
    queryset = getattr(queryset_or_model, "_default_manager", queryset_or_model)
    queryset = queryset.all() if hasattr(queryset, "all") else queryset
    obj = visible(user, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise PermissionDenied
