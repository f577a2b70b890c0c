"""Sign in, sign up and sign out pages."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Grace Hopper",
    "email": "grace@example.com",
    "password": "Cobol-Compiler-1959",
    "password_again": "Cobol-Compiler-1959",
    "role": "customer",
}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_login_page_has_labelled_email_and_password_fields(client):
    """The login page has an email field, a password field, labels and CSRF."""
    response = client.get(reverse("accounts:login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'type="email"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Continue with Facebook" not in html


def test_facebook_button_shows_only_when_configured(client, settings):
    """Continue with Facebook appears when the Facebook keys are set."""
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "key"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "secret"

    html = client.get(reverse("accounts:login")).content.decode()

    assert "Continue with Facebook" in html
    assert (
        'action="/social/login/facebook/"' in html
    )  # a POST form, as social_django requires


def test_login_with_the_right_password_signs_in(client):
    """The right email and password sign the user in and go to the catalog."""
    user = UserFactory(email="ada@example.com")

    response = client.post(
        reverse("accounts:login"), {"username": "ADA@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:catalog")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "data",
    [
        {"username": "ada@example.com", "password": "wrong"},
        {"username": "", "password": ""},
        {"username": "not-an-email", "password": "x"},
        {},
    ],
)
def test_login_with_bad_credentials_shows_an_error(client, data):
    """Wrong or missing credentials re-show the form with an error; nobody is signed in."""
    UserFactory(email="ada@example.com")

    response = client.post(reverse("accounts:login"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_login_keeps_the_cart_and_says_so(client):
    """Signing in moves the visitor's cart into the account and tells them."""
    UserFactory(email="ada@example.com")
    product = ProductFactory(stock=5)
    client.post(reverse("shop:cart-add"), {"product_id": product.pk, "quantity": 2})

    response = client.post(
        reverse("accounts:login"),
        {"username": "ada@example.com", "password": PASSWORD},
        follow=True,
    )

    assert response.status_code == 200
    assert "you picked before signing in into your cart" in response.content.decode()
    cart = client.get(reverse("shop:cart")).context["summary"]
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [
        (product.pk, 2)
    ]


def test_login_redirects_to_a_safe_next_only(client):
    """?next= on the site is followed; an off-site next is not."""
    UserFactory(email="ada@example.com")
    data = {"username": "ada@example.com", "password": PASSWORD}

    inside = client.post(reverse("accounts:login") + "?next=/cart/", data)
    client.logout()
    outside = client.post(
        reverse("accounts:login") + "?next=https://evil.example/", data
    )

    assert inside["Location"] == "/cart/"
    assert outside["Location"] == reverse("shop:catalog")


def test_register_creates_the_account_and_signs_in(client):
    """Registration creates a customer through user_register and signs them in."""
    response = client.post(reverse("accounts:register"), NEW)

    assert response.status_code == 302
    user = User.objects.get(email="grace@example.com")
    assert (user.name, user.role, user.is_staff) == ("Grace Hopper", "customer", False)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert _messages(response) == [
        "Welcome, Grace Hopper! Your account is ready. We have mailed you a link to "
        "verify grace@example.com."
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "123", "password_again": "123"}, "password"),
        ({"password": "password", "password_again": "password"}, "password"),
        ({"password_again": "Something-Else-99"}, "password_again"),
        ({"email": "nope"}, "email"),
        ({"name": ""}, "name"),
        ({"role": "staff"}, "role"),
    ],
)
def test_register_with_bad_input_shows_field_errors(client, change, field):
    """Weak or mismatched passwords, a bad email, no name or a bad role are field errors."""
    response = client.post(reverse("accounts:register"), {**NEW, **change})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.filter(email="grace@example.com").exists()


def test_register_with_a_taken_email_is_a_field_error(client):
    """A duplicate email (any case) is reported on the email field."""
    UserFactory(email="grace@example.com")

    response = client.post(
        reverse("accounts:register"), {**NEW, "email": "GRACE@example.com"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["A user with this email address already exists."]
    }


def test_logout_is_post_only_and_signs_out(client):
    """Sign out is a POST form; GET does not sign anyone out."""
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_form_enforces_csrf(client):
    """A login POST without the CSRF token is refused with 403."""
    UserFactory(email="ada@example.com")
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(
        reverse("accounts:login"), {"username": "ada@example.com", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


def test_signed_in_header_shows_orders_and_sign_out(client):
    """When signed in, the header links to the orders and has a Sign out button (POST)."""
    client.force_login(UserFactory())

    html = client.get(reverse("shop:catalog")).content.decode()

    assert 'href="/orders/"' in html
    assert 'action="/accounts/logout/" method="post"' in html
    assert "Sign out" in html


# --- throttle: the API's sign-in budget covers the pages ------------------------------


@pytest.fixture
def two_a_minute(settings):
    """Two "auth" requests a minute (read from the settings at each request)."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }


def _throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    [message] = _messages(response)
    assert message.startswith("Too many attempts from your address.")


def test_the_third_sign_in_in_a_minute_is_refused_even_with_the_right_password(
    client, two_a_minute
):
    """The page counts in the API's "auth" window: the third try is a 429 page with
    the wait, and the right password does not sign in."""
    user = UserFactory()
    login = reverse("accounts:login")
    for _ in range(2):
        response = client.post(login, {"username": user.email, "password": "wrong"})
        assert response.status_code == 200  # the form's error

    response = client.post(login, {"username": user.email, "password": PASSWORD})

    _throttled(response)
    assert "_auth_user_id" not in client.session


def test_register_page_and_api_share_one_budget(client, two_a_minute):
    """A client cannot move to the pages for more tries once the API refused it."""
    from rest_framework.test import APIClient

    api = APIClient()
    for n in range(2):
        api.post("/api/v1/auth/token/", {"email": f"x{n}@example.com", "password": "no"},
                 format="json")  # fmt: skip
    assert api.post("/api/v1/auth/token/", {"email": "y@example.com", "password": "no"},
                    format="json").status_code == 429  # fmt: skip

    response = client.post(reverse("accounts:register"), NEW)

    _throttled(response)
    assert not User.objects.filter(email=NEW["email"]).exists()
    assert (
        client.get(reverse("accounts:register")).status_code == 200
    )  # reading is free
