from django.tasks import task


@task
def evaluate_unit_task(unit_id: int, now: str | None = None) -> dict:
    """Re-check a unit's cases after new events arrived (or on the sweep timer)."""
    from lianfang.orgs.models import Unit

    from .evaluate import evaluate_unit

    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return {"skipped": "unit gone"}
    return evaluate_unit(unit, now=now).as_dict()


@task
def sweep_open_cases() -> dict:
    """Deadline warnings for open cases do not wait for the next event: the
    worker runs this sweep on a timer (`lianfang monitoring sweep --every 300`)."""
    from django.utils import timezone

    from .models import CaseEvent

    now = timezone.now().isoformat()
    unit_ids = list(CaseEvent.objects.values_list("unit_id", flat=True).distinct())
    for unit_id in unit_ids:
        evaluate_unit_task.call(unit_id, now)
    return {"units": len(unit_ids), "now": now}
