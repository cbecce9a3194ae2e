from django.urls import path

from . import views

app_name = "numbering"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>/", views.edit, name="edit"),
    path("<slug:key>/preview/", views.preview, name="preview"),
    path("<slug:key>/reset/", views.reset, name="reset"),
]
