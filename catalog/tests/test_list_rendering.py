"""The product list's fast path renders exactly what ProductSerializer renders."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIRequestFactory

from catalog.api.serializers import ProductSerializer
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_list_items_equal_the_serializers_json(api_client, tmp_path, settings):
    """Each list item is ProductSerializer's JSON: money strings, dates, slugs, image URLs."""
    settings.MEDIA_ROOT = tmp_path
    parent = CategoryFactory(slug="home")
    with_image = ProductFactory(
        price=Decimal("1234.5"), stock=0, category=CategoryFactory(parent=parent)
    )
    with_image.image.save("lamp.png", ContentFile(b"png"), save=True)
    ProductFactory(price=Decimal("0.01"), stock=7, description="")

    response = api_client.get("/api/v1/products/")

    assert response.status_code == 200
    request = APIRequestFactory().get("/api/v1/products/")
    expected = [
        ProductSerializer(p, context={"request": request}).data
        for p in Product.objects.order_by("-created_at", "-id")
    ]
    assert response.json()["results"] == [dict(item) for item in expected]
    assert response.json()["results"][1]["price"] == "1234.50"
    assert response.json()["results"][1]["image_url"].startswith("http://testserver/")
    assert response.json()["results"][0]["image_url"] is None
