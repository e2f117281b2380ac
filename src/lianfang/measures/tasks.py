"""Background jobs of the measures module.

Scheduling: the reminders are meant to run once a day. Either the ops cron runs
`lianfang measures remind` (e.g. `30 7 * * * lianfang measures remind`), or it
runs `lianfang measures remind --enqueue` so that the worker (`lianfang worker`)
does the work. Running it more than once a day is harmless: every reminder is
keyed per measure, kind and date and is sent only once."""

from django.tasks import task


@task
def send_reminders_task(today: str | None = None) -> dict:
    """Deadline reminders for measures and rules (see measures/reminders.py)."""
    import datetime as dt

    from .reminders import send_reminders

    return send_reminders(dt.date.fromisoformat(today) if today else None)
