"""The API's documentation works offline, and browser-based consumers get CORS headers."""

import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_openapi_schema_is_served(client):
    """/api/schema/ is an OpenAPI 3 document covering the /api/v1/ endpoints."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/products/" in schema["paths"]
    assert "/api/v1/cart/items/" in schema["paths"]
    assert "/api/v1/orders/" in schema["paths"]


@pytest.mark.django_db
def test_swagger_ui_loads_its_assets_from_this_server(client):
    """/api/docs/ references no CDN: every script and stylesheet is a local static file."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, html
    assert all(asset.startswith("/static/") for asset in assets), assets
    for asset in assets:
        # Shipped in a package (drf-spectacular-sidecar), served by whitenoise.
        assert finders.find(asset.removeprefix("/static/")), asset


@pytest.mark.django_db
def test_cors_allows_configured_origins_only(client, settings):
    """An allowed origin gets Access-Control-Allow-Origin on the API; others get none."""
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    allowed = client.get("/api/v1/products/", HTTP_ORIGIN="https://app.example.com")
    other = client.get("/api/v1/products/", HTTP_ORIGIN="https://evil.example.net")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.django_db
def test_cors_preflight_allows_the_shop_headers(client, settings):
    """A preflight for a cart write may send the JWT, X-Cart-Token and Idempotency-Key."""
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = client.options(
        "/api/v1/cart/items/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, x-cart-token, idempotency-key",
    )
    assert response.status_code == 200
    allowed = response["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "x-cart-token", "idempotency-key", "content-type"):
        assert header in allowed
