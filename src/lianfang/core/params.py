"""Numbers from query strings and form fields that are not Django forms.

`str.isdigit()` accepts "²" (which int() rejects) and any length (which the
database rejects: PostgreSQL raises on a bigint overflow, SQLite on anything
past 64 bits). Ids and years go through these instead; anything else is None,
which the pages treat as "no filter"."""

ID_MAX = 2**63 - 1
YEAR_MIN, YEAR_MAX = 2000, 2100


def int_param(value, lo: int = 1, hi: int = ID_MAX) -> int | None:
    """`value` as an int when it is plain ASCII digits within [lo, hi]."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if lo <= number <= hi else None


def year_param(value) -> int | None:
    return int_param(value, YEAR_MIN, YEAR_MAX)
