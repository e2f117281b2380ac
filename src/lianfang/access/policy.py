"""Who may see and do what: the one place that decides it.

Every list, detail, export and API call asks `visible()` for its queryset and
`can()` for the object it is about to show or change. The rules (DOMAIN.md §1):

- a person sees their own unit's structure, and its records as far as their rank
  allows: staff their own posts, department heads their departments, leaders the
  departments in their charge, the unit head the whole unit;
- the steering group, its office, the party group and the discipline group see
  their whole unit; a higher-level coordination group sees its whole subtree;
- nobody sees a peer unit;
- the structure is changed by the steering-group office of the unit (and system
  administrators); supervisors (discipline, party, coordination groups) read.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .registry import department_id_of, paths_for, post_id_of, unit_id_of

VIEW, ADD, CHANGE, DELETE, EXPORT, AUDIT = "view", "add", "change", "delete", "export", "audit"
ACTIONS = (VIEW, ADD, CHANGE, DELETE, EXPORT, AUDIT)


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    person_id: int | None = None
    superuser: bool = False
    member_units: frozenset = field(default_factory=frozenset)  # where the person works
    full_units: frozenset = field(default_factory=frozenset)  # every record visible
    edit_units: frozenset = field(default_factory=frozenset)  # may change any record (head, office)
    departments: frozenset = field(default_factory=frozenset)  # records of these departments
    posts: frozenset = field(default_factory=frozenset)  # records of these posts
    oversight_units: frozenset = field(default_factory=frozenset)  # may read the audit trail
    manage_units: frozenset = field(default_factory=frozenset)  # may change the structure
    roles: frozenset = field(default_factory=frozenset)

    @property
    def org_units(self) -> frozenset:
        return self.member_units | self.full_units

    @property
    def is_empty(self) -> bool:
        return not (self.superuser or self.org_units or self.departments or self.posts)


NOBODY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_lianfang_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._lianfang_scope = scope
    return scope


def forget(user) -> None:
    if hasattr(user, "_lianfang_scope"):
        del user._lianfang_scope


def _compute(user) -> Scope:
    from lianfang.orgs.models import (
        Charge,
        GroupKind,
        GroupMembership,
        Person,
        PostAssignment,
        RankClass,
        Unit,
    )

    if user.is_superuser:
        return Scope(user_id=user.pk, superuser=True, roles=frozenset({"admin"}))
    person = Person.objects.filter(user=user, is_active=True).select_related("unit").first()
    if person is None:
        return Scope(user_id=user.pk)
    member, full, edit, oversight, manage = {person.unit_id}, set(), set(), set(), set()
    departments, posts, roles = set(), set(), {person.rank_class}

    for post_id, department_id in PostAssignment.objects.current().filter(person=person).values_list(
        "post_id", "post__department_id"
    ):
        posts.add(post_id)
        if person.rank_class == RankClass.DEPT_HEAD and department_id:
            departments.add(department_id)
    if person.rank_class == RankClass.HEAD:
        full.add(person.unit_id)
        edit.add(person.unit_id)
    if person.rank_class in (RankClass.HEAD, RankClass.LEADER):
        departments.update(Charge.objects.current().filter(person=person).values_list("department_id", flat=True))

    for kind, unit_id, unit_path in GroupMembership.objects.current().filter(person=person).values_list(
        "group__kind", "group__unit_id", "group__unit__path"
    ):
        roles.add(kind)
        if kind == GroupKind.COORDINATION:
            subtree = set(Unit.objects.filter(path__startswith=unit_path).values_list("pk", flat=True))
            full |= subtree
            oversight |= subtree
            continue
        full.add(unit_id)
        if kind in (GroupKind.STEERING_OFFICE, GroupKind.DISCIPLINE):
            oversight.add(unit_id)
        if kind == GroupKind.STEERING_OFFICE:
            manage.add(unit_id)
            edit.add(unit_id)
    return Scope(
        user_id=user.pk, person_id=person.pk, member_units=frozenset(member), full_units=frozenset(full),
        edit_units=frozenset(edit), departments=frozenset(departments), posts=frozenset(posts),
        oversight_units=frozenset(oversight), manage_units=frozenset(manage), roles=frozenset(roles),
    )


def _in(path: str, ids) -> Q:
    # any_in (core.lookups): one array parameter on PostgreSQL, not 200 placeholders.
    return Q(**{path + "__any_in": ids})


def visible(user, queryset: QuerySet) -> QuerySet:
    """Narrow a queryset to what the user may see. Unregistered models raise."""
    scope = scope_for(user)
    if scope.superuser:
        return queryset
    paths = paths_for(queryset.model)
    if scope.is_empty and paths.kind != "audit":
        return queryset.none()
    if paths.kind in ("org", "shared"):
        return queryset.filter(_in(paths.unit, scope.org_units))
    if paths.kind == "oversight":
        return queryset.filter(_in(paths.unit, scope.oversight_units | scope.edit_units))
    if paths.kind == "audit":
        condition = _in(paths.unit, scope.oversight_units)
        if paths.actor and scope.user_id:
            condition |= Q(**{paths.actor: scope.user_id})
        return queryset.filter(condition)
    condition = _in(paths.unit, scope.full_units)
    if paths.department:
        condition |= _in(paths.department, scope.departments)
    if paths.post:
        condition |= _in(paths.post, scope.posts)
    return queryset.filter(condition)


def _sees(scope: Scope, obj) -> bool:
    paths = paths_for(obj)
    unit_id = unit_id_of(obj)
    if paths.kind in ("org", "shared"):
        return unit_id in scope.org_units
    if paths.kind == "oversight":
        return unit_id in scope.oversight_units or unit_id in scope.edit_units
    if paths.kind == "audit":
        return unit_id in scope.oversight_units or (
            paths.actor is not None and getattr(obj, paths.actor) == scope.user_id and scope.user_id is not None
        )
    return (
        unit_id in scope.full_units
        or (paths.department is not None and department_id_of(obj) in scope.departments)
        or (paths.post is not None and post_id_of(obj) in scope.posts)
    )


def can(user, action: str, obj) -> bool:
    """May the user perform `action` on `obj`? For ADD, pass an unsaved object
    whose unit (and department/post) is already set."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    scope = scope_for(user)
    if scope.superuser:
        return True
    if scope.is_empty:
        return False
    paths = paths_for(obj)
    unit_id = unit_id_of(obj)
    if action in (VIEW, EXPORT):
        return _sees(scope, obj)
    if action == AUDIT:
        return unit_id in scope.oversight_units
    if paths.kind == "audit":
        return False  # the trail is append-only for everyone
    if paths.kind == "org":
        return unit_id in scope.manage_units
    if paths.kind == "oversight":
        return unit_id in scope.oversight_units or unit_id in scope.edit_units
    # Records: the unit head and the office edit the whole unit; department heads
    # and leaders their departments; staff their own posts' records.
    return (
        unit_id in scope.edit_units
        or (paths.department is not None and department_id_of(obj) in scope.departments)
        or (paths.post is not None and post_id_of(obj) in scope.posts)
    )


def can_manage_unit(user, unit) -> bool:
    scope = scope_for(user)
    return scope.superuser or unit.pk in scope.manage_units


def can_audit_unit(user, unit_id) -> bool:
    scope = scope_for(user)
    return scope.superuser or unit_id in scope.oversight_units


def record_units(user):
    """The units in which the user may see at least some records: their whole
    units, and the units of the departments and posts they see records of."""
    from lianfang.orgs.models import Department, Post, Unit

    scope = scope_for(user)
    if scope.superuser:
        return Unit.objects.all()
    return Unit.objects.filter(
        Q(pk__in=scope.full_units)
        | Q(pk__in=Department.objects.filter(pk__in=scope.departments).values("unit_id"))
        | Q(pk__in=Post.objects.filter(pk__in=scope.posts).values("unit_id"))
    )
