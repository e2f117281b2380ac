"""Electronic supervision engine (电子监察): flowchart-based checks on administrative event logs.

Plain Python (no Django): usable from a worker, the CLI or a notebook.

    from lianfang.supervision import check_log, SupervisionStream, load_flows, read_events

See docs/supervision.md for the rules, their exact definitions and parameters.
"""

from .batch import check_log
from .calendar import CalendarError, WorkCalendar, default_calendar
from .events import Event, EventLog, Issue, LogError, parse_ts, read_csv, read_events, read_jsonl, read_xes
from .findings import RULES, SEVERITIES, Finding, FindingSet
from .model import DEFAULT_PARAMS, FlowModelError, FlowSet, load_flows
from .stream import SupervisionStream, run_stream

__all__ = [
    "DEFAULT_PARAMS",
    "RULES",
    "SEVERITIES",
    "CalendarError",
    "Event",
    "EventLog",
    "Finding",
    "FindingSet",
    "FlowModelError",
    "FlowSet",
    "Issue",
    "LogError",
    "SupervisionStream",
    "WorkCalendar",
    "check_log",
    "default_calendar",
    "load_flows",
    "parse_ts",
    "read_csv",
    "read_events",
    "read_jsonl",
    "read_xes",
    "run_stream",
]
