from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("unit/<int:pk>/", views.unit_detail, name="unit"),
    path("unit/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("unit/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("unit/<int:unit_pk>/departments/new/", views.department_edit, name="department_new"),
    path("department/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("department/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("unit/<int:unit_pk>/posts/new/", views.post_edit, name="post_new"),
    path("post/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("post/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("person/<int:pk>/", views.person_detail, name="person"),
    path("workbook/template.xlsx", views.workbook_template, name="workbook_template"),
    path("workbook/export.xlsx", views.workbook_export, name="workbook_export"),
    path("workbook/import/", views.workbook_import, name="workbook_import"),
]
