"""Walk roles × objects × actions and fail on any difference from the expected
matrix (tests/access/matrix.py). `find_leaks` is also run against a policy with
a planted leak, to show that the walk catches one."""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model

from lianfang.access import policy, registry
from lianfang.access.policy import AUDIT, CHANGE, DELETE, EXPORT, VIEW
from lianfang.audit.models import AuditEntry
from lianfang.audit.services import record
from lianfang.orgs.models import Department, GroupMembership, Person, Post, PostAssignment, Unit

from . import matrix

USERS = sorted(matrix.ORG_VIEW)
ORG_MODELS = [Unit, Department, Post, Person]


def unit_codes() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "code"))


@contextmanager
def assignments_as_records():
    """Treat post assignments as a per-post record, to exercise the record rules
    with the data the foundation has (later modules register real records)."""
    saved = registry._registry[PostAssignment]
    registry.register(PostAssignment, unit="post__unit", department="post__department", post="post", kind="record")
    try:
        yield
    finally:
        registry._registry[PostAssignment] = saved


@pytest.fixture
def users(demo_org):
    get_user_model().objects.create_user("nobody", password="x-unused-123")
    # fuju leaves the steering group and the party group, so the matrix covers a
    # leader who sees only the departments in his charge (see test below for a member).
    GroupMembership.objects.filter(person__code="P1002").update(end_date=dt.date(2024, 12, 31))
    return {name: get_user_model().objects.get(username=name) for name in USERS}


def find_leaks(users, visible=policy.visible, can=policy.can) -> list[str]:
    problems = []
    codes = unit_codes()
    objects = {model: list(model.objects.all()) for model in ORG_MODELS}
    assignments = list(PostAssignment.objects.select_related("post__unit", "post__department"))
    entries = list(AuditEntry.objects.all())
    for name, user in users.items():
        policy.forget(user)
        for model in ORG_MODELS:
            shown = set(visible(user, model.objects.all()).values_list("pk", flat=True))
            for obj in objects[model]:
                unit = codes[registry.unit_id_of(obj)]
                expect_view = unit in matrix.ORG_VIEW[name]
                expect_change = unit in matrix.ORG_CHANGE[name]
                checks = {
                    "list": (obj.pk in shown, expect_view),
                    VIEW: (can(user, VIEW, obj), expect_view),
                    EXPORT: (can(user, EXPORT, obj), expect_view),
                    CHANGE: (can(user, CHANGE, obj), expect_change),
                    DELETE: (can(user, DELETE, obj), expect_change),
                    AUDIT: (can(user, AUDIT, obj), unit in matrix.AUDIT_VIEW[name]),
                }
                for action, (got, want) in checks.items():
                    if got != want:
                        problems.append(f"{name} {action} {model.__name__} {obj} [{unit}]: got {got}, want {want}")
        with assignments_as_records():
            shown = set(visible(user, PostAssignment.objects.all()).values_list("pk", flat=True))
            for a in assignments:
                key = (a.post.unit.code, a.post.department.code if a.post.department else None, a.post.code)
                want_view = matrix.record_view(name, *key)
                for action, got, want in (
                    ("list", a.pk in shown, want_view),
                    (VIEW, can(user, VIEW, a), want_view),
                    (CHANGE, can(user, CHANGE, a), matrix.record_change(name, *key)),
                ):
                    if got != want:
                        problems.append(f"{name} {action} record {a} {key}: got {got}, want {want}")
        audit_shown = set(visible(user, AuditEntry.objects.all()).values_list("pk", flat=True))
        for entry in entries:
            unit = codes.get(entry.unit_id)
            want = unit in matrix.AUDIT_VIEW[name] or entry.actor_id == user.pk or name == "admin"
            if (entry.pk in audit_shown) != want:
                problems.append(f"{name} audit entry #{entry.seq} [{unit}]: got {entry.pk in audit_shown}, want {want}")
    return problems


@pytest.mark.django_db
def test_no_role_sees_or_does_more_or_less_than_the_matrix(users):
    # Some audit entries in two peer units, and one by a staff member themself.
    record("export", Unit.objects.get(code="JZ-QS-MAJ"))
    record("export", Unit.objects.get(code="JZ-QS-SJJ"))
    record("export", Unit.objects.get(code="JZ-QS-SJJ"), user=users["keyuan"])
    assert find_leaks(users) == []


@pytest.mark.django_db
def test_the_walk_catches_a_planted_leak(users):
    def leaky_visible(user, queryset):
        # The kind of mistake the walk exists for: the department list forgets its scope.
        if queryset.model is Department:
            return queryset
        return policy.visible(user, queryset)

    leaks = find_leaks(users, visible=leaky_visible)
    assert leaks and all("Department" in leak for leak in leaks)
    assert any(leak.startswith("keyuan list Department") and "JZ-QS-SJJ" in leak for leak in leaks)


@pytest.mark.django_db
def test_the_walk_catches_a_wrong_action_rule(users):
    def lax_can(user, action, obj):
        return True if action == CHANGE else policy.can(user, action, obj)

    assert any(leak.startswith("keyuan change Unit") for leak in find_leaks(users, can=lax_can))


@pytest.mark.django_db
def test_a_post_change_takes_effect_and_history_stays(users, user_named):
    person = Person.objects.get(code="P1042")  # keyuan moves from 受理 to 培训考核
    old = PostAssignment.objects.get(person=person, post__code="SPK-SL")
    old.end_date = dt.date.today() - dt.timedelta(days=1)
    old.save()
    new_post = Post.objects.get(unit__code="JZ-QS-MAJ", code="SPK-PX")
    PostAssignment.objects.create(person=person, post=new_post, start_date=dt.date.today())
    keyuan = user_named("keyuan")
    with assignments_as_records():
        assert policy.can(keyuan, VIEW, PostAssignment.objects.filter(post=new_post).first())
        assert policy.scope_for(keyuan).posts == frozenset({new_post.pk})
    assert person.assignments.count() == 2  # the old post is history, not lost


@pytest.mark.django_db
def test_a_steering_group_member_sees_the_whole_unit_but_no_peer(demo_org, user_named):
    fuju = user_named("fuju")  # still a member of the steering group in the demo
    with assignments_as_records():
        units = set(policy.visible(fuju, PostAssignment.objects.all()).values_list("post__unit__code", flat=True))
        assert units == {"JZ-QS-MAJ"}
        finance = PostAssignment.objects.filter(post__code="CWK-KJ", post__unit__code="JZ-QS-MAJ").first()
        assert policy.can(fuju, VIEW, finance) and not policy.can(fuju, CHANGE, finance)
