"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from zhidu.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def refuse(request):
    raise PermissionDenied


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/403/", refuse),
    path("test-errors/500/", explode),
    path("api/v1/test-errors/500/", explode),
    *urlpatterns,
]
