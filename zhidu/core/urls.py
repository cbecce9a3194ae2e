from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("nav/badge/<str:url_name>/", views.nav_badge, name="nav_badge"),
]
