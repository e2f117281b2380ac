from django.urls import path

from . import register_views

# Included inside the "reports" namespace at /reports/registers/.
urlpatterns = [
    path("", register_views.index, name="registers"),
    path("download/<slug:kind>/", register_views.download, name="registers_download"),
    path("import/", register_views.import_view, name="registers_import"),
]
