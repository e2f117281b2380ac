from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "person", "recipient", "level", "created_at", "read_at", "emailed_at"]
    list_filter = ["level"]
    search_fields = ["title", "body", "key", "person__name"]
    raw_id_fields = ["recipient", "person", "unit"]
