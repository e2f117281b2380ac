from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lianfang.measures.models import Measure
from lianfang.reviews.models import Review

from . import models as m


@admin.register(m.RiskCategory)
class RiskCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("code", "name")


@admin.register(m.DiscoveryMethod)
class DiscoveryMethodAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("code", "name")


@admin.register(m.RatingModel)
class RatingModelAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "unit", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "note")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        # A model in use is history: change it by saving a new version.
        if obj is not None and obj.risk_points.exists():
            return ("unit", "name", "kind", "version", "definition", "created_at")
        return self.readonly_fields


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ("content", "line", "kind", "owner", "owner_text", "deadline", "status", "rule_name", "rule_due")
    raw_id_fields = ("owner",)


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    can_delete = False
    fields = ("round", "step", "role", "decision", "reviewer", "reason", "at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.RiskPoint)
class RiskPointAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "unit", "year", "finding_level", "category", "inherent_level", "residual_level",
                    "status")
    list_filter = ("year", "finding_level", "inherent_level", "status", "category", "unit")
    search_fields = ("code", "title", "description")
    list_select_related = ("unit", "category")
    raw_id_fields = ("post", "department", "person", "power", "step", "responsible", "author", "previous")
    filter_horizontal = ("discovery",)
    readonly_fields = ("rating_model", "rating_inputs", "inherent_score", "inherent_level", "residual_score",
                       "residual_level", "explanation", "review_chain", "review_round", "review_step", "created_at",
                       "updated_at")
    fieldsets = (
        (None, {"fields": ("unit", "year", "code", "finding_level", "post", "department", "person", "power", "step")}),
        (_("风险内容"), {"fields": ("title", "description", "category", "cause", "consequence", "discovery")}),
        (_("风险等级（在业务页面填报时计算）"), {"fields": ("rating_model", "rating_inputs", "inherent_score",
                                                 "inherent_level", "residual_score", "residual_level",
                                                 "explanation")}),
        (_("分级负责"), {"fields": ("responsible", "responsible_body", "responsibility_override")}),
        (_("审核"), {"fields": ("author", "status", "review_chain", "review_round", "review_step", "previous",
                              "created_at", "updated_at")}),
    )
    inlines = [MeasureInline, ReviewInline]
