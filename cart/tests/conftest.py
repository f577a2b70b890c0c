"""Fixtures of the cart's tests."""

from decimal import Decimal

import pytest

from cart.store import get_store
from catalog.tests.factories import ProductFactory


@pytest.fixture
def product():
    return ProductFactory(price=Decimal("10.00"), stock=5)


@pytest.fixture
def anon(api_client):
    """An API client holding a new anonymous cart's token."""
    response = api_client.post("/api/v1/carts/")
    api_client.credentials(HTTP_X_CART_TOKEN=response.json()["token"])
    api_client.token = response.json()["token"]
    return api_client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Product pictures and their thumbnails go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def store(settings):
    """The cart store the shop uses (on CART_REDIS_URL, the test Redis, flushed per
    test)."""
    assert settings.CART_REDIS_URL, "the store's tests need a real Redis"
    return get_store()
