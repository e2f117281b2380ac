"""Background work through django.tasks: the default database queue drained by
`lianfang worker`, and RQ on the Redis that runs in CI, chosen by settings only."""

import socket
import uuid

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus, task_backends

from lianfang.core.tasks import verify_audit_chain
from lianfang.orgs.models import Unit


def redis_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_database_queue_runs_a_task_in_the_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    Unit.objects.create(code="T1", name="任务测试单位")
    result = verify_audit_chain.enqueue()
    assert result.status == TaskResultStatus.READY
    call_command("worker", burst=True, verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["ok"] is True and result.return_value["checked"] >= 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not redis_running(), reason="Redis is not running on 127.0.0.1:6379")
def test_rq_on_redis_runs_the_same_task(settings, monkeypatch):
    import django_rq
    import django_rq.settings
    from django_tasks_rq import Job
    from rq import SimpleWorker

    queue_name = f"lianfang-test-{uuid.uuid4().hex[:8]}"
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    queues = {name: {"URL": "redis://127.0.0.1:6379/15"} for name in (queue_name, "default")}
    settings.RQ_QUEUES = queues
    monkeypatch.setattr(django_rq.settings, "QUEUES", queues)  # django_rq reads the setting once, at import
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    assert type(task_backends["default"]).__name__ == "RQBackend"
    Unit.objects.create(code="T2", name="任务测试单位")
    result = verify_audit_chain.using(queue_name=queue_name).enqueue()
    queue = django_rq.get_queue(queue_name, job_class=Job)
    try:
        assert queue.count == 1
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value["ok"] is True
    finally:
        queue.empty()
        queue.delete(delete_jobs=True)
