"""Risk list, dashboard and register export at county-programme scale.

Loads 200,000 risk points and 250,000 measures across 2,000 units (a city, ten
counties of ~199 bodies each; synthetic rows by bulk insert, see
bench/risks_data.py) into a scratch database — a SQLite file in a temporary
directory, and PostgreSQL too when --postgres URL is given (a scratch database
is created and dropped) — then reports the median and 95th percentile of:

- the risk list (/risks/ through the Django test client, filtered and paged, as
  a superuser and as a county-level user; the queryset as a list view builds it
  when lianfang.risks.views does not exist);
- the dashboard aggregation (lianfang.reports.dashboard.dashboard) and page;
- a 5,000-row register export (lianfang.reports.registers.build_register), when
  it exists;
- the quality checks of one unit against a county's scope (informational).

Targets: list and dashboard < 150 ms p95, export < 5 s. With --indexes the
same runs are repeated after creating the indexes proposed in
docs/performance.md ad hoc (models are not changed here).

    python -m bench.risks [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--indexes] [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"list": 0.150, "dashboard": 0.150, "export": 5.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def timed(fn, repeat: int, warmup: int = 2) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return {"median": statistics.median(samples), "p95": percentile(samples, 0.95), "n": repeat}


# ----------------------------------------------------------------------------- worker (inside Django)


def _list_cases(data):
    """Filtered and paged list requests: (name, query parameters)."""
    return [
        ("年度，第1页", {"year": "2026"}),
        ("年度+高等级，第3页", {"year": "2026", "level": "high", "page": "3"}),
        ("年度+类别+已确认，第2页", {"year": "2026", "category": str(data["category_ids"][1]), "status": "approved",
                                "page": "2"}),
        ("单位+年度", {"year": "2026", "unit": str(data["sample_unit"])}),
        ("关键词“采购”", {"year": "2026", "q": "采购"}),
    ]


def _list_via_queryset(user, params):
    """What a list view does when risks.views is missing: visible() + filters +
    select_related + count + one page of 50."""
    from django.core.paginator import Paginator
    from django.db.models import Q

    from lianfang.access.policy import visible
    from lianfang.risks.models import RiskPoint

    qs = visible(user, RiskPoint.objects.all()).select_related("unit", "post", "department", "category")
    if "year" in params:
        qs = qs.filter(year=int(params["year"]))
    if "unit" in params:
        qs = qs.filter(unit_id=int(params["unit"]))
    if "level" in params:
        qs = qs.filter(inherent_level=params["level"])
    if "category" in params:
        qs = qs.filter(category_id=int(params["category"]))
    if "status" in params:
        qs = qs.filter(status=params["status"])
    if "q" in params:
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(description__icontains=params["q"]))
    page = Paginator(qs.order_by("unit_id", "-year", "code"), 50).get_page(params.get("page"))
    return page.paginator.count, list(page.object_list)


def measure_all(data: dict, repeat: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from lianfang.access.policy import forget
    from lianfang.orgs.models import Unit
    from lianfang.reports import dashboard as agg

    users = get_user_model()
    people = {"超级管理员": users.objects.get(username="bench-admin"), "县级用户": users.objects.get(username="bench-county")}
    rows = []
    try:
        from lianfang.risks import views as risk_views  # noqa: F401

        use_client = True
    except ImportError:
        use_client = False
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        for name, params in _list_cases(data):
            if use_client:
                def run(params=params, client=client):
                    response = client.get("/risks/", params)
                    assert response.status_code == 200, response.status_code
            else:
                def run(params=params, user=user):
                    forget(user)
                    _list_via_queryset(user, params)
            result = timed(run, repeat)
            rows.append({"what": f"风险点列表 · {who} · {name}", "kind": "list", **result})

        def dash(user=user):
            forget(user)
            agg.dashboard(user, 2026)

        rows.append({"what": f"统计汇总（聚合）· {who}", "kind": "dashboard", **timed(dash, repeat)})
        if hasattr(agg, "figures"):
            # The stored per-unit figures make the reads above warm; a write makes
            # its unit's figures stale, and the first read after recomputes them.
            def after_write(user=user):
                agg.figures.mark_changed([(data["sample_unit"], 2026)])
                dash(user)

            rows.append({"what": f"统计汇总（聚合）· {who} · 某单位刚有改动", "kind": "dashboard",
                         **timed(after_write, repeat)})

            def cold(user=user):
                agg.figures.forget_all()
                dash(user)

            rows.append({"what": f"统计汇总（聚合）· {who} · 首次（全部重算）", "kind": "info",
                         **timed(cold, 3, warmup=0)})

        def dash_page(client=client):
            response = client.get("/reports/", {"year": "2026"})
            assert response.status_code == 200, response.status_code

        rows.append({"what": f"统计分析页面 · {who}", "kind": "dashboard", **timed(dash_page, repeat)})
    try:
        from lianfang.reports.registers import build_register
    except ImportError:
        rows.append({"what": "登记表导出（5,000 行）", "kind": "export", "skipped": "lianfang.reports.registers."
                     "build_register 尚不存在"})
    else:
        big = Unit.objects.get(pk=data["big_unit"])
        admin = people["超级管理员"]

        def export():
            build_register("catalogue", unit=big, year=2026, user=admin)

        rows.append({"what": "登记表导出（风险点目录 5,000 行，xlsx）", "kind": "export", **timed(export, 5, warmup=1)})
    from lianfang.risks import quality

    county_user = people["县级用户"]
    unit = Unit.objects.get(pk=data["sample_unit"])

    def check():
        forget(county_user)
        quality.check_unit(unit, 2026, user=county_user)

    rows.append({"what": f"质量检查（1 个单位，对照县级范围 {data['county_risks_2026']} 条查重）", "kind": "info",
                 **timed(check, 5, warmup=1)})
    return rows


def worker(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import risks_data

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    saved = Path(os.environ["LIANFANG_DATA_DIR"]) / f"bench-data-{connection.vendor}.json"
    if args.reuse and saved.exists():
        # A kept database from an earlier run (--reuse): skip the minutes of loading.
        data, load_seconds = json.loads(saved.read_text(encoding="utf-8")), 0.0
    else:
        started = time.perf_counter()
        data = risks_data.load(units=args.units, risks=args.risks, measures=args.measures)
        load_seconds = time.perf_counter() - started
        if args.reuse:
            saved.write_text(json.dumps(data), encoding="utf-8")
    risks_data.analyze()
    results = {"load_seconds": load_seconds, "data": data, "runs": []}
    results["runs"].append({"indexes": "模型现有索引", "rows": measure_all(data, args.repeat)})
    if args.indexes:
        risks_data.create_proposed_indexes()
        risks_data.analyze()
        results["runs"].append({"indexes": "加上建议索引", "rows": measure_all(data, args.repeat)})
    print("BENCH-JSON " + json.dumps(results, ensure_ascii=False, default=str), flush=True)


# ----------------------------------------------------------------------------- driver


def run_database(label: str, env: dict, args) -> dict:
    cmd = [sys.executable, "-m", "bench.risks", "--worker", "--units", str(args.units), "--risks", str(args.risks),
           "--measures", str(args.measures), "--repeat", str(args.repeat)]
    if args.indexes:
        cmd.append("--indexes")
    if args.reuse:
        cmd.append("--reuse=1")
    print(f"== {label}: loading {args.risks:,} risk points, {args.measures:,} measures, {args.units:,} units …",
          flush=True)
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
        raise SystemExit(f"{label}: worker failed")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH-JSON "))
    result = json.loads(line[len("BENCH-JSON "):])
    result["database"] = label
    return result


def report(results: list[dict]) -> None:
    for r in results:
        print(f"\n### {r['database']} — load {r['load_seconds']:.0f} s "
              f"({r['data']['risks']:,} risk points, {r['data']['measures']:,} measures, {r['data']['units']:,} units)")
        for run in r["runs"]:
            print(f"\n{run['indexes']}:")
            print(f"  {'':<58} {'median':>9} {'p95':>9}  target")
            for row in run["rows"]:
                if "skipped" in row:
                    print(f"  {row['what']:<58} skipped: {row['skipped']}")
                    continue
                target = TARGETS.get(row["kind"])
                mark = "" if target is None else ("ok" if row["p95"] < target else "OVER")
                tgt = "" if target is None else f"< {target * 1000:.0f} ms"
                print(f"  {row['what']:<58} {row['median'] * 1000:>7.0f}ms {row['p95'] * 1000:>7.0f}ms  {tgt} {mark}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--risks", type=int, default=200_000)
    parser.add_argument("--measures", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--indexes", action="store_true", help="repeat with the proposed indexes created ad hoc")
    parser.add_argument("--postgres", help="PostgreSQL server URL; a scratch database is created and dropped")
    parser.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL (with --postgres)")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--reuse", metavar="DIR", help="keep the databases (SQLite file in DIR, PostgreSQL database "
                        "lianfang_bench_reuse) and reuse them on the next run instead of loading again")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.reuse or scratch
        Path(tmp).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LIANFANG_DATA_DIR": tmp, "LIANFANG_TASK_BACKEND": "immediate",
               "LIANFANG_SECRET_KEY": "bench-only-not-secret", "DJANGO_SETTINGS_MODULE": "lianfang.settings",
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        env.pop("DATABASE_URL", None)
        env.pop("LIANFANG_DEBUG", None)
        if not args.skip_sqlite:
            results.append(run_database("SQLite", env, args))
        if args.postgres:
            import psycopg

            name = "lianfang_bench_reuse" if args.reuse else f"lianfang_bench_{uuid.uuid4().hex[:8]}"
            admin = args.postgres.replace("postgres://", "postgresql://", 1)
            with psycopg.connect(admin, autocommit=True) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{name}"')
            try:
                url = admin.rsplit("/", 1)[0] + "/" + name
                results.append(run_database("PostgreSQL", {**env, "DATABASE_URL": url}, args))
            finally:
                if not args.reuse:
                    with psycopg.connect(admin, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
