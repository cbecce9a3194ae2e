from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.index, name="index"),
    path("closures/", views.closure_create, name="closure_create"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/edit/", views.draft_edit, name="draft_edit"),
    path("versions/<int:pk>/check/", views.draft_check, name="draft_check"),
    path("versions/<int:pk>/publish/", views.publish, name="publish"),
    path("versions/<int:pk>/discard/", views.discard, name="discard"),
    path("versions/<int:pk>/retire/", views.retire, name="retire"),
    path("kinds/<slug:kind>/", views.kind_detail, name="kind"),
    path("kinds/<slug:kind>/drafts/", views.draft_create, name="draft_create"),
]
