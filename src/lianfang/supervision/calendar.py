"""Working-day calendar: weekends, public holidays and make-up working days (调休).

Days are "epoch days" in the calendar's local time zone: floor((utc_us + offset_us) / DAY_US).
Working-day arithmetic uses a cumulative count C(d) = number of working days in
[first supported day, d], so every question is a couple of array lookups, both
for NumPy (batch) and for plain lists (stream).
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .model import DAY_US, FlowModelError, os_reason

EPOCH = dt.date(1970, 1, 1)
FIRST_DAY = (dt.date(1900, 1, 1) - EPOCH).days
LAST_DAY = (dt.date(2200, 1, 1) - EPOCH).days  # exclusive
MIN_US = FIRST_DAY * DAY_US + 2 * DAY_US
MAX_US = LAST_DAY * DAY_US - 2 * DAY_US


class CalendarError(FlowModelError):
    pass


def _parse_offset(text: str) -> int:
    text = text.strip()
    if text in ("Z", "UTC"):
        return 0
    sign = -1 if text.startswith("-") else 1
    hh, mm = text.lstrip("+-").split(":")
    return sign * (int(hh) * 60 + int(mm)) * 60_000_000


def _expand(items: Iterable[Any], what: str) -> set[dt.date]:
    out: set[dt.date] = set()
    for it in items:
        try:
            if isinstance(it, str) and "/" in it:
                a, b = (dt.date.fromisoformat(x.strip()) for x in it.split("/"))
                d = a
                while d <= b:
                    out.add(d)
                    d += dt.timedelta(days=1)
            else:
                out.add(dt.date.fromisoformat(str(it).strip()))
        except ValueError as exc:
            raise CalendarError(f"日历 {what} 中的日期无效：{it!r}") from exc
    return out


class WorkCalendar:
    """A working-day calendar in one fixed UTC offset (China: +08:00, no DST)."""

    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
        weekend: Iterable[int] = (6, 7),
        offset_us: int = 8 * 3_600_000_000,
        name: str = "",
        provisional_years: Iterable[int] = (),
    ):
        self.name = name
        self.offset_us = int(offset_us)
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self.weekend = frozenset(int(x) for x in weekend)
        self.provisional_years = tuple(provisional_years)
        n = LAST_DAY - FIRST_DAY
        days = np.arange(FIRST_DAY, LAST_DAY, dtype=np.int64)
        iso_wd = (days + 3) % 7 + 1  # 1970-01-01 was a Thursday (ISO 4)
        work = ~np.isin(iso_wd, np.array(sorted(self.weekend), dtype=np.int64))
        for d in self.holidays:
            i = (d - EPOCH).days - FIRST_DAY
            if 0 <= i < n:
                work[i] = False
        for d in self.workdays:
            i = (d - EPOCH).days - FIRST_DAY
            if 0 <= i < n:
                work[i] = True
        self.work = work  # indexed by day - FIRST_DAY
        self.cum = np.cumsum(work, dtype=np.int64)
        self.work_l: list[bool] = work.tolist()
        self.cum_l: list[int] = self.cum.tolist()

    # ---- construction -------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: WorkCalendar | None = None) -> WorkCalendar:
        if not isinstance(data, Mapping):
            raise CalendarError("日历文件应为 JSON 对象")
        try:
            holidays = _expand(data.get("holidays") or (), "holidays")
            workdays = _expand(data.get("workdays") or (), "workdays")
            if data.get("extends") and base is not None:
                holidays = (set(base.holidays) - workdays) | holidays
                workdays = (set(base.workdays) - holidays) | workdays
                weekend = data.get("weekend", sorted(base.weekend))
                off = data.get("timezone_offset")
                offset = _parse_offset(off) if off else base.offset_us
            else:
                weekend = data.get("weekend", [6, 7])
                offset = _parse_offset(str(data.get("timezone_offset", "+08:00")))
        except (ValueError, TypeError) as exc:
            raise CalendarError(f"日历文件无效：{exc}") from exc
        return cls(
            holidays,
            workdays,
            weekend,
            offset,
            name=str(data.get("name", "")),
            provisional_years=data.get("provisional_years") or (),
        )

    @classmethod
    def load(cls, path: str | Path) -> WorkCalendar:
        """Load a calendar JSON file; with `"extends": true` it amends the default China calendar."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise CalendarError(f"无法读取日历文件 {path}：{os_reason(exc)}") from exc
        except json.JSONDecodeError as exc:
            raise CalendarError(f"日历文件不是合法 JSON：{exc.msg}") from exc
        return cls.from_mapping(data, base=default_calendar())

    # ---- queries ------------------------------------------------------------
    def day_of(self, ts_us: int) -> int:
        return (ts_us + self.offset_us) // DAY_US

    def is_working(self, day: int) -> bool:
        return self.work_l[day - FIRST_DAY]

    def cum_at(self, day: int) -> int:
        return self.cum_l[day - FIRST_DAY]

    def used(self, d0: int, d1: int) -> int:
        """Working days used from day d0 to day d1: the start day is not counted, the end day always is.

        u = 0 if d1 <= d0 else (#working days strictly between d0 and d1) + 1. A period of N working
        days is overrun iff u > N, i.e. the event happened after the end of the N-th working day
        after the start day.
        """
        if d1 <= d0:
            return 0
        c = self.cum_l
        return c[d1 - 1 - FIRST_DAY] - c[d0 - FIRST_DAY] + 1

    def deadline_day(self, d0: int, n: int) -> int:
        """The N-th working day after day d0 (the last day of an N-working-day period)."""
        target = self.cum_l[d0 - FIRST_DAY] + n
        return bisect_left(self.cum_l, target) + FIRST_DAY

    # vectorised variants
    def used_np(self, d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
        c = self.cum  # days are always inside the table: timestamps are range-checked on input
        return np.where(d1 > d0, c[d1 - 1 - FIRST_DAY] - c[d0 - FIRST_DAY] + 1, 0)

    def deadline_day_np(self, d0: np.ndarray, n: np.ndarray) -> np.ndarray:
        target = self.cum[d0 - FIRST_DAY] + n
        return np.searchsorted(self.cum, target, side="left") + FIRST_DAY

    def is_working_np(self, day: np.ndarray) -> np.ndarray:
        return self.work[day - FIRST_DAY]

    def __repr__(self) -> str:
        return f"WorkCalendar({self.name!r}, holidays={len(self.holidays)}, workdays={len(self.workdays)})"


_DEFAULT: WorkCalendar | None = None


def default_calendar() -> WorkCalendar:
    """The shipped China calendar 2025–2027 (2027 provisional, see the data file)."""
    global _DEFAULT
    if _DEFAULT is None:
        # a plain path, not importlib.resources (whose import costs ≈ 20 ms of CLI start-up)
        text = (Path(__file__).parent / "data" / "calendar_cn.json").read_text(encoding="utf-8")
        _DEFAULT = WorkCalendar.from_mapping(json.loads(text))
    return _DEFAULT


def resolve_calendar(calendar: WorkCalendar | str | Path | Mapping[str, Any] | None) -> WorkCalendar:
    if calendar is None:
        return default_calendar()
    if isinstance(calendar, WorkCalendar):
        return calendar
    if isinstance(calendar, Mapping):
        return WorkCalendar.from_mapping(calendar, base=default_calendar())
    return WorkCalendar.load(calendar)
