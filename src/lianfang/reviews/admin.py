from django.contrib import admin

from . import models as m


@admin.register(m.ChainRule)
class ChainRuleAdmin(admin.ModelAdmin):
    list_display = ("unit", "author_rank", "finding_level", "steps", "note")
    list_filter = ("author_rank", "finding_level")
    search_fields = ("note",)


@admin.register(m.Review)
class ReviewAdmin(admin.ModelAdmin):
    """The review history is a record of decisions: read it here, make them in the review screens."""

    list_display = ("risk", "round", "step", "role", "decision", "reviewer", "at")
    list_filter = ("decision", "role")
    search_fields = ("risk__code", "risk__title", "reason")
    list_select_related = ("risk", "reviewer")
    readonly_fields = ("risk", "round", "step", "role", "decision", "reviewer", "reason", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
