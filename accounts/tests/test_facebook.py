"""``POST /api/v1/auth/facebook/``: sign in with a Facebook access token (API.md "Auth").

social-auth's real pipeline runs; only Facebook's Graph API is answered by ``responses``
(the outside world). With ``X-Cart-Token`` the anonymous cart joins the user's through
the ``user_logged_in`` signal, as a session sign-in does (the cart's receiver).
"""

import re
from decimal import Decimal

import pytest
import responses
from requests import ConnectionError as RequestsConnectionError

from accounts.models import User
from accounts.tests.factories import UserFactory
from cart.cart import Cart, new_token
from cart.store import CartLine, get_store
from cart.tests.factories import tee, variant, variant_of
from catalog.tests.factories import ProductFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

FACEBOOK = "/api/v1/auth/facebook/"
GRAPH_ME = re.compile(r"https://graph\.facebook\.com/v[\d.]+/me.*")


@pytest.fixture
def facebook(settings):
    """Facebook login configured, and Graph API answers registered per test."""
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"
    with responses.RequestsMock() as graph:
        yield graph


def facebook_says(graph, **profile) -> None:
    graph.add(responses.GET, GRAPH_ME, json={"id": "10001", **profile})


def sign_in(client, token="fb-token", **headers):
    return client.post(FACEBOOK, {"access_token": token}, format="json", **headers)


def token_cart(*lines) -> Cart:
    """An API token's cart holding ``(variant, quantity)`` lines."""
    cart = Cart.for_token(new_token())
    store = get_store()
    store.touch(cart.id)
    for item, quantity in lines:
        store.add(cart.id, CartLine(item.pk, quantity, item.price))
    return cart


def lines_of(cart_id: str) -> dict[int, int]:
    """A cart's quantities, by variant id."""
    return {line.variant_id: line.quantity for line in get_store().read(cart_id).lines}


def test_a_new_facebook_user_gets_an_account_and_tokens(api_client, facebook):
    """A first sign-in creates a customer with Facebook's name and email; the access
    token it answers works."""
    facebook_says(facebook, name="Fay Book", email="fay@example.com")

    response = sign_in(api_client)

    assert response.status_code == 200
    body = response.json()
    user = User.objects.get(email="fay@example.com")
    assert body["user"] == {
        "id": user.pk,
        "email": "fay@example.com",
        "name": "Fay Book",
        "role": "customer",
        "is_staff": False,
        "email_verified": True,
    }
    assert set(body) == {"user", "access", "refresh"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get("/api/v1/auth/me/").json()["id"] == user.pk


def test_an_existing_account_is_found_by_its_email(api_client, facebook):
    """Facebook reporting the email of a verified account signs into that account (no
    second one); signing in again finds it through the link made the first time."""
    existing = UserFactory(email="fay@example.com", role="seller", email_verified=True)
    facebook_says(facebook, name="Fay Book", email="fay@example.com")

    first = sign_in(api_client)
    again = sign_in(api_client)

    assert first.status_code == again.status_code == 200
    assert first.json()["user"]["id"] == again.json()["user"]["id"] == existing.pk
    assert first.json()["user"]["role"] == "seller"
    assert User.objects.filter(email="fay@example.com").count() == 1


def test_the_token_cart_is_merged_into_the_users(api_client, facebook):
    """With X-Cart-Token the anonymous cart's lines join the user's cart variant by
    variant (added to what was there), the anonymous cart is gone, and the new JWT
    reads the merged cart."""
    mug = variant_of(ProductFactory(price=Decimal("4.00")))
    shirt = tee(stock=10)
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="M", Colour="Blue"),
    )
    user = UserFactory(email="fay@example.com", email_verified=True)
    get_store().add(f"user:{user.pk}", CartLine(red.pk, 1, red.price))
    cart = token_cart((mug, 2), (red, 3), (blue, 1))
    facebook_says(facebook, name="Fay Book", email="fay@example.com")

    response = sign_in(api_client, HTTP_X_CART_TOKEN=cart.token)

    assert response.status_code == 200
    assert lines_of(f"user:{user.pk}") == {mug.pk: 2, red.pk: 4, blue.pk: 1}
    assert get_store().exists(cart.id) is False
    read = client_for(user).get("/api/v1/cart/").json()
    assert {
        (i["variant_id"], i["product_id"], i["quantity"]) for i in read["items"]
    } == {
        (mug.pk, mug.product_id, 2),
        (red.pk, shirt.pk, 4),
        (blue.pk, shirt.pk, 1),
    }


@pytest.mark.parametrize(
    "header", ["not-a-token", new_token()], ids=["malformed", "unknown"]
)
def test_a_bad_or_unknown_cart_token_does_not_stop_the_sign_in(
    api_client, facebook, header
):
    """A malformed X-Cart-Token, or one naming no cart, merges nothing: still 200."""
    facebook_says(facebook, name="Fay Book", email="fay@example.com")

    response = sign_in(api_client, HTTP_X_CART_TOKEN=header)

    assert response.status_code == 200
    user = User.objects.get(email="fay@example.com")
    assert lines_of(f"user:{user.pk}") == {}


def test_a_token_facebook_refuses_is_401(api_client, facebook):
    """Facebook refusing the token is a 401 JSON, never a 500; no account is made."""
    facebook.add(
        responses.GET,
        GRAPH_ME,
        status=400,
        json={"error": {"message": "Invalid OAuth access token.", "code": 190}},
    )

    response = sign_in(api_client, "expired")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Facebook did not accept this access token.",
        "code": "facebook_auth_failed",
    }
    assert response["WWW-Authenticate"] == "Bearer"
    assert not User.objects.exists()


