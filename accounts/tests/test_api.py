"""The auth contract of API.md under /api/v1/auth/, happy paths and failure paths."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

REGISTER = reverse("api:auth-register")
TOKEN = reverse("api:auth-token")
REFRESH = reverse("api:auth-token-refresh")
LOGOUT = reverse("api:auth-logout")
ME = reverse("api:auth-me")


def user_json(user: User) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_staff": user.is_staff,
        "email_verified": user.email_verified,
    }


def login(client: APIClient, email: str, password: str = PASSWORD):
    return client.post(TOKEN, {"email": email, "password": password}, format="json")


def assert_access_token_for(access: str, user: User) -> None:
    """The access token authenticates as ``user`` on me/."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json() == user_json(user)


# --- register ---------------------------------------------------------------


def test_register_creates_a_customer_and_answers_tokens(api_client):
    """register/ answers 201 {user, access, refresh}; the email is stored lower-cased."""
    response = api_client.post(
        REGISTER,
        {"email": "New@Example.com", "password": PASSWORD, "name": "New Person"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get()
    assert set(body) == {"user", "access", "refresh"}
    assert body["user"] == {
        "id": user.pk,
        "email": "new@example.com",
        "name": "New Person",
        "role": "customer",
        "is_staff": False,
        "email_verified": False,
    }
    assert user.check_password(PASSWORD)
    assert_access_token_for(body["access"], user)
    assert RefreshToken(body["refresh"])["user_id"] == str(user.pk)


def test_register_as_seller(api_client):
    """role=seller registers a seller."""
    response = api_client.post(
        REGISTER,
        {"email": "s@example.com", "password": PASSWORD, "name": "S", "role": "seller"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["user"]["role"] == "seller"
    assert User.objects.get().role == "seller"


def test_register_ignores_is_staff_in_the_body(api_client):
    """A client cannot make itself staff or superuser through register/."""
    response = api_client.post(
        REGISTER,
        {
            "email": "sneaky@example.com",
            "password": PASSWORD,
            "name": "Sneaky",
            "is_staff": True,
            "is_superuser": True,
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["user"]["is_staff"] is False
    user = User.objects.get()
    assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("staff", '"staff" is not a valid choice.'),
        ("admin", '"admin" is not a valid choice.'),
        ("", '"" is not a valid choice.'),
        (["seller"], "\"['seller']\" is not a valid choice."),
    ],
)
def test_register_refuses_staff_or_unknown_roles(api_client, role, message):
    """Only customer or seller can be chosen; anything else is 400 on role."""
    response = api_client.post(
        REGISTER,
        {"email": "r@example.com", "password": PASSWORD, "name": "R", "role": role},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"role": [message]}
    assert not User.objects.exists()


def test_register_requires_email_password_and_name(api_client):
    """An empty object names every missing field."""
    response = api_client.post(REGISTER, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "email": ["This field is required."],
        "password": ["This field is required."],
        "name": ["This field is required."],
    }


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"email": 123}, {"email": ["Enter a valid email address."]}),
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"email": None}, {"email": ["This field may not be null."]}),
        ({"email": ["a@example.com"]}, {"email": ["Enter a valid email address."]}),
        ({"password": []}, {"password": ["Not a valid string."]}),
        ({"password": {"x": 1}}, {"password": ["Not a valid string."]}),
        ({"password": ""}, {"password": ["This field may not be blank."]}),
        (
            {"password": "Xy7!" * 33},
            {"password": ["Ensure this field has no more than 128 characters."]},
        ),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        (
            {"name": "n" * 151},
            {"name": ["Ensure this field has no more than 150 characters."]},
        ),
        ({"name": True}, {"name": ["Not a valid string."]}),
        ({"name": 0}, {"name": ["Not a valid string."]}),
        ({"password": 90817263544}, {"password": ["Not a valid string."]}),
        ({"name": "a\x00b"}, {"name": ["Null characters are not allowed."]}),
        (
            {"password": "Xy7!\x00abcd"},
            {"password": ["Null characters are not allowed."]},
        ),
    ],
)
def test_register_refuses_wrong_types_and_bad_values(api_client, payload, errors):
    """Each wrong type or bad value is a 400 field map naming that field; nothing is created."""
    body = {"email": "ok@example.com", "password": PASSWORD, "name": "Ok", **payload}

    response = api_client.post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.COM"])
