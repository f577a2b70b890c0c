"""The /account/ page: profile, password, verification status and the address book,
all plain POST forms; errors are shown on the page."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from accounts.addresses import address_create
from accounts.models import Address, User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("shop:account")
NEW_PASSWORD = "Brand-New-Secret-77"
HOME = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postcode": "SW1Y 4JH",
    "region": "",
    "country": "GB",
    "phone": "",
}


@pytest.fixture
def signed_in(client):
    user = UserFactory(name="Ada")
    client.login(username=user.email, password=PASSWORD)
    client.user = user
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_anonymous_goes_to_sign_in(client):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={ACCOUNT}"


def test_the_page_shows_every_part(signed_in):
    """Profile, password, verification status with a resend button, address book; the
    header links to it."""
    html = signed_in.get(ACCOUNT).content.decode()

    assert 'value="Ada"' in html
    assert "Current password" in html
    assert "Not verified" in html
    assert reverse("shop:account-verify-resend") in html
    assert "No addresses yet" in html
    assert f'href="{ACCOUNT}"' in html
    assert html.count("csrfmiddlewaretoken") >= 4


def test_profile_name(signed_in):
    response = signed_in.post(reverse("shop:account-profile"), {"name": "Ada L."})

    assert response.status_code == 302
    assert User.objects.get(pk=signed_in.user.pk).name == "Ada L."
    bad = signed_in.post(reverse("shop:account-profile"), {"name": "x" * 151})
    assert bad.status_code == 400
    assert "has-error" in bad.content.decode()


def test_change_password_keeps_the_session(signed_in):
    """The right current password changes it and the user stays signed in."""
    response = signed_in.post(
        reverse("shop:account-password"),
        {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert _messages(response) == ["Your password is changed."]
    assert User.objects.get(pk=signed_in.user.pk).check_password(NEW_PASSWORD)
    assert signed_in.get(ACCOUNT).status_code == 200


def test_change_password_errors_are_on_the_page(signed_in):
    """A wrong current password and a weak new one are form errors on their fields."""
    wrong = signed_in.post(
        reverse("shop:account-password"),
        {
            "current_password": "Wrong-1",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    weak = signed_in.post(
        reverse("shop:account-password"),
        {"current_password": PASSWORD, "password": "123", "password_again": "123"},
    )

    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.content.decode()
    assert weak.status_code == 400
    assert "This password is too short." in weak.content.decode()
    assert User.objects.get(pk=signed_in.user.pk).check_password(PASSWORD)


def test_resend_the_verification(signed_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("shop:account-verify-resend"))

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    User.objects.filter(pk=signed_in.user.pk).update(email_verified=True)
    assert "Verified" in signed_in.get(ACCOUNT).content.decode()


def test_add_edit_default_and_delete_addresses(signed_in):
    user = signed_in.user
    added = signed_in.post(reverse("shop:account-address-add"), HOME)
    assert added.status_code == 302
    first = Address.objects.get(user=user)
    assert first.is_default
    signed_in.post(
        reverse("shop:account-address-add"),
        {**HOME, "line1": "2 Road", "phone": "+44 20 7946 0958"},
    )
    second = Address.objects.get(user=user, line1="2 Road")
    html = signed_in.get(ACCOUNT).content.decode()
    assert html.count('data-testid="address"') == 2
    assert "+44 20 7946 0958" in html

    edit_url = reverse("shop:account-address-edit", args=[second.pk])
    assert signed_in.get(edit_url).status_code == 200
    edited = signed_in.post(edit_url, {**HOME, "line1": "2 Road", "city": "Leeds"})
    assert edited.status_code == 302
    assert Address.objects.get(pk=second.pk).city == "Leeds"

    signed_in.post(reverse("shop:account-address-default", args=[second.pk]))
    assert Address.objects.get(is_default=True, user=user).pk == second.pk

    signed_in.post(reverse("shop:account-address-delete", args=[second.pk]))
    assert list(Address.objects.filter(user=user)) == [first]
    assert Address.objects.get(pk=first.pk).is_default


def test_address_errors_are_on_the_page(signed_in):
    """A bad country or phone, or a missing city, is shown on the form; nothing saved."""
    response = signed_in.post(
        reverse("shop:account-address-add"),
        {**HOME, "country": "XX", "phone": "12", "city": ""},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in html
    assert "Enter a valid phone number" in html
    assert "This field is required." in html
    assert not Address.objects.exists()


def test_another_users_address_is_404(signed_in):
    theirs = address_create(user=UserFactory(), **HOME)

    for name in ("account-address-delete", "account-address-default"):
        assert (
            signed_in.post(reverse(f"shop:{name}", args=[theirs.pk])).status_code == 404
        )
    edit = reverse("shop:account-address-edit", args=[theirs.pk])
    assert signed_in.get(edit).status_code == 404
    assert signed_in.post(edit, {**HOME, "city": "X"}).status_code == 404
    assert Address.objects.get(pk=theirs.pk).city == "London"


def test_the_actions_are_post_only(signed_in):
    assert signed_in.get(reverse("shop:account-profile")).status_code == 405
    assert signed_in.get(reverse("shop:account-verify-resend")).status_code == 405
