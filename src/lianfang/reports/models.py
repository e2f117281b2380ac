"""Stored per-unit and per-subtree dashboard figures (a cache the dashboard can trust).

The dashboard of a province covers thousands of units. Scanning hundreds of
thousands of risk points and measures on every view cannot stay under 150 ms,
so each (unit, year) keeps its partial figures here, and each unit with
children the sum over its subtree (reports.figures). Every write to a risk
point or measure bumps `generation` of the rows it affects in the same
transaction; a row whose `computed_generation` differs is stale and is
recomputed from its parts on the next read."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitYearFigures(models.Model):
    # Derived data, rebuilt at will: not a domain record, so not audited.
    audit_exempt = True

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    # False: the unit's own records; True: the unit and every unit below it.
    subtree = models.BooleanField(_("含下级单位"), default=False)
    generation = models.PositiveBigIntegerField(_("变更代次"), default=0)
    computed_generation = models.BigIntegerField(_("计算时代次"), default=-1)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    data = models.JSONField(_("汇总数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("单位年度汇总")
        verbose_name_plural = _("单位年度汇总")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "subtree"], name="figures_unit_year_uniq")]

    def __str__(self):
        return f"{self.unit_id}/{self.year}{'+' if self.subtree else ''}"
