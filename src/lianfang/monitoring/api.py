"""The event API for business systems.

    POST /api/v1/events
    Authorization: Bearer <token>
    Content-Type: application/x-ndjson (JSON lines), application/json (an array) or text/csv

Up to 10,000 events per request. The answer comes only after the good events
are committed; it counts what was stored, what was already there (a resend),
and lists each rejected event with its line and reason."""



from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lianfang.audit.models import Action
from lianfang.audit.services import record

from .ingest import MAX_EVENTS, BatchError, parse_body, store_events, unit_power_codes
from .models import IngestToken

MAX_BODY = 16 * 1024 * 1024


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _token(request) -> IngestToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return (IngestToken.objects.select_related("unit")
            .filter(Q(revoked_at__isnull=True), digest=IngestToken.hash(value.strip())).first())


@csrf_exempt
@require_POST
def events(request):
    token = _token(request)
    if token is None:
        return _error(401, "令牌无效或已吊销。")
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        return _error(413, f"请求体过大：一次最多提交 {MAX_EVENTS} 条事件。")
    try:
        rows = parse_body(request.body, request.content_type or "")
        result = store_events(token.unit, rows, token=token, allowed_powers=unit_power_codes(token.unit))
    except BatchError as exc:
        return _error(413 if "最多" in str(exc) else 400, str(exc))
    IngestToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    record(Action.IMPORT, object_type="monitoring.batch", object_repr=f"事件接入：{token.name}",
           unit_id=token.unit_id, changes={k: v for k, v in result.as_dict().items() if k != "rejected"}
           | {"rejected": len(result.rejected)})
    if result.stored:
        from .tasks import evaluate_unit_task

        evaluate_unit_task.enqueue(token.unit_id)
    status = 200 if not result.rejected else 207
    return JsonResponse(result.as_dict(), status=status, json_dumps_params={"ensure_ascii": False})


def openapi(request):
    """A short machine-readable description for the business systems' developers."""
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Lianfang event API", "version": "1"},
        "paths": {"/api/v1/events": {"post": {
            "summary": "Submit up to 10,000 case events (JSON lines, JSON array or CSV); idempotent by event_id",
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "all stored or already present"},
                          "207": {"description": "some events rejected; the others stored"},
                          "400": {"description": "unreadable batch"}, "401": {"description": "bad token"},
                          "413": {"description": "too many events"}},
        }}},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
    return JsonResponse(spec, json_dumps_params={"ensure_ascii": False, "indent": 2})



