from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import models as m
from .services import StillReferenced, delete_refusing_references


class RefusingDeleteMixin:
    """Deleting something still referred to is refused with the reason, in the
    admin as everywhere else; bulk delete goes one by one for the same reason."""

    def delete_model(self, request, obj):
        try:
            delete_refusing_references(obj)
        except StillReferenced as exc:
            messages.error(request, str(exc))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class DepartmentInline(admin.TabularInline):
    model = m.Department
    extra = 0
    fields = ("code", "name", "kind", "sort_order", "is_active")


@admin.register(m.Unit)
class UnitAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
    inlines = [DepartmentInline]


@admin.register(m.Department)
class DepartmentAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "unit", "kind", "is_active")
    list_filter = ("kind", "unit")
    search_fields = ("code", "name")


@admin.register(m.Post)
class PostAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "unit", "department", "is_active")
    list_filter = ("unit",)
    search_fields = ("code", "name")


class AssignmentInline(admin.TabularInline):
    model = m.PostAssignment
    extra = 0
    autocomplete_fields = ("post",)


class ChargeInline(admin.TabularInline):
    model = m.Charge
    extra = 0


@admin.register(m.Person)
class PersonAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "unit", "title", "rank_class", "user", "is_active")
    list_filter = ("rank_class", "is_active", "unit")
    search_fields = ("code", "name", "title")
    inlines = [AssignmentInline, ChargeInline]


class MembershipInline(admin.TabularInline):
    model = m.GroupMembership
    extra = 0
    autocomplete_fields = ("person",)


@admin.register(m.OrgGroup)
class OrgGroupAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "unit", "kind")
    list_filter = ("kind",)
    inlines = [MembershipInline]


@admin.register(m.PostAssignment)
class PostAssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "post", "start_date", "end_date", "is_primary")
    search_fields = ("person__name", "post__name")


@admin.register(m.Charge)
class ChargeAdmin(admin.ModelAdmin):
    list_display = ("person", "department", "start_date", "end_date")



admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_url = "/"
admin.site.empty_value_display = _("（空）")
