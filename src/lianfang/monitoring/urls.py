from django.urls import path

from . import api

app_name = "monitoring_api"

urlpatterns = [
    path("v1/events", api.events, name="events"),
    path("v1/openapi.json", api.openapi, name="openapi"),
]
