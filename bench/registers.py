"""Register export and import at scale: a 5,000-row register must export in < 5 s.

Builds a scratch database (SQLite in a temporary data directory, or the URL in
--database), loads the demo organisation, creates N post-level risk points with
three measures and two discovery methods each, then times the xlsx export (and
the queries it runs), the catalogue export, and the import of the exported file.

    python -m bench.registers [--rows 5000] [--database postgres://…]
"""

import argparse
import os
import sys
import tempfile
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database", help="DATABASE_URL (default: a scratch SQLite file)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first export")
    args = parser.parse_args(argv)
    os.environ["LIANFANG_DATA_DIR"] = tempfile.mkdtemp(prefix="lf-bench-registers-")
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from lianfang.audit.context import acting
    from lianfang.demo import orgs
    from lianfang.measures.models import Line, Measure
    from lianfang.orgs.models import Person, Post, Unit
    from lianfang.reports.register_import import import_register
    from lianfang.reports.registers import build_register
    from lianfang.risks.models import DiscoveryMethod, FindingLevel, RiskCategory, RiskPoint

    with acting(muted=True):
        orgs.load()
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    posts = list(Post.objects.filter(unit=unit, department__isnull=False))
    categories = list(RiskCategory.objects.all())
    head = Person.objects.get(code="P1001")
    t0 = time.perf_counter()
    risks = [RiskPoint(unit=unit, year=2026, code=f"B-{i:05d}", finding_level=FindingLevel.POST, post=post,
                       department_id=post.department_id, title=f"{post.name}风险点{i}",
                       description=f"利用{post.name}职务便利谋取私利的可能表现之{i}；收受管理服务对象财物",
                       category=categories[i % len(categories)], inherent_level=("high", "medium", "low")[i % 3],
                       residual_level=("high", "medium", "low")[i % 3], responsible=head)
             for i, post in ((i, posts[i % len(posts)]) for i in range(args.rows))]
    RiskPoint.objects.bulk_create(risks, batch_size=1000)
    risks = list(RiskPoint.objects.filter(unit=unit, year=2026))
    Measure.objects.bulk_create(
        [Measure(risk=r, content=text, line=line, kind="rules", sort_order=n)
         for r in risks for n, (text, line) in enumerate([
             ("开展岗位廉政教育，签订廉政承诺书", Line.PREVENTION), ("每季度抽查办理情况并公示", Line.MONITORING),
             ("发现违规严肃追究责任", Line.DISPOSAL)])], batch_size=2000)
    through = RiskPoint.discovery.through
    methods = list(DiscoveryMethod.objects.all()[:2])
    through.objects.bulk_create([through(riskpoint_id=r.pk, discoverymethod_id=m.pk) for r in risks for m in methods],
                                batch_size=2000)
    print(f"setup: {len(risks)} risk points, {Measure.objects.count()} measures in {time.perf_counter() - t0:.1f} s")

    results = []
    for kind in ("post", "post_measures"):
        with CaptureQueriesContext(connection) as queries:
            t, cpu = time.perf_counter(), time.process_time()
            if args.profile and kind == "post":
                import cProfile
                import pstats

                profile = cProfile.Profile()
                data = profile.runcall(build_register, kind, unit=unit, year=2026)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            else:
                data = build_register(kind, unit=unit, year=2026)
            elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        results.append((kind, elapsed, len(queries), len(data)))
        print(f"export {kind:<14} {args.rows} rows: {elapsed:.2f} s wall, {cpu:.2f} s CPU, {len(queries)} queries, "
              f"{len(data) // 1024} KiB  (target < 5 s; wall time suffers when the machine is busy)")
        if kind == "post":
            exported = data
    t = time.perf_counter()
    report = import_register(exported, unit=unit, year=2027)
    print(f"import check   {report.risk_points} rows: {time.perf_counter() - t:.2f} s, "
          f"{len(report.problems)} problems")
    t = time.perf_counter()
    report = import_register(exported, unit=unit, year=2027, commit=True)
    print(f"import commit  {report.risk_points} rows, {report.measures} measures: {time.perf_counter() - t:.2f} s")
    return 0 if all(elapsed < 5 for _, elapsed, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
