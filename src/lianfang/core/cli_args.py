"""Argument lookups shared by the management commands: a unit by code, a year,
an account. Each refuses with a one-line Chinese CommandError."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from lianfang.orgs.models import Unit


def unit_by_code(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(f"单位编码“{code}”不存在")
    return unit


def parse_year(value) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise CommandError(f"年度“{value}”无效，应为四位数年份，如 2026") from None
    if not 1949 <= year <= 2200:
        raise CommandError(f"年度“{value}”无效，应为四位数年份，如 2026")
    return year


def user_by_name(username):
    if not username:
        return None
    users = get_user_model()
    user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
    if user is None:
        raise CommandError(f"账号“{username}”不存在")
    return user
