from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("object/<str:object_type>/<str:object_id>/", views.object_trail, name="object"),
    path("person/<int:person_id>/", views.person_trail, name="person"),
]
