from .context import acting


def client_ip(request) -> str | None:
    # Behind a reverse proxy set LIANFANG_TRUST_X_FORWARDED_FOR=1 (see docs).
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the request's user and address the actor of every entry it causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting(user=request.user, ip=client_ip(request)):
            return self.get_response(request)
