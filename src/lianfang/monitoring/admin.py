"""System administration views of the supervision data. Tokens are issued on
the supervision screen (the token is shown once there); here they can only be
looked at and revoked. Events and findings are machine data: read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import CaseEvent, Finding, IngestToken


@admin.register(IngestToken)
class IngestTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["unit", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["unit", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["unit", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            count += 1
        self.message_user(request, _("已吊销 %(n)d 个令牌。") % {"n": count}, messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "unit", "case_id", "power_code", "step_code", "actor_id", "at", "received_at"]
    list_filter = ["unit"]
    search_fields = ["event_id", "case_id", "actor_id"]
    date_hierarchy = "at"


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["case_id", "unit", "rule", "severity", "step_code", "actor_id", "occurred_at", "retracted"]
    list_filter = ["unit", "rule", "severity", "retracted"]
    search_fields = ["case_id", "actor_id", "message"]
    date_hierarchy = "occurred_at"
