"""Signing in merges the anonymous cart into the user's: password, Facebook, and the API."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.contrib.messages import get_messages

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from cart.cart import SESSION_KEY, Cart
from cart.services import cart_add_item, cart_apply_coupon, cart_merge
from cart.store import get_store
from cart.tests.factories import variant_of
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"


@pytest.fixture
def products():
    return ProductFactory(price=Decimal("4.00"), stock=5), ProductFactory(stock=10)


@pytest.fixture
def facebook(settings):
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"


def user_lines(user):
    """The user's cart as the store holds it: quantities by variant id."""
    return {
        line.variant_id: line.quantity
        for line in get_store().read(f"user:{user.pk}").lines
    }


def v(product) -> int:
    """The id of a one-variant product's variant (what a cart line is keyed by)."""
    return variant_of(product).pk


def give_user(user, product, quantity):
    """What the user's cart already holds (put there from another device)."""
    cart_add_item(cart=Cart.for_user(user), product_id=product.pk, quantity=quantity)


def shop_as_visitor(client, *items):
    """An anonymous visitor adds items through the cart page's form (the session cart)."""
    for product, quantity in items:
        response = client.post(
            "/cart/add/", {"product_id": product.pk, "quantity": quantity}
        )
        assert response.status_code == 302
    token = client.session[SESSION_KEY]
    assert len(get_store().read(f"anon:{token}").lines) == len(items)
    return token