def test_facebook_unreachable_is_a_401_not_a_500(api_client, facebook):
    """A network error talking to Facebook is answered as a refused token."""
    facebook.add(responses.GET, GRAPH_ME, body=RequestsConnectionError("down"))

    response = sign_in(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "facebook_auth_failed"


def test_an_account_without_an_email_cannot_sign_up(api_client, facebook):
    """A Facebook account that shares no email is refused (403); nothing is made."""
    facebook_says(facebook, name="No Mail")

    response = sign_in(api_client)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your Facebook account did not share an email address.",
        "code": "permission_denied",
    }
    assert not User.objects.exists()


def test_a_deactivated_account_cannot_sign_in(api_client, facebook):
    """An account staff deactivated is not signed in through Facebook either, nor is a
    second account made with its email: 403 (the token itself was fine)."""
    UserFactory(email="fay@example.com", is_active=False)
    facebook_says(facebook, name="Fay Book", email="fay@example.com")

    response = sign_in(api_client)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This Facebook account cannot sign in to this shop.",
        "code": "permission_denied",
    }
    assert User.objects.filter(email="fay@example.com").count() == 1


@pytest.mark.parametrize(
    "staff", [{"is_staff": True}, {"is_superuser": True}], ids=["staff", "superuser"]
)
def test_facebook_never_links_to_a_staff_account(api_client, facebook, staff):
    """A Facebook account reporting a staff member's (or superuser's) email is refused,
    verified or not (API.md: never to a staff account): 400, no tokens, no link."""
    from social_django.models import UserSocialAuth

    UserFactory(email="boss@example.com", email_verified=True, **staff)
    facebook_says(facebook, name="Not The Boss", email="boss@example.com")

    response = sign_in(api_client)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Staff accounts cannot sign in with Facebook. Sign in with your "
        "email and password.",
        "code": "facebook_link_refused",
    }
    assert not UserSocialAuth.objects.exists()
    assert User.objects.filter(email="boss@example.com").count() == 1


def test_facebook_never_links_to_an_unverified_account(api_client, facebook):
    """An account whose email is not verified is not linked by that email (anyone can
    put any address on a Facebook account): 400 facebook_link_refused, telling the user
    to sign in with the password and verify the email; no second account is made."""
    from social_django.models import UserSocialAuth

    UserFactory(email="fay@example.com")
    facebook_says(facebook, name="Fay Book", email="FAY@example.com")

    response = sign_in(api_client)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "facebook_link_refused"
    assert "password" in body["detail"] and "verify" in body["detail"]
    assert not UserSocialAuth.objects.exists()
    assert User.objects.filter(email__iexact="fay@example.com").count() == 1


def test_a_verified_account_is_linked_after_it_was_refused(api_client, facebook):
    """Once the owner verifies the email, the same Facebook account signs in to it."""
    user = UserFactory(email="fay@example.com")
    facebook_says(facebook, name="Fay Book", email="fay@example.com")
    facebook_says(facebook, name="Fay Book", email="fay@example.com")
    assert sign_in(api_client).status_code == 400

    User.objects.filter(pk=user.pk).update(email_verified=True)
    response = sign_in(api_client)

    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


def test_a_new_facebook_account_has_a_verified_email(api_client, facebook):
    """An account made from Facebook's profile counts the email Facebook vouches for as
    verified (so `me` says so)."""
    facebook_says(facebook, name="Fay Book", email="fay@example.com")

    body = sign_in(api_client).json()

    assert body["user"]["email_verified"] is True
    assert User.objects.get(email="fay@example.com").email_verified is True


def test_the_login_page_shows_why_facebook_was_refused(client, settings):
    """On the pages, social-auth's callback refusing the link lands on the login page
    with the reason as an error message, and no account is made."""
    from django.contrib.messages import get_messages
    from social_core.exceptions import AuthPolicyError
    from social_django.middleware import SocialAuthExceptionMiddleware

    from accounts.pipeline import LINK_REFUSED_MESSAGE, FacebookLinkRefused

    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"
    request = client.get("/accounts/login/").wsgi_request
    from social_django.utils import load_backend, load_strategy

    request.social_strategy = load_strategy(request)
    request.backend = load_backend(request.social_strategy, "facebook", None)
    exc = FacebookLinkRefused(request.backend, LINK_REFUSED_MESSAGE)
    assert isinstance(exc, AuthPolicyError)

    response = SocialAuthExceptionMiddleware(lambda r: None).process_exception(
        request, exc
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert [str(m) for m in get_messages(request)] == [LINK_REFUSED_MESSAGE]


@pytest.mark.parametrize(
    "body",
    [{}, {"access_token": ""}, {"access_token": None}, {"access_token": "x" * 4097}],
)
def test_a_missing_or_absurd_access_token_is_400(api_client, facebook, body):
    """No, empty, null or huge access token: 400 on the field; Facebook is not asked."""
    response = api_client.post(FACEBOOK, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["access_token"]


@pytest.mark.parametrize("body", [{"access_token": "fb-token"}, {}])
def test_not_configured_is_404(api_client, settings, body):
    """Without the Facebook keys the endpoint is not offered (API.md): 404 JSON, whatever
    the body."""
    settings.SOCIAL_AUTH_FACEBOOK_KEY = ""
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = ""

    response = api_client.post(FACEBOOK, body, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Facebook login is not available on this shop.",
        "code": "not_found",
    }


def test_facebook_sign_in_spends_the_auth_budget(api_client, facebook, settings):
    """The endpoint is throttled in the "auth" scope with token and register: past the
    rate it is 429 before Facebook is asked."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "1/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    facebook_says(facebook, name="Fay Book", email="fay@example.com")
    assert sign_in(api_client).status_code == 200

    response = sign_in(api_client)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
