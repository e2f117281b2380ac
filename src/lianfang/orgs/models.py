"""The organisation: units in a tree, their departments and posts, the people who
hold the posts over time, who is in charge of which department, and the groups
(steering group, its office, discipline group, party group, higher-level
coordination group) that run and supervise the programme. See DOMAIN.md §1."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .codes import code_validator


class UnitKind(models.TextChoices):
    PARTY_GOVERNMENT = "party_gov", _("党政机关")
    PUBLIC_INSTITUTION = "institution", _("事业单位")
    STATE_ENTERPRISE = "enterprise", _("国有企业")
    TOWNSHIP = "township", _("乡镇街道")


class RankClass(models.TextChoices):
    """The rank classes the review chains and tiered responsibility follow."""

    HEAD = "head", _("主要负责人")
    LEADER = "leader", _("班子成员")
    DEPT_HEAD = "dept_head", _("科室负责人")
    STAFF = "staff", _("一般工作人员")


class DepartmentKind(models.TextChoices):
    BUSINESS = "business", _("业务科室")
    GENERAL = "general", _("综合科室")
    LEGAL = "legal", _("法制科室")
    DISCIPLINE = "discipline", _("纪检监察")
    SUBORDINATE = "subordinate", _("下属机构")


class GroupKind(models.TextChoices):
    STEERING = "steering", _("廉政风险防控工作领导小组")
    STEERING_OFFICE = "steering_office", _("领导小组办公室")
    DISCIPLINE = "discipline", _("纪检组")
    PARTY = "party", _("党组")
    COORDINATION = "coordination", _("上级指导协调小组")


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and everything below it, at any depth."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """A public body: 党政机关, 事业单位, 国有企业 or 乡镇街道, in a tree of any depth.

    `path` is a materialised path of primary keys ("/1/4/9/") so that a subtree is
    one indexed prefix query, whatever its depth."""

    code = models.CharField(_("单位编码"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("单位名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("单位性质"), max_length=20, choices=UnitKind.choices, default=UnitKind.PARTY_GOVERNMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=400, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            parent_path = self.parent.path if self.parent_id else "/"
            new_path = f"{parent_path}{self.pk}/"
            if new_path != old_path:
                depth = new_path.count("/") - 2
                Unit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
                self.path, self.depth = new_path, depth
                if old_path:
                    # Moving a unit moves its whole subtree.
                    for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                        child_path = new_path + child.path[len(old_path):]
                        Unit.objects.filter(pk=child.pk).update(path=child_path, depth=child_path.count("/") - 2)

    def clean(self):
        if self.parent_id and self.pk:
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位。")})
                ancestor = ancestor.parent

    def ancestors(self) -> list["Unit"]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p][:-1]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def descendant_ids(self) -> list[int]:
        return list(Unit.objects.subtree(self).values_list("pk", flat=True))


class Department(models.Model):
    """An internal department (内设机构: 科室 / 股室) of a unit."""

    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(_("科室编码"), max_length=40, validators=[code_validator])
    name = models.CharField(_("科室名称"), max_length=120)
    kind = models.CharField(_("科室类别"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.BUSINESS)
    duties = models.TextField(_("主要职责"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("内设机构")
        verbose_name_plural = _("内设机构")
        ordering = ["unit__path", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="department_code_unique_in_unit")]

    def __str__(self):
        return self.name


class Post(models.Model):
    """A post (岗位) in a department, or in the unit's leadership when it has no department."""

    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="posts")
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
        help_text=_("留空表示单位领导班子岗位"),
    )
    code = models.CharField(_("岗位编码"), max_length=40, validators=[code_validator])
    name = models.CharField(_("岗位名称"), max_length=120)
    duties = models.TextField(_("岗位职责"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["unit__path", "department__sort_order", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="post_code_unique_in_unit")]

    def __str__(self):
        return self.name

    @property
    def is_leadership(self) -> bool:
        return self.department_id is None

    def clean(self):
        if self.department_id and self.unit_id and self.department.unit_id != self.unit_id:
            raise ValidationError({"department": _("岗位所属科室必须属于同一单位。")})

    def current_holders(self):
        return Person.objects.filter(assignments__in=PostAssignment.objects.current().filter(post=self)).distinct()


class Person(models.Model):
    """A person working in a unit. Their posts change over time (PostAssignment);
    the login account, if any, is `user`."""

    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="people")
    code = models.CharField(_("人员编号"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("姓名"), max_length=60)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    rank_class = models.CharField(_("人员类别"), max_length=20, choices=RankClass.choices, default=RankClass.STAFF)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("在职"), default=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit__path", "code"]

    def __str__(self):
        return self.name

    def current_assignments(self):
        return self.assignments.current().select_related("post", "post__department")

    def current_posts(self):
        return Post.objects.filter(pk__in=self.assignments.current().values("post_id"))

    def clean(self):
        if self.user_id:
            clash = Person.objects.filter(user_id=self.user_id).exclude(pk=self.pk).first()
            if clash:
                raise ValidationError({"user": _("该登录账号已关联人员“%(name)s”。") % {"name": clash.name}})


class DatedQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(start_date__lte=on) | Q(start_date__isnull=True)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class DatedModel(models.Model):
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("留空表示至今"))

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("终止日期不能早于起始日期。")})

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return (self.start_date is None or self.start_date <= today) and (self.end_date is None or self.end_date >= today)


