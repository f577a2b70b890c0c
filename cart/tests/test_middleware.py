"""request.cart and the header badge are lazy: Redis is asked only when they are used."""

from decimal import Decimal

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from accounts.tests.factories import PASSWORD
from cart.cart import SESSION_KEY
from cart.store import RedisCartStore, get_store
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


@pytest.mark.urls("cart.tests.urls")
def test_page_without_badge_costs_no_redis_command(client, cart_commands):
    """A page whose template does not show the badge makes no cart call, cart or not."""
    assert client.get("/without-badge/").status_code == 200
    assert cart_commands == []


def test_page_without_badge_and_with_a_cart_costs_nothing(
    client, cart_commands, settings
):
    """Even with a session cart, a page that does not use it makes no cart call."""
    give_session_cart(client)
    cart_commands.clear()
    settings.ROOT_URLCONF = "cart.tests.urls"
    assert client.get("/without-badge/").status_code == 200
    assert cart_commands == []


@pytest.mark.urls("cart.tests.urls")
def test_badge_without_a_cart_costs_nothing(client, cart_commands):
    """A visitor without a cart: the badge shows 0 without asking Redis."""
    response = client.get("/with-badge/")
    assert response.content == b"<p>|0</p>"
    assert cart_commands == []


def test_badge_with_a_cart_costs_exactly_one_command(client, cart_commands, settings):
    """Shown twice in a template, the badge asks Redis once."""
    give_session_cart(client, quantity=3)
    cart_commands.clear()
    settings.ROOT_URLCONF = "cart.tests.urls"
    response = client.get("/with-badge/")
    assert response.content == b"<p>3|3</p>"
    assert len(cart_commands) == 1


def test_catalog_page_badge_costs_one_command_with_a_cart(
    client, cart_commands, customer
):
    """The real catalog page: 0 cart commands for a new visitor, 1 with a cart (the badge)."""
    assert client.get("/").status_code == 200
    assert cart_commands == []
    give_session_cart(client)
    cart_commands.clear()
    assert client.get("/").status_code == 200
    assert len(cart_commands) == 1
    client.logout()
    client.login(username=customer.email, password=PASSWORD)
    cart_commands.clear()
    assert client.get("/").status_code == 200
    assert len(cart_commands) == 1


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


def test_catalog_page_works_when_redis_is_down(client, monkeypatch):
    """Redis unreachable: catalog pages still render, the badge shows no count."""
    give_session_cart(client)
    dead = RedisCartStore(
        redis.Redis(
            host="127.0.0.1",
            port=1,
            socket_connect_timeout=0.2,
            retry=Retry(NoBackoff(), 0),
        )
    )
    monkeypatch.setattr("cart.services.get_store", lambda: dead)
    response = client.get("/")
    assert response.status_code == 200
    assert b'data-testid="cart-count"' not in response.content
    assert get_store().ping() is True
