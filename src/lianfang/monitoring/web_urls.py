from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:unit_id>/", views.unit_page, name="unit"),
    path("<int:unit_id>/cases/", views.open_cases, name="cases"),
    path("<int:unit_id>/findings/", views.findings, name="findings"),
    path("<int:unit_id>/ranking/", views.ranking, name="ranking"),
    path("<int:unit_id>/tokens/", views.tokens, name="tokens"),
    path("<int:unit_id>/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("<int:unit_id>/run/", views.run_now, name="run"),
    path("<int:unit_id>/case/<path:case_id>", views.case_detail, name="case"),
]
