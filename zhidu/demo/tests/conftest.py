import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """The demo stores visit check-in photos: keep them out of var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
