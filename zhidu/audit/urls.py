from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.events_csv, name="events_csv"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("access/", views.access, name="access"),
    path("access/export.csv", views.access_csv, name="access_csv"),
]
