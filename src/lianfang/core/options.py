"""`<option>` lists rendered in Python.

A province-wide user picks from 2,000 units; rendering that many options
through the template engine's loop costs more than the rest of a list page."""

from html import escape

from django.utils.safestring import mark_safe


def options(choices, selected: str = "", empty_label: str | None = None):
    """Safe HTML of <option> elements for (value, label) pairs; `selected` is
    compared as text, like a GET parameter."""
    selected = str(selected or "")
    parts = [] if empty_label is None else [f'<option value="">{escape(str(empty_label))}</option>']
    for value, label in choices:
        value = str(value)
        mark = " selected" if value == selected else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(str(label))}</option>')
    return mark_safe("".join(parts))  # every value and label is escaped above
