"""Hostile JSON bodies on the API: each a 400 parse error, never a 500."""

import pytest

from catalog.models import Variant
from catalog.tests.factories import product_with_variants

pytestmark = pytest.mark.django_db

BODIES = [b"[" * 100_000, b'{"a":' * 50_000, b"{not json", b"\xff\xfe"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/api/v1/auth/token/"),
        ("POST", "/api/v1/auth/register/"),
        ("POST", "/api/v1/auth/token/refresh/"),
        ("POST", "/api/v1/cart/items/"),
        ("PUT", "/api/v1/cart/coupon/"),
        ("POST", "/api/v1/orders/"),
    ],
)
@pytest.mark.parametrize("body", BODIES)
def test_a_body_that_is_no_usable_json_is_a_400(api_client, method, path, body):
    """Nested deeper than Python's recursion limit (far under the size limit), broken,
    or not UTF-8; with a cart, so the body is what is refused."""
    token = api_client.post("/api/v1/carts/").json()["token"]

    response = api_client.generic(
        method, path, body, content_type="application/json", HTTP_X_CART_TOKEN=token
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.fixture
def tee(seller):
    return product_with_variants(
        options={"Size": ["S", "M"]},
        variants=[{"options": {"Size": "S"}, "stock": 3}],
        seller=seller,
    )


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/api/v1/products/"),
        ("PATCH", "/api/v1/products/{product}/"),
        ("POST", "/api/v1/products/{product}/adjust-stock/"),
        ("POST", "/api/v1/products/{product}/variants/"),
        ("PATCH", "/api/v1/variants/{variant}/"),
        ("POST", "/api/v1/variants/{variant}/adjust-stock/"),
    ],
)
@pytest.mark.parametrize("body", BODIES)
def test_a_catalog_write_with_no_usable_json_is_a_400(
    seller_client, tee, method, path, body
):
    """The product's seller sending a broken body to the catalog's writes: 400, and
    the variants are as they were."""
    before = list(Variant.objects.values())
    path = path.format(product=tee.pk, variant=tee.variants.get().pk)

    response = seller_client.generic(
        method, path, body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert list(Variant.objects.values()) == before


def test_an_image_upload_that_is_not_multipart_is_a_415(seller_client, tee):
    """The images endpoint takes multipart only: a JSON body is 415, nothing stored."""
    response = seller_client.post(
        f"/api/v1/products/{tee.pk}/images/", {"image": "aGVsbG8="}, format="json"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not tee.images.exists()