class PostAssignment(DatedModel):
    """A person holding a post for a period (任职). Ending an assignment keeps it:
    history is never lost when people change posts."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="assignments")
    post = models.ForeignKey(Post, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="assignments")
    is_primary = models.BooleanField(_("主岗"), default=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职记录")
        ordering = ["person", "-start_date"]

    def __str__(self):
        return f"{self.person} — {self.post}"

    def clean(self):
        super().clean()
        if self.person_id and self.post_id and self.person.unit_id != self.post.unit_id:
            raise ValidationError({"post": _("只能任本单位的岗位。")})


class Charge(DatedModel):
    """A leadership member in charge of (分管) a department."""

    person = models.ForeignKey(Person, verbose_name=_("分管领导"), on_delete=models.PROTECT, related_name="charges")
    department = models.ForeignKey(Department, verbose_name=_("分管科室"), on_delete=models.PROTECT, related_name="charges")

    class Meta:
        verbose_name = _("分管关系")
        verbose_name_plural = _("分管关系")
        ordering = ["person", "department"]

    def __str__(self):
        return f"{self.person} 分管 {self.department}"

    def clean(self):
        super().clean()
        if self.person_id and self.department_id:
            if self.person.unit_id != self.department.unit_id:
                raise ValidationError({"department": _("只能分管本单位的科室。")})
            if self.person.rank_class not in (RankClass.HEAD, RankClass.LEADER):
                raise ValidationError({"person": _("只有领导班子成员可以分管科室。")})


class OrgGroup(models.Model):
    """A group that runs or supervises the programme: the unit's steering group,
    its office, the discipline group and the party group, or a higher-level
    coordination group that oversees the whole subtree of `unit`."""

    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="groups")
    kind = models.CharField(_("类别"), max_length=20, choices=GroupKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("领导小组及监督机构")
        verbose_name_plural = _("领导小组及监督机构")
        ordering = ["unit__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="one_group_of_each_kind_per_unit")]

    def __str__(self):
        return self.name


class GroupRole(models.TextChoices):
    LEAD = "lead", _("组长")
    DEPUTY = "deputy", _("副组长")
    DIRECTOR = "director", _("主任")
    MEMBER = "member", _("成员")


class GroupMembership(DatedModel):
    group = models.ForeignKey(OrgGroup, verbose_name=_("小组"), on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("职务"), max_length=20, choices=GroupRole.choices, default=GroupRole.MEMBER)

    class Meta:
        verbose_name = _("小组成员")
        verbose_name_plural = _("小组成员")
        ordering = ["group", "role", "person"]

    def __str__(self):
        return f"{self.group}：{self.person}（{self.get_role_display()}）"

    def clean(self):
        super().clean()
        if self.group_id and self.person_id:
            group_unit = self.group.unit
            person_unit = self.person.unit
            # A coordination group may draw members from anywhere in its subtree;
            # the other groups are the unit's own people.
            if self.group.kind == GroupKind.COORDINATION:
                if not person_unit.path.startswith(group_unit.path):
                    raise ValidationError({"person": _("协调小组成员须来自本级或下级单位。")})
            elif person_unit.pk != group_unit.pk:
                raise ValidationError({"person": _("小组成员须为本单位人员。")})
