"""The level and review-status badges, rendered in Python: a list page shows
fifty of each, and an {% include %} per badge cost more than the rest of a row."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def level_badge(level, short=False, small=False):
    """高 · 一级 / 中 · 二级 / 低 · 三级 (just 高/中/低 when short); 未评级 when empty."""
    if not level:
        return format_html('<span class="text-muted small">{}</span>', _("未评级"))
    name, grade = {"high": (_("高"), _("一级")), "medium": (_("中"), _("二级"))}.get(level, (_("低"), _("三级")))
    text = name if short else f"{name} · {grade}"
    size = " lf-level-sm" if small else ""
    return format_html('<span class="lf-level lf-level-{}{}" data-level="{}">{}</span>', level, size, level, text)


@register.simple_tag
def status_badge(risk):
    return format_html('<span class="lf-rstatus lf-rstatus-{}" data-status="{}">{}</span>', risk.status,
                       risk.status, risk.get_status_display())
