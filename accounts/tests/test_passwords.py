"""Password reset by a mailed link (API and pages) and password change (API.md "Auth")."""

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mailbox import RESET_LINK, last_mail_to, link_in
from accounts.tests.test_api import auth_rate, login

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
CHANGE = "/api/v1/auth/password/change/"
NEW_PASSWORD = "Brand-New-Secret-77"


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """Run what a request queued after its commit (the mail tasks), as a real one does."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def ask_reset(api_client, mailed, email):
    return mailed(lambda: api_client.post(RESET, {"email": email}, format="json"))


def reset_link(api_client, mailed, user) -> tuple[str, str, str]:
    assert ask_reset(api_client, mailed, user.email).status_code == 204
    return link_in(last_mail_to(user.email), RESET_LINK)


def confirm(api_client, uid, token, password=NEW_PASSWORD):
    return api_client.post(
        CONFIRM, {"uid": uid, "token": token, "password": password}, format="json"
    )


# --- API: reset -------------------------------------------------------------------


def test_a_known_email_is_mailed_a_link(api_client, mailed, settings):
    """204, and one mail (text and HTML) to the account with a link on SHOP_SITE_URL."""
    settings.SHOP_SITE_URL = "https://shop.example.com"
    user = UserFactory(email="ada@example.com")

    response = ask_reset(api_client, mailed, "ADA@example.com")

    assert response.status_code == 204
    assert response.content == b""
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "reset your password" in message.subject
    path, uid, token = link_in(message, RESET_LINK)
    assert f"https://shop.example.com{path}" in message.body
    assert default_token_generator.check_token(user, token)


def test_an_unknown_email_answers_the_same_and_sends_nothing(api_client, mailed):
    """No enumeration: an email of no account (or of a deactivated one) is 204 too, with
    the same empty body, and no mail leaves."""
    UserFactory(email="gone@example.com", is_active=False)

    for email in ("nobody@example.com", "gone@example.com"):
        response = ask_reset(api_client, mailed, email)
        assert response.status_code == 204
        assert response.content == b""
    assert mail.outbox == []


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": 5}])
def test_a_malformed_email_is_400(api_client, body):
    assert api_client.post(RESET, body, format="json").status_code == 400


def test_the_link_sets_a_new_password_once(api_client, mailed):
    """The mailed uid and token set a new password (204); the old one stops working;
    the same link a second time is 400 token_invalid."""
    user = UserFactory()
    _, uid, token = reset_link(api_client, mailed, user)

    assert confirm(api_client, uid, token).status_code == 204
    assert login(api_client, user.email, NEW_PASSWORD).status_code == 200
    assert login(api_client, user.email, PASSWORD).status_code == 401

    again = confirm(api_client, uid, token, "Another-Secret-88")
    assert again.status_code == 400
    assert again.json()["code"] == "token_invalid"
    assert login(api_client, user.email, NEW_PASSWORD).status_code == 200


def test_an_expired_link_is_400(api_client, mailed, settings, monkeypatch):
    """Past PASSWORD_RESET_TIMEOUT the link is refused and the password stays."""
    settings.PASSWORD_RESET_TIMEOUT = 60
    user = UserFactory()
    _, uid, token = reset_link(api_client, mailed, user)
    later = default_token_generator._now() + timedelta(seconds=61)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = confirm(api_client, uid, token)

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    assert login(api_client, user.email, PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "uid, token",
    [
        ("MQ", "bad-token"),
        ("!!", "x"),
        ("", ""),
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "c0ffee-c0ffee"),
    ],
)
def test_a_wrong_uid_or_token_is_400(api_client, uid, token):
    """A made-up uid or token is a 400, never a 500."""
    UserFactory()

    response = confirm(api_client, uid, token)

    assert response.status_code == 400


def test_a_link_for_one_user_does_not_reset_another(api_client, mailed):
    """The token is bound to its user: with another user's uid it is refused."""
    ada, bob = UserFactory(), UserFactory()
    _, _, token = reset_link(api_client, mailed, ada)
    _, bob_uid, _ = reset_link(api_client, mailed, bob)

    assert confirm(api_client, bob_uid, token).status_code == 400
    assert login(api_client, bob.email, PASSWORD).status_code == 200


def test_the_new_password_passes_the_validators(api_client, mailed):
    """A weak new password is 400 on password; the link still works afterwards."""
    user = UserFactory()
    _, uid, token = reset_link(api_client, mailed, user)

    weak = confirm(api_client, uid, token, "12345678")
    assert weak.status_code == 400
    assert list(weak.json()) == ["password"]
    assert confirm(api_client, uid, token).status_code == 204


def test_a_reset_blacklists_every_refresh_token(api_client, mailed):
    """Whoever held the old password is signed out of the API: each outstanding refresh
    token of the user is refused after the reset; another user's still works."""
    user, other = UserFactory(), UserFactory()
    refreshes = [str(RefreshToken.for_user(user)) for _ in range(2)]
    others = str(RefreshToken.for_user(other))
    _, uid, token = reset_link(api_client, mailed, user)

    assert confirm(api_client, uid, token).status_code == 204

    for refresh in refreshes:
        response = api_client.post(
            "/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json"
        )
        assert response.status_code == 401
    assert (
        OutstandingToken.objects.filter(
            user=user, blacklistedtoken__isnull=True
        ).exists()
        is False
    )
    kept = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": others}, format="json"
    )
    assert kept.status_code == 200


def test_reset_requests_are_throttled(api_client, mailed, settings):
    """password-reset/ spends the "auth" budget: past it, 429 and no mail."""
    auth_rate(settings, "2/min")
    user = UserFactory()
    assert ask_reset(api_client, mailed, user.email).status_code == 204
    assert ask_reset(api_client, mailed, user.email).status_code == 204

    response = ask_reset(api_client, mailed, user.email)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert len(mail.outbox) == 2


