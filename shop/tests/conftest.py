import pytest

from shop.tests.walk import World


@pytest.fixture
def world(settings):
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"
    return World()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated pictures go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
