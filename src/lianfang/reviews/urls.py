from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk-approve/", views.bulk_approve, name="bulk_approve"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.send_back, name="send_back"),
]
