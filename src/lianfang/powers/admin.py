from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from lianfang.orgs.admin import RefusingDeleteMixin

from . import models as m
from .services import delete_refusal


@admin.register(m.PowerCategory)
class PowerCategoryAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "internal", "three_important", "sort_order", "is_active")
    list_editable = ("name", "internal", "three_important", "sort_order", "is_active")
    list_filter = ("internal", "three_important", "is_active")
    search_fields = ("code", "name")


class CatalogueEventInline(admin.TabularInline):
    model = m.CatalogueEvent
    extra = 0
    fields = ("at", "step", "department", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Catalogue)
class CatalogueAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "status", "decision_date", "filed_date", "published_date", "based_on")
    list_filter = ("status", "year", "unit")
    search_fields = ("unit__name", "unit__code")
    # The status moves only through the workflow (services.py), never by hand.
    readonly_fields = ("status", "based_on")
    inlines = [CatalogueEventInline]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.powers.exists():
            return False
        return super().has_delete_permission(request, obj)


class LegalBasisInline(admin.TabularInline):
    model = m.LegalBasis
    extra = 0
    fields = ("law", "article", "text", "sort_order")


@admin.register(m.Power)
class PowerAdmin(RefusingDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "category", "department", "unit", "catalogue_year", "external")
    list_filter = ("catalogue__year", "unit", "category", "external")
    search_fields = ("code", "name", "content", "legal_bases__law")
    filter_horizontal = ("posts",)
    raw_id_fields = ("previous",)
    inlines = [LegalBasisInline]

    @admin.display(description=_("年度"), ordering="catalogue__year")
    def catalogue_year(self, obj):
        return obj.catalogue.year

    # A power of a published catalogue is read-only here as everywhere else.
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.catalogue.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.catalogue.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        reason = delete_refusal(obj)
        if reason:
            messages.error(request, reason)
            return
        super().delete_model(request, obj)
