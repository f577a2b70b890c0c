"""Hostile JSON bodies on the API: each a 400 parse error, never a 500."""

import pytest

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
