import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated pictures go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