def test_register_refuses_a_duplicate_email_in_any_case(api_client, email):
    """An email already registered (in any letter case) is 400 on email."""
    UserFactory(email="taken@example.com")

    response = api_client.post(
        REGISTER, {"email": email, "password": PASSWORD, "name": "Dup"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "email": ["A user with this email address already exists."]
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        (
            "abc12",
            ["This password is too short. It must contain at least 8 characters."],
        ),
        ("password123", ["This password is too common."]),
        (
            "12345678",
            ["This password is too common.", "This password is entirely numeric."],
        ),
        ("90817263544", ["This password is entirely numeric."]),
        ("weak.person@example", ["The password is too similar to the email address."]),
    ],
)
def test_register_refuses_weak_passwords(api_client, password, messages):
    """Django's password validators run: short, common, numeric, email-like are 400."""
    response = api_client.post(
        REGISTER,
        {"email": "weak.person@example.com", "password": password, "name": "W"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"password": messages}
    assert not User.objects.exists()


def test_register_refuses_a_json_array_body(api_client):
    """A JSON array instead of an object is a 400, not a 500."""
    response = api_client.post(REGISTER, [1, 2], format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_register_refuses_malformed_json(api_client):
    """A body that is not valid JSON is 400 parse_error."""
    response = api_client.post(
        REGISTER, data='{"email": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ],
)
def test_register_refuses_non_json_content_types(api_client, content_type):
    """Only JSON is accepted: other content types are 415 JSON."""
    response = api_client.post(
        REGISTER, data="email=a@example.com", content_type=content_type
    )

    assert response.status_code == 415
    media = content_type
    assert response.json() == {
        "detail": f'Unsupported media type "{media}" in request.',
        "code": "unsupported_media_type",
    }
    assert not User.objects.exists()


def test_register_does_not_accept_get(api_client):
    """register/ is POST only: GET is 405 JSON."""
    response = api_client.get(REGISTER)

    assert response.status_code == 405
    assert response.json() == {
        "detail": 'Method "GET" not allowed.',
        "code": "method_not_allowed",
    }


# --- token ------------------------------------------------------------------


def test_token_with_right_credentials_answers_a_pair(api_client, customer):
    """token/ with email and password answers 200 {access, refresh} for that user."""
    response = login(api_client, customer.email)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert_access_token_for(body["access"], customer)


def test_token_email_is_case_insensitive(api_client):
    """Logging in with the email in another letter case (and spaces) works."""
    user = UserFactory(email="mixed@example.com")

    response = login(api_client, " MIXED@Example.com ")

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("email", "password"),
    [("known@example.com", "Wrong-password-1"), ("nobody@example.com", PASSWORD)],
)
def test_token_with_wrong_credentials_is_401(api_client, email, password):
    """A wrong password or an unknown email is 401 JSON, saying nothing about which."""
    UserFactory(email="known@example.com")

    response = login(api_client, email, password)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "No active account found with the given credentials",
        "code": "no_active_account",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_token_for_an_inactive_user_is_401(api_client):
    """A deactivated account cannot log in even with its right password."""
    user = UserFactory(is_active=False)

    response = login(api_client, user.email)

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {},
            {
                "email": ["This field is required."],
                "password": ["This field is required."],
            },
        ),
        (
            {"email": 123, "password": PASSWORD},
            {"email": ["Enter a valid email address."]},
        ),
        (
            {"email": "a@example.com", "password": []},
            {"password": ["Not a valid string."]},
        ),
        (
            {"email": "a@example.com", "password": 123456789},
            {"password": ["Not a valid string."]},
        ),
        (
            {"email": "a@example.com", "password": None},
            {"password": ["This field may not be null."]},
        ),
    ],
)
def test_token_refuses_missing_fields_and_wrong_types(api_client, payload, errors):
    """Missing fields and wrong types are 400 field maps, not 401 or 500."""
    response = api_client.post(TOKEN, payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors


def test_token_refuses_a_json_array_and_non_json(api_client):
    """A JSON array is 400; a form-encoded body is 415."""
    response = api_client.post(TOKEN, ["a@example.com", PASSWORD], format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }

    response = api_client.post(TOKEN, {"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_token_ignores_a_stale_bearer_header(customer):
    """Logging in works even when the client still sends an invalid access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    response = login(client, customer.email)

    assert response.status_code == 200


# --- refresh ----------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_then_refused(
    api_client, customer
):
    """token/refresh/ answers a new pair; the used refresh token is blacklisted (401 after)."""
    first = login(api_client, customer.email).json()

    response = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")

    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"]
    assert_access_token_for(second["access"], customer)

    reused = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json() == {
        "detail": "Token is blacklisted",
        "code": "token_not_valid",
    }

    # The new refresh token keeps working.
    third = api_client.post(REFRESH, {"refresh": second["refresh"]}, format="json")
    assert third.status_code == 200


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", ""],
)
def test_refresh_with_an_invalid_token(api_client, token):
    """A token that is not a JWT is 401 token_not_valid; an empty one is 400."""
    response = api_client.post(REFRESH, {"refresh": token}, format="json")

    if token == "":
        assert response.status_code == 400
        assert response.json() == {"refresh": ["This field may not be blank."]}
    else:
        assert response.status_code == 401
        assert response.json() == {
            "detail": "Token is invalid",
            "code": "token_not_valid",
        }


def test_refresh_with_an_access_token_is_401(api_client, customer):
    """An access token is not a refresh token."""
    access = login(api_client, customer.email).json()["access"]

    response = api_client.post(REFRESH, {"refresh": access}, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Token has wrong type",
        "code": "token_not_valid",
    }


def test_refresh_refuses_missing_field_and_wrong_type(api_client):
    """No refresh field, or a non-string one, is 400."""
    response = api_client.post(REFRESH, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}

    for wrong in (["x"], 5, True):
        response = api_client.post(REFRESH, {"refresh": wrong}, format="json")
        assert response.status_code == 400
        assert response.json() == {"refresh": ["Not a valid string."]}


def test_refresh_for_an_inactive_or_deleted_user_is_401(api_client):
    """A refresh token stops working when its user is deactivated or deleted."""
    inactive = UserFactory()
    deleted = UserFactory()
    inactive_refresh = str(RefreshToken.for_user(inactive))
    deleted_refresh = str(RefreshToken.for_user(deleted))
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    deleted.delete()

    for token in (inactive_refresh, deleted_refresh):
        response = api_client.post(REFRESH, {"refresh": token}, format="json")
        assert response.status_code == 401
        assert response.json()["code"] == "no_active_account"


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_rotate_it_once():
    """Two simultaneous refreshes with the same token: exactly one gets a new pair."""
    user = UserFactory()
    refresh = str(RefreshToken.for_user(user))
    barrier = threading.Barrier(2)
    statuses = []

    def refresh_once():
        try:
            barrier.wait(timeout=5)
            response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(statuses) == [200, 401]
    assert BlacklistedToken.objects.count() == 1


# --- logout -----------------------------------------------------------------


def test_logout_blacklists_the_refresh_token(api_client, customer):
    """logout/ answers 204 and the refresh token cannot be used afterwards."""
    tokens = login(api_client, customer.email).json()

    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert response.content == b""
    refreshed = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401
    assert refreshed.json() == {
        "detail": "Token is blacklisted",
        "code": "token_not_valid",
    }


def test_logout_twice_is_401(api_client, customer):
    """A refresh token already blacklisted is refused by logout/ too."""
    refresh = login(api_client, customer.email).json()["refresh"]
    assert (
        api_client.post(LOGOUT, {"refresh": refresh}, format="json").status_code == 204
    )

    response = api_client.post(LOGOUT, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Token is blacklisted",
        "code": "token_not_valid",
    }


def test_logout_with_an_invalid_or_access_token_is_401(api_client, customer):
    """Garbage or an access token given as refresh is 401 token_not_valid."""
    access = login(api_client, customer.email).json()["access"]

    garbage = api_client.post(LOGOUT, {"refresh": "garbage"}, format="json")
    wrong_type = api_client.post(LOGOUT, {"refresh": access}, format="json")

    assert garbage.status_code == 401
    assert garbage.json() == {"detail": "Token is invalid", "code": "token_not_valid"}
    assert wrong_type.status_code == 401
    assert wrong_type.json() == {
        "detail": "Token has wrong type",
        "code": "token_not_valid",
    }
    assert not BlacklistedToken.objects.exists()


def test_logout_with_a_missing_or_mistyped_token_is_400(api_client):
    """No refresh field, a non-string one or a JSON array body is 400."""
    missing = api_client.post(LOGOUT, {}, format="json")
    mistyped = api_client.post(LOGOUT, {"refresh": 5}, format="json")
    array = api_client.post(LOGOUT, [], format="json")

    assert missing.status_code == 400
    assert missing.json() == {"refresh": ["This field is required."]}
    assert mistyped.status_code == 400
    assert mistyped.json() == {"refresh": ["Not a valid string."]}
    assert array.status_code == 400
    assert array.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_logout_leaves_other_sessions_working(api_client, customer):
    """Logging out one refresh token does not end the user's other sessions."""
    first = login(api_client, customer.email).json()["refresh"]
    second = login(api_client, customer.email).json()["refresh"]

    assert api_client.post(LOGOUT, {"refresh": first}, format="json").status_code == 204

    response = api_client.post(REFRESH, {"refresh": second}, format="json")
    assert response.status_code == 200


# --- me ---------------------------------------------------------------------


def test_me_answers_the_user(customer_client, customer):
    """GET me/ answers {id, email, name, role, is_staff} of the JWT's user."""
    response = customer_client.get(ME)

    assert response.status_code == 200
    assert response.json() == user_json(customer)


def test_me_for_staff_shows_is_staff(staff_client, staff_user):
    """Staff see is_staff true."""
    response = staff_client.get(ME)

    assert response.status_code == 200
    assert response.json()["is_staff"] is True


def test_me_anonymous_is_401(api_client):
    """Without a JWT me/ is 401 JSON, for GET and PATCH."""
    for response in (
        api_client.get(ME),
        api_client.patch(ME, {"name": "x"}, format="json"),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "detail": "Authentication credentials were not provided.",
            "code": "not_authenticated",
        }


def test_me_with_an_invalid_token_is_401(api_client):
    """A malformed bearer token is 401 token_not_valid."""
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_me_of_a_deactivated_user_is_401(customer_client, customer):
    """An access token stops working once its user is deactivated."""
    User.objects.filter(pk=customer.pk).update(is_active=False)

    response = customer_client.get(ME)

    assert response.status_code == 401


def test_patch_me_changes_the_name(customer_client, customer):
    """PATCH me/ {name} answers 200 with the changed user."""
    response = customer_client.patch(ME, {"name": "  Renamed "}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.name == "Renamed"
    assert response.json() == user_json(customer)


def test_patch_me_never_escalates(seller_client, seller):
    """role, email, is_staff and id in a PATCH are ignored: nothing but the name changes."""
    original_email = seller.email

    response = seller_client.patch(
        ME,
        {
            "name": "Still seller",
            "role": "customer",
            "email": "other@example.com",
            "is_staff": True,
            "is_superuser": True,
            "id": 999999,
        },
        format="json",
    )

    assert response.status_code == 200
    seller.refresh_from_db()
    assert (
        seller.name,
        seller.role,
        seller.email,
        seller.is_staff,
        seller.is_superuser,
    ) == (
        "Still seller",
        "seller",
        original_email,
        False,
        False,
    )
    assert response.json() == user_json(seller)


def test_patch_me_with_an_empty_body_changes_nothing(customer_client, customer):
    """PATCH {} is a 200 with the user unchanged."""
    response = customer_client.patch(ME, {}, format="json")

    assert response.status_code == 200
    assert response.json() == user_json(customer)


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": None}, {"name": ["This field may not be null."]}),
        ({"name": ["x"]}, {"name": ["Not a valid string."]}),
        ({"name": 0}, {"name": ["Not a valid string."]}),
        (
            {"name": "n" * 151},
            {"name": ["Ensure this field has no more than 150 characters."]},
        ),
    ],
)
def test_patch_me_refuses_bad_names(customer_client, customer, payload, errors):
    """A null, non-string or over-long name is 400 and nothing changes."""
    before = customer.name

    response = customer_client.patch(ME, payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    customer.refresh_from_db()
    assert customer.name == before


def test_patch_me_refuses_a_json_array_and_non_json(customer_client):
    """A JSON array body is 400 and a form body 415."""
    array = customer_client.patch(ME, ["x"], format="json")
    form = customer_client.patch(
        ME, "name=x", content_type="application/x-www-form-urlencoded"
    )

    assert array.status_code == 400
    assert array.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    assert form.status_code == 415


def test_put_and_delete_me_are_405(customer_client):
    """Only GET and PATCH are offered on me/."""
    assert customer_client.put(ME, {"name": "x"}, format="json").status_code == 405
    assert customer_client.delete(ME).status_code == 405


def test_a_registered_user_can_use_every_endpoint_in_turn(api_client):
    """register → me → refresh → logout: the whole round trip of a new account."""
    registered = api_client.post(
        REGISTER,
        {"email": "round@example.com", "password": PASSWORD, "name": "Round"},
        format="json",
    ).json()
    user = User.objects.get(email="round@example.com")
    me_client = client_for(user)
    assert me_client.get(ME).json() == registered["user"]

    refreshed = api_client.post(
        REFRESH, {"refresh": registered["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    out = api_client.post(
        LOGOUT, {"refresh": refreshed.json()["refresh"]}, format="json"
    )
    assert out.status_code == 204
    assert login(api_client, "round@example.com").status_code == 200


# --- throttling -------------------------------------------------------------


def auth_rate(settings, rate: str) -> None:
    """The "auth" scope's rate (SHOP_THROTTLE_AUTH), as the settings give it."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": rate}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }


@pytest.fixture
def auth_rate_3_per_minute(settings):
    auth_rate(settings, "3/min")


def test_the_auth_rate_is_read_from_the_settings_at_each_request(api_client, settings):
    """A changed rate applies to the next request: 1/min refuses the second attempt,
    raised to 3/min the same window lets two more through."""
    auth_rate(settings, "1/min")
    assert login(api_client, "a@example.com", "wrong").status_code == 401
    assert login(api_client, "a@example.com", "wrong").status_code == 429
    auth_rate(settings, "3/min")
    assert login(api_client, "a@example.com", "wrong").status_code == 401
    assert login(api_client, "a@example.com", "wrong").status_code == 401
    assert login(api_client, "a@example.com", "wrong").status_code == 429


def test_token_is_throttled_after_the_configured_rate(
    api_client, auth_rate_3_per_minute
):
    """The fourth login attempt within a minute is 429 JSON, even with right credentials."""
    user = UserFactory()
    for _ in range(3):
        assert login(api_client, user.email, "Wrong-password-1").status_code == 401

    response = login(api_client, user.email)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Request was throttled.")
    assert int(response["Retry-After"]) > 0


def test_register_is_throttled_after_the_configured_rate(
    api_client, auth_rate_3_per_minute
):
    """The fourth registration within a minute is 429 and creates nothing."""
    for n in range(3):
        response = api_client.post(
            REGISTER,
            {"email": f"t{n}@example.com", "password": PASSWORD, "name": "T"},
            format="json",
        )
        assert response.status_code == 201

    response = api_client.post(
        REGISTER,
        {"email": "t3@example.com", "password": PASSWORD, "name": "T"},
        format="json",
    )

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert not User.objects.filter(email="t3@example.com").exists()


def test_me_and_refresh_are_not_throttled_by_the_auth_scope(
    customer_client, customer, auth_rate_3_per_minute
):
    """Only register and token spend the auth budget."""
    for _ in range(5):
        assert customer_client.get(ME).status_code == 200
    refresh = str(RefreshToken.for_user(customer))
    for _ in range(5):
        response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
        assert response.status_code == 200
        refresh = response.json()["refresh"]


# --- schema -----------------------------------------------------------------


def test_the_schema_documents_the_auth_endpoints(api_client):
    """/api/schema/ lists every auth endpoint with its success and error responses."""
    response = api_client.get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        ("/api/v1/auth/register/", "post"): {"201", "400", "415", "429", "503"},
        ("/api/v1/auth/token/", "post"): {"200", "400", "401", "415", "429", "503"},
        ("/api/v1/auth/token/refresh/", "post"): {"200", "400", "401", "415", "503"},
        ("/api/v1/auth/logout/", "post"): {"204", "400", "401", "415", "503"},
        ("/api/v1/auth/me/", "get"): {"200", "401", "503"},
        ("/api/v1/auth/me/", "patch"): {"200", "400", "401", "415", "503"},
    }
    for (path, method), statuses in expected.items():
        assert set(paths[path][method]["responses"]) == statuses, (path, method)


@pytest.mark.django_db(transaction=True)
def test_parallel_logins_cannot_pass_the_auth_throttle_together(
    auth_rate_3_per_minute, settings
):
    """Sixty simultaneous token requests from one address at 3/min: exactly three get
    an answer, the rest 429 (the window is checked and written in one Redis step)."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: the window lives in Redis")
    barrier = threading.Barrier(60)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt():
        client = APIClient()
        try:
            barrier.wait()
            status = login(client, "nobody@example.com", "wrong").status_code
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 3 + [429] * 57