# --- API: change ------------------------------------------------------------------


def test_change_password(customer_client, customer, api_client):
    """The right current password and a good new one: 204, the new one signs in."""
    response = customer_client.post(
        CHANGE,
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 204
    assert login(api_client, customer.email, NEW_PASSWORD).status_code == 200


def test_change_password_with_a_wrong_current_one_is_400(customer_client, customer):
    """A wrong current password is 400 on current_password; nothing changes."""
    response = customer_client.post(
        CHANGE,
        {"current_password": "Wrong-Guess-1", "password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "current_password": ["That is not your current password."]
    }
    assert User.objects.get(pk=customer.pk).check_password(PASSWORD)


def test_change_password_checks_the_validators(customer_client, customer):
    response = customer_client.post(
        CHANGE, {"current_password": PASSWORD, "password": "password"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert User.objects.get(pk=customer.pk).check_password(PASSWORD)


def test_change_password_needs_a_jwt(api_client):
    response = api_client.post(
        CHANGE, {"current_password": PASSWORD, "password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 401


def test_a_changed_password_uses_up_a_reset_link(api_client, mailed, customer):
    """A reset link mailed before a password change no longer works after it."""
    from conftest import client_for

    _, uid, token = reset_link(api_client, mailed, customer)
    client_for(customer).post(
        CHANGE, {"current_password": PASSWORD, "password": NEW_PASSWORD}, format="json"
    )

    assert confirm(api_client, uid, token, "Third-Secret-99").status_code == 400


# --- pages ------------------------------------------------------------------------


def test_reset_by_the_mailed_link_on_the_pages(client, mailed):
    """Forgot password → done page → the mailed link's form → complete; the new
    password signs in, the link is then used up."""
    user = UserFactory(email="ada@example.com")
    page = client.get(reverse("accounts:password-reset"))
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()

    response = mailed(
        lambda: client.post(
            reverse("accounts:password-reset"), {"email": "ada@example.com"}
        )
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    path, _, _ = link_in(last_mail_to(user.email), RESET_LINK)

    form = client.get(path)
    assert form.status_code == 200
    assert form["Referrer-Policy"] == "same-origin"
    assert "Choose a new password" in form.content.decode()
    done = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password-reset-complete")
    assert client.login(username=user.email, password=NEW_PASSWORD)

    used = client.get(path)
    assert used.status_code == 400
    assert "This link does not work" in used.content.decode()


def test_the_reset_page_answers_the_same_for_an_unknown_email(client, mailed):
    response = mailed(
        lambda: client.post(
            reverse("accounts:password-reset"), {"email": "nobody@example.com"}
        )
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_the_reset_form_shows_errors(client, mailed):
    """Mismatched or weak passwords are form errors on the page; the link stays valid."""
    user = UserFactory()
    mailed(
        lambda: client.post(reverse("accounts:password-reset"), {"email": user.email})
    )
    path, _, _ = link_in(last_mail_to(user.email), RESET_LINK)

    mismatch = client.post(path, {"password": NEW_PASSWORD, "password_again": "x"})
    weak = client.post(path, {"password": "12345678", "password_again": "12345678"})

    assert mismatch.status_code == 200
    assert "The two passwords do not match." in mismatch.content.decode()
    assert weak.status_code == 200
    assert "This password is entirely numeric." in weak.content.decode()
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_page_reset_blacklists_the_refresh_tokens(client, mailed, api_client):
    user = UserFactory()
    refresh = str(RefreshToken.for_user(user))
    mailed(
        lambda: client.post(reverse("accounts:password-reset"), {"email": user.email})
    )
    path, _, _ = link_in(last_mail_to(user.email), RESET_LINK)

    client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    response = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json"
    )
    assert response.status_code == 401


def test_the_reset_page_is_throttled(client, settings):
    auth_rate(settings, "1/min")
    url = reverse("accounts:password-reset")
    assert client.post(url, {"email": "a@example.com"}).status_code == 302

    response = client.post(url, {"email": "a@example.com"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_the_login_page_links_to_the_reset(client):
    html = client.get(reverse("accounts:login")).content.decode()

    assert f'href="{reverse("accounts:password-reset")}"' in html


class RefusingBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        from smtplib import SMTPServerDisconnected

        raise SMTPServerDisconnected("down")


def test_a_mail_server_outage_does_not_fail_the_request(api_client, mailed, settings):
    """The mail goes out after the commit, in a task: with the server down (and no
    worker to retry) the answer is still 204 and the failure is logged."""
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    user = UserFactory()

    response = ask_reset(api_client, mailed, user.email)

    assert response.status_code == 204
    assert mail.outbox == []


def test_a_worker_retries_an_smtp_error_with_backoff(monkeypatch):
    """Run by a worker, the task retries the mail server's errors, waiting twice as
    long each time (30 s, 60 s ...)."""
    from smtplib import SMTPServerDisconnected

    from accounts import tasks

    retried = {}

    class FakeRetry(Exception):
        pass

    def fake_retry(exc, countdown):
        retried.update(exc=exc, countdown=countdown)
        return FakeRetry()

    def down(*, user_id):
        raise SMTPServerDisconnected("down")

    monkeypatch.setattr(tasks.send_password_reset, "retry", fake_retry)
    task = tasks.send_password_reset
    task.push_request(is_eager=False, retries=1)
    try:
        with pytest.raises(FakeRetry):
            tasks._send(task, down, 1)
    finally:
        task.pop_request()

    assert retried["countdown"] == 60
    assert isinstance(retried["exc"], SMTPServerDisconnected)
