from django.urls import path

from . import views

app_name = "powers"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.catalogue_new, name="catalogue_new"),
    path("template.xlsx", views.workbook_template, name="workbook_template"),
    path("<int:pk>/", views.catalogue_detail, name="catalogue"),
    path("<int:pk>/do/<slug:step>/", views.catalogue_action, name="action"),
    path("<int:pk>/diff/", views.catalogue_diff, name="diff"),
    path("<int:pk>/catalogue.pdf", views.catalogue_pdf, name="pdf"),
    path("<int:pk>/catalogue.xlsx", views.workbook_export, name="export"),
    path("<int:pk>/import/", views.workbook_import, name="import"),
    path("<int:pk>/powers/new/", views.power_new, name="power_new"),
    path("power/<int:pk>/", views.power_detail, name="power"),
    path("power/<int:pk>/edit/", views.power_edit, name="power_edit"),
    path("power/<int:pk>/delete/", views.power_delete, name="power_delete"),
]
