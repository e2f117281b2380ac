"""Shared definitions of the cross-case (pattern) rules: periods, split windows, concentration stats.

Both engines use these definitions; the batch engine has vectorised equivalents in batch.py.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

from .model import DAY_US

_EPOCH = dt.date(1970, 1, 1)


_MONTHS: dict[int, int] = {}


def month_index(day: int) -> int:
    m = _MONTHS.get(day)
    if m is None:
        d = _EPOCH + dt.timedelta(days=day)
        m = _MONTHS[day] = (d.year - 1970) * 12 + d.month - 1
    return m


def period_of(ts_us: int, offset_us: int, months: int) -> int:
    """Concentration period id: calendar month/quarter/year of the local date, as months // k."""
    return month_index((ts_us + offset_us) // DAY_US) // months


def period_end_us(pid: int, offset_us: int, months: int) -> int:
    m = (pid + 1) * months
    d = dt.date(1970 + m // 12, m % 12 + 1, 1)
    return (d - _EPOCH).days * DAY_US - offset_us


def period_start_day(pid: int, months: int) -> int:
    """First local day (epoch day) of a period."""
    m = pid * months
    return (dt.date(1970 + m // 12, m % 12 + 1, 1) - _EPOCH).days


def period_label(pid: int, months: int) -> str:
    m = pid * months
    y, mo = 1970 + m // 12, m % 12 + 1
    if months == 1:
        return f"{y}年{mo}月"
    if months == 3:
        return f"{y}年第{(mo - 1) // 3 + 1}季度"
    return f"{y}年"


def split_flags(ts: list[int], window_us: int, k: int, k_red: int) -> tuple[list[bool], list[bool], list[int]]:
    """For sorted times of one (flowchart, supplier) group of near-threshold purchases.

    A purchase is flagged when some window [t_j, t_j + W] that contains it holds >= k purchases
    (red when >= k_red). `count` is the number of such purchases within +-W of it (for the message).
    """
    n = len(ts)
    ylw = [0] * (n + 1)
    red = [0] * (n + 1)
    for j in range(n):
        e = bisect_right(ts, ts[j] + window_us)
        c = e - j
        if c >= k:
            ylw[j] += 1
            ylw[e] -= 1
        if c >= k_red:
            red[j] += 1
            red[e] -= 1
    fy: list[bool] = []
    fr: list[bool] = []
    cnt: list[int] = []
    ay = ar = 0
    for i in range(n):
        ay += ylw[i]
        ar += red[i]
        fy.append(ay > 0)
        fr.append(ar > 0)
        cnt.append(bisect_right(ts, ts[i] + window_us) - bisect_left(ts, ts[i] - window_us))
    return fy, fr, cnt
