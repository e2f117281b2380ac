from django.urls import include, path

app_name = "reports"

# Registers and exports; dashboards and quality checks. Each file owns its URLs.
urlpatterns = [
    path("", include("lianfang.reports.dashboards_urls")),
    path("registers/", include("lianfang.reports.registers_urls")),
]
