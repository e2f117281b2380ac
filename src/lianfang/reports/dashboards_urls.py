from django.urls import path

from . import dashboard_views

# Included under the "reports" namespace at /reports/.
urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("quality/", dashboard_views.quality_page, name="quality"),
]
