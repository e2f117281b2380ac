"""Rules about measures that the screens share. A measure that names a rule to
write or amend (`rule_name`, 000: "应列明具体名称和完成时间") is tracked until the
rule is issued: `record_rule_issued` records that date (`rule_done_at`)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Measure


class MeasureError(ValueError):
    """A change to a measure that cannot be made; the message says why, in Chinese."""


@transaction.atomic
def record_rule_issued(measure: Measure, issued_on: dt.date | None) -> Measure:
    """Record the date the measure's rule was issued (印发), or clear it with None.
    Refuses a measure that names no rule and a date after today. The change is
    audited by the model signals (rule_done_at before → after)."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not measure.rule_name.strip():
        raise MeasureError(_("该措施没有需要制定或修订的制度，不能登记制度印发日期。请先在风险点中填写制度名称。"))
    if issued_on is not None and issued_on > timezone.localdate():
        raise MeasureError(_("制度印发日期不能晚于今天（%(today)s）。制度印发后再登记。")
                           % {"today": timezone.localdate().isoformat()})
    if measure.rule_done_at != issued_on:
        measure.rule_done_at = issued_on
        measure.save(update_fields=["rule_done_at"])
    return measure
