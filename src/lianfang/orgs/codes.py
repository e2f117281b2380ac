"""Stable codes: what imports key on and other systems refer to."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"

code_validator = RegexValidator(
    CODE_PATTERN,
    _("编码只能由字母、数字、“-”“_”“.”组成，且以字母或数字开头。"),
)