def test_password_login_page_merges_and_tells_the_shopper(client, customer, products):
    """Login on the page: quantities add, clamped to stock, anonymous cart gone, a message."""
    scarce, plenty = products
    give_user(customer, scarce, 4)
    token = shop_as_visitor(client, (scarce, 3), (plenty, 2))
    response = client.post(
        "/accounts/login/",
        {"username": customer.email, "password": PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert user_lines(customer) == {v(scarce): 5, v(plenty): 2}
    assert get_store().exists(f"anon:{token}") is False
    assert SESSION_KEY not in client.session
    page = response.content.decode()
    assert "We moved 3 items you picked before signing in into your cart." in page
    assert "you wanted 7, your cart now holds 5" in page
    assert "basket" not in page


def test_client_login_merges(client, customer, products):
    """django.contrib.auth.login (as client.login calls it) sends user_logged_in: merged."""
    scarce, _ = products
    shop_as_visitor(client, (scarce, 2))
    assert client.login(username=customer.email, password=PASSWORD)
    assert user_lines(customer) == {v(scarce): 2}


def test_login_without_an_anonymous_cart_changes_nothing(client, customer, products):
    """No session cart: the user's cart stays as it was."""
    scarce, _ = products
    give_user(customer, scarce, 1)
    assert client.login(username=customer.email, password=PASSWORD)
    assert user_lines(customer) == {v(scarce): 1}


def test_merge_keeps_the_users_coupon(client, customer, products):
    """The anonymous cart's coupon moves only if the user's cart has none."""
    scarce, plenty = products
    CouponFactory(code="MINE")
    CouponFactory(code="THEIRS")
    give_user(customer, plenty, 1)
    cart_apply_coupon(cart=Cart.for_user(customer), code="MINE")
    shop_as_visitor(client, (scarce, 1))
    assert client.post("/cart/coupon/", {"code": "THEIRS"}).status_code == 302
    assert client.login(username=customer.email, password=PASSWORD)
    assert get_store().read(f"user:{customer.pk}").coupon == "MINE"
    assert user_lines(customer) == {v(scarce): 1, v(plenty): 1}


def test_merge_moves_the_coupon_to_a_user_cart_without_one(client, customer, products):
    """A user's cart without a coupon takes the anonymous cart's."""
    scarce, _ = products
    CouponFactory(code="THEIRS")
    shop_as_visitor(client, (scarce, 1))
    assert client.post("/cart/coupon/", {"code": "THEIRS"}).status_code == 302
    assert client.login(username=customer.email, password=PASSWORD)
    cart = client.get("/cart/").context["summary"]
    assert cart["coupon"]["code"] == "THEIRS"
    assert [item["product_id"] for item in cart["items"]] == [scarce.pk]


@responses.activate
def test_facebook_page_login_merges_the_cart(client, facebook, products):
    """Through social-auth's real pipeline (only Facebook's HTTP mocked): items follow."""
    scarce, plenty = products
    shop_as_visitor(client, (scarce, 2), (plenty, 1))
    responses.add(
        responses.GET,
        re.compile(GRAPH + "oauth/access_token.*"),
        json={"access_token": "fb-token", "token_type": "bearer", "expires_in": 3600},
    )
    responses.add(
        responses.GET,
        re.compile(GRAPH + "me.*"),
        json={"id": "10001", "name": "Fay Book", "email": "fay@example.com"},
    )
    begin = client.post(
        "/social/login/facebook/"
    )  # social-auth-app-django 8: POST only
    assert begin.status_code == 302
    location = urlparse(begin["Location"])
    assert location.netloc == "www.facebook.com"
    state = parse_qs(location.query)["state"][0]
    complete = client.get(
        "/social/complete/facebook/", {"code": "the-code", "state": state}
    )
    assert complete.status_code == 302
    assert "/accounts/login" not in complete["Location"]
    user = User.objects.get(email="fay@example.com")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user_lines(user) == {v(scarce): 2, v(plenty): 1}
    assert SESSION_KEY not in client.session
    assert any(
        "moved 3 items" in m.message for m in get_messages(complete.wsgi_request)
    )


@responses.activate
def test_facebook_api_login_merges_the_token_cart(api_client, facebook, products):
    """POST auth/facebook/ with X-Cart-Token: tokens back, the anonymous cart merged."""
    scarce, _ = products
    # Facebook links to an existing account by email only once it is verified.
    existing = UserFactory(email="fay@example.com", email_verified=True)
    token = api_client.post("/api/v1/carts/").json()["token"]
    api_client.credentials(HTTP_X_CART_TOKEN=token)
    assert (
        api_client.post(
            "/api/v1/cart/items/",
            {"product_id": scarce.pk, "quantity": 2},
            format="json",
        ).status_code
        == 200
    )
    responses.add(
        responses.GET,
        re.compile(GRAPH + "me.*"),
        json={"id": "10001", "name": "Fay Book", "email": "fay@example.com"},
    )
    response = api_client.post(
        "/api/v1/auth/facebook/", {"access_token": "fb-token"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": existing.pk,
        "email": "fay@example.com",
        "name": "Fay Book",
        "role": "customer",
        "is_staff": False,
        "email_verified": True,
    }
    assert body["access"] and body["refresh"]
    assert user_lines(existing) == {v(scarce): 2}
    assert get_store().exists(f"anon:{token}") is False
    # The access token works for the merged cart.
    cart = client_for(existing).get("/api/v1/cart/").json()
    assert cart["items"][0]["quantity"] == 2


@responses.activate
def test_facebook_api_bad_token_is_401(api_client, facebook):
    """Facebook refusing the token is a 401 JSON, never a 500."""
    responses.add(
        responses.GET,
        re.compile(GRAPH + "me.*"),
        status=400,
        json={"error": {"message": "Invalid OAuth access token.", "code": 190}},
    )
    response = api_client.post(
        "/api/v1/auth/facebook/", {"access_token": "expired"}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Facebook did not accept this access token.",
        "code": "facebook_auth_failed",
    }


@responses.activate
def test_facebook_api_without_email_is_403(api_client, facebook):
    """A Facebook account that shares no email cannot sign up (pipeline's require_email)."""
    responses.add(
        responses.GET, re.compile(GRAPH + "me.*"), json={"id": "9", "name": "X"}
    )
    response = api_client.post(
        "/api/v1/auth/facebook/", {"access_token": "t"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_facebook_api_input_errors(api_client, settings):
    """Missing token 400; Facebook not configured 404 (API.md)."""
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"
    assert (
        api_client.post("/api/v1/auth/facebook/", {}, format="json").status_code == 400
    )
    settings.SOCIAL_AUTH_FACEBOOK_KEY = ""
    response = api_client.post(
        "/api/v1/auth/facebook/", {"access_token": "t"}, format="json"
    )
    assert response.status_code == 404


def test_merge_api(api_client, customer, products):
    """POST cart/merge/: JWT only; moves the lines, clamped, reports it, destroys the source."""
    scarce, plenty = products
    token = api_client.post("/api/v1/carts/").json()["token"]
    api_client.credentials(HTTP_X_CART_TOKEN=token)
    api_client.post(
        "/api/v1/cart/items/", {"product_id": scarce.pk, "quantity": 4}, format="json"
    )
    api_client.post(
        "/api/v1/cart/items/", {"product_id": plenty.pk, "quantity": 1}, format="json"
    )
    user = client_for(customer)
    user.post(
        "/api/v1/cart/items/", {"product_id": scarce.pk, "quantity": 3}, format="json"
    )
    # Anonymous callers cannot merge, even with a cart token.
    assert (
        api_client.post(
            "/api/v1/cart/merge/", {"token": token}, format="json"
        ).status_code
        == 401
    )
    response = user.post("/api/v1/cart/merge/", {"token": token}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert {i["product_id"]: i["quantity"] for i in body["items"]} == {
        scarce.pk: 5,
        plenty.pk: 1,
    }
    assert body["warnings"] == [
        {
            "code": "quantity_reduced",
            "product_id": scarce.pk,
            "variant_id": v(scarce),
            "message": f"{scarce.name}: you wanted 7, your cart now holds 5.",
        }
    ]
    assert api_client.get("/api/v1/cart/").status_code == 404
    assert (
        user.post("/api/v1/cart/merge/", {"token": token}, format="json").status_code
        == 404
    )
    assert (
        user.post("/api/v1/cart/merge/", {"token": "bad"}, format="json").status_code
        == 400
    )
    assert user.post("/api/v1/cart/merge/", {}, format="json").status_code == 400


def test_merging_a_cart_into_itself_is_harmless(customer, products):
    """The same cart as source and target: nothing changes."""
    scarce, _ = products
    cart = Cart.for_user(customer)
    cart_add_item(cart=cart, product_id=scarce.pk, quantity=2)
    assert cart_merge(source=cart, target=cart).merged is False
    assert user_lines(customer) == {v(scarce): 2}


def test_a_sign_in_sent_without_a_request_changes_no_cart(customer, products):
    """user_logged_in sent without a request (a script, a test helper): nothing to
    merge, the user's cart stays as it was, no error."""
    from django.contrib.auth.signals import user_logged_in

    scarce, _ = products
    give_user(customer, scarce, 2)
    user_logged_in.send(sender=User, request=None, user=customer)
    assert user_lines(customer) == {v(scarce): 2}
