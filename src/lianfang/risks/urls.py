from django.urls import path

from . import carry_views, views

app_name = "risks"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("carry-over/", carry_views.carry_over_screen, name="carry_over"),
    path("measures/", views.measures, name="measures"),
    path("measures/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("measures/<int:pk>/status/", views.measure_status, name="measure_status"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("model/", views.rating_model, name="rating_model"),
    path("model/<int:pk>/", views.rating_preview, name="rating_preview"),
]
