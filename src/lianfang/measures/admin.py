from django.contrib import admin

from . import models as m


class EvidenceInline(admin.TabularInline):
    model = m.Evidence
    extra = 0
    fields = ("file", "note", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_at",)
    raw_id_fields = ("uploaded_by",)


@admin.register(m.Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ("risk", "content", "line", "kind", "owner", "deadline", "status", "rule_name", "rule_due")
    list_filter = ("line", "kind", "status")
    search_fields = ("content", "owner_text", "rule_name", "risk__code", "risk__title")
    list_select_related = ("risk", "owner")
    raw_id_fields = ("risk", "owner")
    date_hierarchy = "deadline"
    inlines = [EvidenceInline]


@admin.register(m.Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("measure", "file", "note", "uploaded_by", "uploaded_at")
    search_fields = ("note", "file")
    list_select_related = ("measure", "uploaded_by")
    raw_id_fields = ("measure", "uploaded_by")
    readonly_fields = ("uploaded_at",)
