from __future__ import annotations

import importlib

from django.urls import include, path

from zhidu.api import api

handler403 = "zhidu.core.views.error_403"
handler404 = "zhidu.core.views.error_404"
handler500 = "zhidu.core.views.error_500"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]

# Each app with pages exposes ``urlpatterns`` and ``app_name`` in ``<app>/urls.py``.
URL_APPS = [
    ("org", "org/"),
    ("audit", "audit/"),
    ("approvals", "approvals/"),
    ("policies", "policies/"),
    ("numbering", "numbering/"),
    ("jobs", "jobs/"),
    ("notifications", "notifications/"),
    ("customers", "customers/"),
    ("core", ""),
]
for _app, _prefix in URL_APPS:
    try:
        importlib.import_module(f"zhidu.{_app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"zhidu.{_app}.urls":
            raise
        continue
    urlpatterns.append(path(_prefix, include(f"zhidu.{_app}.urls")))
