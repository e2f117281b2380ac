"""HTTP ingestion throughput: events/s through POST /api/v1/events.

Starts gunicorn on a scratch database (SQLite file; PostgreSQL too when
--postgres URL is given), sends batches of 10,000 events from a few client
threads, and reports sustained events per second, acknowledged (= committed).

    python -m bench.ingest [--batches 30] [--clients 2] [--workers 2] [--postgres postgres://postgres@127.0.0.1:5432/test]
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

SETUP = """
from lianfang.orgs.models import Unit
from lianfang.powers.models import Catalogue, Power, PowerCategory
from lianfang.monitoring.models import IngestToken
unit = Unit.objects.create(code="BENCH", name="基准测试局")
cat = Catalogue.objects.create(unit=unit, year=2026)
Power.objects.create(catalogue=cat, code="QL-001", name="许可", category=PowerCategory.objects.first())
print(IngestToken.issue(unit, "bench")[1])
"""


def lianfang(env, *args) -> str:
    extra = ["--no-imports"] if args[0] == "shell" else []
    return subprocess.run([sys.executable, "-m", "lianfang", *args, *extra], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch(prefix: str, size: int) -> bytes:
    return "\n".join(json.dumps({
        "event_id": f"{prefix}-{i}", "case_id": f"{prefix}-C{i // 6}", "power_code": "QL-001",
        "step_code": f"S{i % 6}", "actor_id": f"A{i % 40}", "timestamp": "2026-03-01T10:00:00+08:00",
        "amount": i % 5000,
    }) for i in range(size)).encode()


def run(label: str, env: dict, batches: int, clients: int, workers: int) -> dict:
    lianfang(env, "migrate", "-v0")
    token = lianfang(env, "shell", "-c", SETUP).splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lianfang.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--timeout", "300"], env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        bodies = [batch(f"b{n}", 10_000) for n in range(batches)]
        latencies, stored = [], []
        lock = threading.Lock()

        def client(indexes):
            for n in indexes:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/events", data=bodies[n], method="POST",
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=300) as response:
                    answer = json.loads(response.read())
                with lock:
                    latencies.append(time.perf_counter() - started)
                    stored.append(answer["stored"])

        threads = [threading.Thread(target=client, args=(range(i, batches, clients),)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    latencies.sort()
    total = sum(stored)
    return {"database": label, "events": total, "seconds": round(elapsed, 2), "events_per_s": round(total / elapsed),
            "batch_p50_s": round(latencies[len(latencies) // 2], 3),
            "batch_p95_s": round(latencies[int(len(latencies) * 0.95) - 1], 3)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a scratch database is created and dropped")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LIANFANG_DATA_DIR": tmp, "LIANFANG_TASK_BACKEND": "database"}
        env.pop("DATABASE_URL", None)
        results.append(run("SQLite", env, args.batches, args.clients, args.workers))
        if args.postgres:
            import psycopg

            name = f"lianfang_bench_{uuid.uuid4().hex[:8]}"
            admin = args.postgres.replace("postgres://", "postgresql://", 1)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                results.append(run("PostgreSQL", {**env, "DATABASE_URL": args.postgres.rsplit("/", 1)[0] + "/" + name},
                                   args.batches, args.clients, args.workers))
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{'database':<11} {'events':>8} {'seconds':>8} {'events/s':>9} {'p50 batch':>10} {'p95 batch':>10}")
    for r in results:
        print(f"{r['database']:<11} {r['events']:>8} {r['seconds']:>8} {r['events_per_s']:>9} "
              f"{r['batch_p50_s']:>9}s {r['batch_p95_s']:>9}s")
    return results


if __name__ == "__main__":
    main()
