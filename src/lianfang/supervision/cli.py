"""`lianfang supervise --flows FLOWS.json EVENTS.csv --out FINDINGS.jsonl [--now ISO_TIME]`."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections import Counter
from pathlib import Path

from .batch import check_log
from .calendar import CalendarError, resolve_calendar
from .events import LogError, parse_ts, read_events
from .findings import RULES, SEVERITY_ZH
from .model import FlowModelError, load_flows, os_reason


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one Chinese line, exit 2, no usage dump
        sys.stderr.write(f"lianfang supervise：参数错误：{message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lianfang supervise", description="电子监察：按流程图检查事件日志，输出监察发现（JSON lines）")
    p.add_argument("events", help="事件日志（.csv / .xes / .jsonl / .ndjson）")
    p.add_argument("--flows", required=True, help="流程图 JSON（lianfang flows export 的输出）")
    p.add_argument("--out", required=True, help="输出文件（每行一个发现的 JSON）；- 表示标准输出")
    p.add_argument("--now", help="评估时点（ISO 8601）；给出时对未办结办件判断超期与预警")
    p.add_argument("--calendar", help="工作日历 JSON（覆盖内置的中国 2025–2027 日历）")
    p.add_argument("--params", help="规则参数 JSON（对所有流程图生效，流程图自身 params 优先）")
    p.add_argument("--summary", action="store_true", help="在标准错误输出按规则统计的数量")
    p.add_argument("--issues", help="把被拒绝的日志记录及原因写到此文件")
    return p


def _keep_freed_memory() -> None:
    """glibc only: reuse freed memory instead of handing it back to the kernel after each array.

    The batch engine's NumPy temporaries are megabytes each. By default glibc maps and unmaps them
    one by one, and the kernel zeroes the fresh pages every time (≈ 0.1–0.2 s of system time on a
    million events). Arrow allocates through the same heap (its default, mimalloc, keeps a heap of
    its own and returns freed pages to the kernel: the pages it gets back later are zeroed again —
    0.3–0.8 s of system time on the benchmark log, the largest single cost); one arena, so memory
    freed by the CSV reader's threads is reused by the engine. Other C libraries: nothing to do.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks up to 32 MiB come from the heap, not mmap
    mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to 1 GiB of free heap for reuse
    mallopt(-2, 64 << 20)  # M_TOP_PAD: grow the heap in 64 MiB steps
    mallopt(-8, 1)  # M_ARENA_MAX: one heap for all threads (Arrow's reader threads included)
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def main(argv: list[str] | None = None) -> int:
    _keep_freed_memory()
    # one pass over a log, then exit: the cyclic garbage collector would only re-scan the findings
    # and name lists being built (≈ 50 ms on a million events), so it is paused for the run
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if gc_was_on:
            gc.enable()


def _main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cal = resolve_calendar(args.calendar)
        config = None
        if args.params:
            try:
                config = json.loads(Path(args.params).read_text(encoding="utf-8-sig"))
            except OSError as exc:
                raise FlowModelError(f"无法读取参数文件 {args.params}：{os_reason(exc)}") from exc
            except json.JSONDecodeError as exc:
                raise FlowModelError(f"参数文件不是合法 JSON：{exc.msg}") from exc
            if not isinstance(config, dict):
                raise FlowModelError("参数文件应为 JSON 对象")
        flows = load_flows(Path(args.flows), config)
        now = None
        if args.now:
            try:
                now = parse_ts(args.now, cal.offset_us)
            except ValueError as exc:
                raise FlowModelError(f"--now 不是合法的 ISO 8601 时间：{args.now}") from exc
        log = read_events(args.events, cal.offset_us)
        findings = check_log(flows, log, now=now, calendar=cal)
        lines = [f.to_json() for f in findings]  # same text as json.dumps(f.to_dict(), ensure_ascii=False)
        text = "\n".join(lines) + ("\n" if lines else "")
        if args.out == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise LogError(f"无法写入输出文件 {args.out}：{os_reason(exc)}") from exc
        if args.issues:
            Path(args.issues).write_text("".join(f"{i}\n" for i in log.issues), encoding="utf-8")
    except (FlowModelError, CalendarError, LogError) as exc:
        sys.stderr.write(f"lianfang supervise：{exc}\n")
        return 1
    except MemoryError:
        sys.stderr.write("lianfang supervise：内存不足，无法完成监察\n")
        return 1
    for w in flows.warnings:
        sys.stderr.write(f"注意：{w}\n")
    if log.issues:
        sys.stderr.write(f"注意：跳过 {len(log.issues)} 条格式错误的记录，例如：{log.issues[0]}\n")
    if args.summary:
        by_rule = Counter(f.rule for f in findings)
        by_sev = Counter(f.severity for f in findings)
        sys.stderr.write(f"事件 {len(log)} 条，发现 {len(findings)} 项（"
                         + "，".join(f"{SEVERITY_ZH[s]} {by_sev[s]}" for s in ("warning", "yellow", "red")) + "）\n")
        for rule, cnt in sorted(by_rule.items(), key=lambda x: (-x[1], x[0])):
            sys.stderr.write(f"  {rule:<24} {RULES.get(rule, rule)}\t{cnt}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
