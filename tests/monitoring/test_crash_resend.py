"""No event is lost, or stored twice, when the server is killed in the middle of
a batch and the client sends the batch again. Runs a real gunicorn server on a
file database (SQLite, or a scratch PostgreSQL database when DATABASE_URL points
at PostgreSQL), kills it with SIGKILL while it handles a 10,000-event batch,
starts it again and resends."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.slow

SETUP = """
from lianfang.orgs.models import Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory
from lianfang.monitoring.models import IngestToken
unit = Unit.objects.create(code="U1", name="测试局")
cat = Catalogue.objects.create(unit=unit, year=2026)
Power.objects.create(catalogue=cat, code="QL-001", name="许可", category=PowerCategory.objects.first())
print(IngestToken.issue(unit, "压力测试")[1])
"""
COUNT = "from lianfang.monitoring.models import CaseEvent; print(CaseEvent.objects.count())"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server_env(tmp_path):
    env = {**os.environ, "LIANFANG_DATA_DIR": str(tmp_path), "LIANFANG_TASK_BACKEND": "immediate"}
    url = os.environ.get("DATABASE_URL", "")
    scratch = None
    if url.startswith("postgres"):
        import psycopg

        scratch = f"lianfang_crash_{uuid.uuid4().hex[:8]}"
        admin = url.replace("postgres://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + scratch
    else:
        env.pop("DATABASE_URL", None)
    yield env
    if scratch:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def lianfang(env, *args) -> str:
    return subprocess.run([sys.executable, "-m", "lianfang", *args] + (["--no-imports"] if args[0] == "shell" else []), env=env, check=True, capture_output=True,
                          text=True, timeout=300).stdout.strip()


def start_server(env, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lianfang.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--timeout", "120"], env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def send(port, token, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/events", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def test_kill_mid_batch_then_resend_loses_and_duplicates_nothing(server_env):
    lianfang(server_env, "migrate", "-v0")
    token = lianfang(server_env, "shell", "-c", SETUP).splitlines()[-1]
    body = "\n".join(json.dumps({
        "event_id": f"E{i}", "case_id": f"C{i // 5}", "power_code": "QL-001", "step_code": f"S{i % 5}",
        "actor_id": f"A{i % 7}", "timestamp": "2026-03-01T10:00:00+08:00", "amount": i,
    }) for i in range(10_000)).encode()
    port = free_port()
    server = start_server(server_env, port)
    outcome = {}

    def first_try():
        try:
            outcome["answer"] = send(port, token, body)
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            outcome["error"] = exc

    client = threading.Thread(target=first_try)
    client.start()
    time.sleep(0.05)  # the server is reading or writing the batch
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    client.join(timeout=60)
    stored_before = int(lianfang(server_env, "shell", "-c", COUNT))
    assert stored_before in (0, 10_000), "a batch is stored whole or not at all"

    server = start_server(server_env, port)
    try:
        answer = send(port, token, body)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert answer["stored"] + answer["duplicates"] == 10_000
    assert answer["duplicates"] == stored_before
    assert int(lianfang(server_env, "shell", "-c", COUNT)) == 10_000
