"""request.cart and the header badge: lazy, per visitor, and never a broken page.

What they cost in Redis round trips is the budget suite's (shop/tests/test_budgets.py)."""

from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD
from cart.cart import SESSION_KEY
from cart.store import get_store
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def give_session_cart(client, quantity=2):
    product = ProductFactory(price=Decimal("1.00"), stock=10)
    assert (
        client.post(
            "/cart/add/", {"product_id": product.pk, "quantity": quantity}
        ).status_code
        == 302
    )
    assert SESSION_KEY in client.session
    return product


def stored_carts() -> list[bytes]:
    return list(get_store().client.scan_iter(match="cart:*"))


def test_browsing_creates_no_cart(client):
    """A visitor who only looks (catalog, a product, the cart page, a page showing the
    badge) gets no cart: no token in the session, nothing in the store."""
    product = ProductFactory()
    for url in ("/", product.get_absolute_url(), "/cart/"):
        assert client.get(url).status_code == 200
    assert SESSION_KEY not in client.session
    assert stored_carts() == []


@pytest.mark.urls("cart.tests.urls")
def test_badge_without_a_cart_shows_zero(client):
    """A visitor without a cart: the badge renders 0 and no cart comes into being."""
    response = client.get("/with-badge/")
    assert response.content == b"<p>|0</p>"
    assert stored_carts() == []


def test_badge_shows_the_units_in_the_cart(client, settings):
    """The badge renders the units in the visitor's cart, wherever a template shows it."""
    give_session_cart(client, quantity=3)
    settings.ROOT_URLCONF = "cart.tests.urls"
    assert client.get("/with-badge/").content == b"<p>3|3</p>"
    assert client.get("/without-badge/").content == b"<p>catalog</p>"


def test_a_signed_in_visitor_sees_their_own_cart_in_the_badge(client, customer):
    """Signed in, the badge counts the user's cart (merged with the session's)."""
    give_session_cart(client, quantity=2)
    assert client.login(username=customer.email, password=PASSWORD)
    page = client.get("/").content.decode()
    assert 'data-testid="cart-count">2<' in page


def test_request_cart_is_lazy_and_per_visitor(rf, customer):
    """request.cart resolves on first use: the user's cart, else the session's pending one."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from cart.middleware import CartMiddleware

    seen = {}

    def view(request):
        seen["cart"] = request.cart
        return None

    request = rf.get("/")
    request.user = customer
    request.session = SessionStore()
    CartMiddleware(view)(request)
    assert seen["cart"].id == f"user:{customer.pk}"
    request = rf.get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    CartMiddleware(view)(request)
    assert seen["cart"].id.startswith("anon:")
    assert seen["cart"].pending is True
    assert SESSION_KEY not in request.session


def test_api_request_cart_follows_the_jwt(customer):
    """On the API, request.cart is resolved after DRF's JWT auth: the user's cart."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView
    from rest_framework_simplejwt.tokens import RefreshToken

    from cart.middleware import CartMiddleware

    class Probe(APIView):
        def get(self, request):
            return Response({"cart": request._request.cart.id})

    token = RefreshToken.for_user(customer).access_token
    request = APIRequestFactory().get(
        "/api/v1/probe/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    handler = SessionMiddleware(
        AuthenticationMiddleware(CartMiddleware(Probe.as_view()))
    )
    response = handler(request)
    assert response.data == {"cart": f"user:{customer.pk}"}


def test_catalog_page_works_when_redis_is_down(client, settings):
    """The cart store unreachable: catalog pages still render, the badge shows no
    count (rather than a wrong one, or a broken page)."""
    give_session_cart(client)
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/")
    assert response.status_code == 200
    assert b'data-testid="cart-count"' not in response.content
    settings.ROOT_URLCONF = "cart.tests.urls"
    assert client.get("/with-badge/").content == b"<p>|</p>"
