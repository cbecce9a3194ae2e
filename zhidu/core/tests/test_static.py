"""Production static files: ``collectstatic`` with the hashed-manifest storage (what
``ZHIDU_ENV=prod`` uses) must succeed, so every file a stylesheet points at (icon fonts,
source maps) is vendored, and the shell's pages find every asset in the manifest."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import override_settings

# Django's manifest storage: the same hashing and reference checks as the compressed
# whitenoise variant production uses, without spending seconds on compression.
MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


@pytest.fixture
def collected(tmp_path, settings):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_collectstatic_builds_the_manifest(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in [
        "vendor/tabler/css/tabler.min.css",
        "vendor/tabler/js/tabler.min.js",
        "vendor/tabler-icons/tabler-icons.min.css",
        "vendor/tabler-icons/fonts/tabler-icons.woff2",
        "vendor/htmx/htmx.min.js",
        "vendor/echarts/echarts.min.js",
        "core/app.js",
        "core/charts.js",
        "core/app.css",
        "core/favicon.svg",
    ]:
        assert name in manifest, name


def test_shell_templates_resolve_hashed_names(collected):
    html = render_to_string("errors/500.html", {"status": 500})
    assert "/static/core/app." in html and "/static/core/app.js" not in html  # hashed
