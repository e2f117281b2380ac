"""Figures for the home page, always computed within the user's scope."""

from django.db.models import Count

from lianfang.access.policy import visible
from lianfang.orgs.models import Department, Person, Post, PostAssignment, RankClass, Unit


def home_figures(user) -> dict:
    people = visible(user, Person.objects.filter(is_active=True))
    posts = visible(user, Post.objects.filter(is_active=True))
    held = PostAssignment.objects.current().filter(post__in=posts).values("post_id").distinct().count()
    total_posts = posts.count()
    by_rank = dict(people.values_list("rank_class").annotate(n=Count("pk")).values_list("rank_class", "n"))
    return {
        "units": visible(user, Unit.objects.filter(is_active=True)).count(),
        "departments": visible(user, Department.objects.filter(is_active=True)).count(),
        "posts": total_posts,
        "vacant_posts": max(0, total_posts - held),
        "people": people.count(),
        "by_rank": [(label, by_rank.get(value, 0)) for value, label in RankClass.choices],
    }
