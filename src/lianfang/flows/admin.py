from django.contrib import admin

from .models import DiscretionRange, Flowchart, IncompatiblePair, Step, Transition


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    fields = ["sort_order", "code", "name", "post", "post_label", "limit_hours", "limit_workdays",
              "supervision_point", "discretion_point", "decision", "clock_stop", "is_start", "is_end"]
    raw_id_fields = ["post"]
    show_change_link = True


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    fields = ["sort_order", "source", "target", "label"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # only the steps of the flowchart being edited
        if db_field.name in ("source", "target"):
            flowchart_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Step.objects.filter(flowchart_id=flowchart_id) if flowchart_id else Step.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class IncompatiblePairInline(admin.TabularInline):
    model = IncompatiblePair
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("first", "second"):
            flowchart_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Step.objects.filter(flowchart_id=flowchart_id) if flowchart_id else Step.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Flowchart)
class FlowchartAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "updated_at"]
    list_filter = ["unit"]
    search_fields = ["code", "name", "powers__code", "powers__name"]
    filter_horizontal = ["powers"]
    readonly_fields = ["updated_at"]
    inlines = [StepInline, TransitionInline, IncompatiblePairInline]


class DiscretionRangeInline(admin.TabularInline):
    model = DiscretionRange
    extra = 0


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "flowchart", "post_name", "limit_hours", "limit_workdays",
                    "supervision_point", "discretion_point"]
    list_filter = ["flowchart__unit", "supervision_point", "discretion_point"]
    search_fields = ["code", "name", "flowchart__code", "flowchart__name"]
    raw_id_fields = ["flowchart", "post"]
    inlines = [DiscretionRangeInline]


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    list_display = ["flowchart", "source", "target", "label"]
    search_fields = ["flowchart__code", "flowchart__name"]
    raw_id_fields = ["flowchart", "source", "target"]


@admin.register(DiscretionRange)
class DiscretionRangeAdmin(admin.ModelAdmin):
    list_display = ["step", "attribute", "minimum", "maximum", "note"]
    raw_id_fields = ["step"]
