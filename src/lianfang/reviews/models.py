"""Review chains (审核链): DOMAIN.md §5.

Who reviews an entry follows from its author's rank and its level of finding.
The chains are data (ChainRule rows, editable per unit), not code: each rule
lists reviewer roles in order, and `chains.py` resolves each role to people.
A reviewer approves or sends the entry back with reasons; a return restarts the
chain from the author, and every decision is kept."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.models import Person, Unit


class ReviewerRole(models.TextChoices):
    DEPT_HEAD = "dept_head", _("科室负责人")
    LEADER_IN_CHARGE = "leader_in_charge", _("分管领导")
    UNIT_HEAD = "unit_head", _("主要负责人")
    PEER_REVIEW = "peer_review", _("科室互查")
    STEERING_GROUP = "steering_group", _("领导小组")
    PARTY_GROUP = "party_group", _("党组")
    HIGHER_LEVEL = "higher_level", _("上级指导协调小组")


class ChainRule(models.Model):
    """`unit` empty = the default for every unit; a unit's own rule for the same
    (author rank, finding level) takes precedence."""

    ANY = "any"

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="chain_rules")
    author_rank = models.CharField(_("填报人类别"), max_length=20, help_text=_("head / leader / dept_head / staff / any"))
    finding_level = models.CharField(_("查找层级"), max_length=20, help_text=_("post / department / unit / leadership / any"))
    steps = models.JSONField(_("审核顺序"), help_text=_("审核角色列表，如 [\"dept_head\", \"leader_in_charge\"]"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("审核链规则")
        verbose_name_plural = _("审核链规则")
        ordering = ["unit__path", "author_rank", "finding_level"]
        constraints = [models.UniqueConstraint(fields=["unit", "author_rank", "finding_level"],
                                               name="one_chain_rule_per_case")]

    def __str__(self):
        return f"{self.author_rank}/{self.finding_level}: {' → '.join(self.steps)}"


class Decision(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    APPROVED = "approved", _("通过")
    RETURNED = "returned", _("退回")


class Review(models.Model):
    """One event in an entry's review history: a submission, an approval or a return."""

    risk = models.ForeignKey("risks.RiskPoint", verbose_name=_("风险点"), on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveIntegerField(_("轮次"), default=1)
    step = models.PositiveIntegerField(_("环节"), default=0, help_text=_("0 为提交，1 起为第几级审核"))
    role = models.CharField(_("审核角色"), max_length=30, blank=True)
    decision = models.CharField(_("结果"), max_length=20, choices=Decision.choices)
    reviewer = models.ForeignKey(Person, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reviews")
    reason = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["risk", "at", "pk"]

    def __str__(self):
        return f"{self.risk} {self.get_decision_display()}"
