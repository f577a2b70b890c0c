"""Email verification: the link mailed at registration, ``email/verify/``, its resend,
and the page behind the link (API.md "Auth")."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mailbox import VERIFY_LINK, last_mail_to, link_in
from accounts.tests.test_api import auth_rate
from accounts.tokens import email_verification_token, uid_for
from conftest import client_for

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/auth/email/verify/"
RESEND = "/api/v1/auth/email/verify/resend/"


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def register(api_client, mailed, email="new@example.com"):
    body = {"email": email, "password": "Cobol-Compiler-1959", "name": "New"}
    return mailed(
        lambda: api_client.post("/api/v1/auth/register/", body, format="json")
    )


def verify(api_client, uid, token):
    return api_client.post(VERIFY, {"uid": uid, "token": token}, format="json")


def test_api_registration_mails_a_link_that_verifies_once(api_client, mailed):
    """register/ mails a link; email/verify/ with its uid and token answers 200 with the
    user, now verified; the same link again is 400 token_invalid."""
    response = register(api_client, mailed)
    assert response.json()["user"]["email_verified"] is False
    message = last_mail_to("new@example.com")
    assert "verify your email" in message.subject
    _, uid, token = link_in(message, VERIFY_LINK)

    verified = verify(api_client, uid, token)

    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True
    assert verified.json()["email"] == "new@example.com"
    assert User.objects.get(email="new@example.com").email_verified is True
    again = verify(api_client, uid, token)
    assert again.status_code == 400
    assert again.json()["code"] == "token_invalid"


def test_page_registration_mails_a_link_too(client, mailed):
    """The sign-up page's account gets the same mail."""
    form = {
        "name": "Grace",
        "email": "grace@example.com",
        "password": "Cobol-Compiler-1959",
        "password_again": "Cobol-Compiler-1959",
        "role": "customer",
    }

    mailed(lambda: client.post(reverse("accounts:register"), form))

    link_in(last_mail_to("grace@example.com"), VERIFY_LINK)


@pytest.mark.parametrize(
    "uid, token", [("MQ", "bad"), ("", ""), ("@@", "1-2"), ("MTIzNDU2Nzg5", "x-y")]
)
def test_a_bad_link_is_400(api_client, uid, token):
    UserFactory()

    response = verify(api_client, uid, token)

    assert response.status_code == 400


def test_a_password_reset_token_does_not_verify(api_client):
    """The generators have their own salts: a reset token is no verification token."""
    from django.contrib.auth.tokens import default_token_generator

    user = UserFactory()

    response = verify(
        api_client, uid_for(user), default_token_generator.make_token(user)
    )

    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email_verified is False


def test_an_expired_link_is_400(api_client, settings, monkeypatch):
    settings.SHOP_EMAIL_VERIFICATION_SECONDS = 60
    user = UserFactory()
    token = email_verification_token.make_token(user)
    later = email_verification_token._now() + timedelta(seconds=61)
    monkeypatch.setattr(email_verification_token, "_now", lambda: later)

    assert verify(api_client, uid_for(user), token).status_code == 400


def test_a_link_to_an_earlier_email_does_not_verify_the_new_one(api_client):
    """The token holds the email: after a change of address the old link is void."""
    user = UserFactory(email="old@example.com")
    token = email_verification_token.make_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")

    assert verify(api_client, uid_for(user), token).status_code == 400


def test_resend_mails_a_new_link(mailed):
    """resend/ (JWT) is 204 and mails a link that works; an unverified user may ask."""
    user = UserFactory()
    client = client_for(user)

    response = mailed(lambda: client.post(RESEND))

    assert response.status_code == 204
    _, uid, token = link_in(last_mail_to(user.email), VERIFY_LINK)
    assert verify(client, uid, token).status_code == 200


def test_resend_when_verified_sends_nothing(mailed):
    """An address already verified: 204 and no mail (nothing to do)."""
    user = UserFactory(email_verified=True)

    response = mailed(lambda: client_for(user).post(RESEND))

    assert response.status_code == 204
    assert mail.outbox == []


def test_resend_needs_a_jwt(api_client):
    assert api_client.post(RESEND).status_code == 401


def test_resend_is_throttled(mailed, settings):
    auth_rate(settings, "1/min")
    client = client_for(UserFactory())
    assert mailed(lambda: client.post(RESEND)).status_code == 204

    response = mailed(lambda: client.post(RESEND))

    assert response.status_code == 429
    assert len(mail.outbox) == 1


def test_the_page_shows_a_button_and_verifies_on_post(client, mailed):
    """GET of the link only shows a Verify button (a link prefetcher must not use it
    up); the POST verifies and the link then no longer works."""
    user = UserFactory()
    mailed(lambda: client_for(user).post(RESEND))
    path, _, _ = link_in(last_mail_to(user.email), VERIFY_LINK)

    page = client.get(path)
    assert page.status_code == 200
    assert "Verify my email" in page.content.decode()
    assert User.objects.get(pk=user.pk).email_verified is False

    done = client.post(path)
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:login")
    assert User.objects.get(pk=user.pk).email_verified is True
    again = client.get(path)
    assert again.status_code == 200
    assert "Already verified" in again.content.decode()


def test_a_signed_in_user_goes_back_to_the_account_page(client, mailed):
    user = UserFactory()
    client.login(username=user.email, password=PASSWORD)
    mailed(lambda: client_for(user).post(RESEND))
    path, _, _ = link_in(last_mail_to(user.email), VERIFY_LINK)

    done = client.post(path)

    assert done["Location"] == reverse("shop:account")


def test_a_bad_link_page_is_400(client):
    user = UserFactory()

    response = client.get(reverse("accounts:verify-email", args=[uid_for(user), "1-2"]))

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert client.post(response.request["PATH_INFO"]).status_code == 400
    assert User.objects.get(pk=user.pk).email_verified is False
