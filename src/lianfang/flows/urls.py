from django.urls import path

from . import views

app_name = "flows"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("preview/", views.preview, name="preview"),
    path("export.json", views.export_json, name="export_json"),
    path("book.pdf", views.book, name="book"),
    path("upload/", views.upload, name="upload"),
    path("upload/confirm/", views.upload_confirm, name="upload_confirm"),
    path("upload/cancel/", views.upload_cancel, name="upload_cancel"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/download/<str:fmt>/", views.download, name="download"),
]
