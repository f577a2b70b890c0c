"""The user admin: email login, list, filters, search, add and change forms."""

from urllib.parse import urljoin

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")
ADD = reverse("admin:accounts_user_add")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_changelist_lists_users_with_their_columns(admin_client):
    """The changelist shows email, name, role, staff, active and date joined."""
    UserFactory(email="listed@example.com", name="Listed Person", role="seller")

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    content = response.content.decode()
    assert "listed@example.com" in content
    assert "Listed Person" in content
    for column in (
        "column-email",
        "column-name",
        "column-role",
        "column-is_staff",
        "column-is_active",
        "column-date_joined",
    ):
        assert column in content


def test_changelist_filters_by_role_and_searches_email_and_name(admin_client):
    """?role= filters and ?q= searches email and name."""
    UserFactory(email="alpha@example.com", name="Alpha", role="seller")
    UserFactory(email="beta@example.com", name="Zed Beta", role="customer")

    sellers = admin_client.get(CHANGELIST, {"role__exact": "seller"})
    by_name = admin_client.get(CHANGELIST, {"q": "zed"})

    assert sellers.status_code == 200
    assert list(sellers.context["cl"].result_list.values_list("email", flat=True)) == [
        "alpha@example.com"
    ]
    assert by_name.status_code == 200
    assert [u.email for u in by_name.context["cl"].result_list] == ["beta@example.com"]


def test_add_page_renders_with_email_and_passwords(admin_client):
    """The add form asks for email, name, role and the password twice."""
    response = admin_client.get(ADD)

    assert response.status_code == 200
    form = response.context["adminform"].form
    for field in ("email", "name", "role", "password1", "password2"):
        assert field in form.fields
    assert "username" not in form.fields


def test_add_creates_a_user_with_a_lower_cased_email(admin_client):
    """Adding a user stores the email lower-cased and the password hashed."""
    response = admin_client.post(
        ADD,
        {
            "email": "Added@Example.com",
            "name": "Added",
            "role": "seller",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="added@example.com")
    assert user.role == "seller"
    assert user.check_password(PASSWORD)
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])


def test_add_refuses_an_email_taken_in_another_case(admin_client):
    """A duplicate email in any letter case is a form error, never a database error."""
    UserFactory(email="dup@example.com")

    response = admin_client.post(
        ADD,
        {
            "email": "DUP@example.com",
            "name": "Dup",
            "role": "customer",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["A user with this email address already exists."]
    }
    assert User.objects.filter(email="dup@example.com").count() == 1


def test_add_refuses_mismatched_or_weak_passwords(admin_client):
    """The password validators and the confirmation run on the add form."""
    response = admin_client.post(
        ADD,
        {
            "email": "weak@example.com",
            "name": "Weak",
            "role": "customer",
            "usable_password": "true",
            "password1": "12345678",
            "password2": "12345678",
        },
    )

    assert response.status_code == 200
    assert "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="weak@example.com").exists()


def test_change_page_links_to_the_password_change_form(admin_client):
    """The change form shows the hashed password with a link to change it."""
    user = UserFactory()

    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Reset password" in content
    # The widget links relatively from .../<pk>/change/ to .../<pk>/password/ (Django
    # names that route auth_user_password_change whatever the user model).
    change_url = reverse("admin:accounts_user_change", args=[user.pk])
    password_url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert 'href="../password/"' in content
    assert urljoin(change_url, "../password/") == password_url


def test_password_change_page_changes_the_password(admin_client):
    """Staff can set a new password through the admin password form."""
    user = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "usable_password": "true",
            "password1": "Another-Pass-77",
            "password2": "Another-Pass-77",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Pass-77")


def test_change_refuses_renaming_to_a_taken_email(admin_client):
    """Changing a user's email to another user's (any case) is a form error."""
    UserFactory(email="first@example.com")
    second = UserFactory(email="second@example.com")
    url = reverse("admin:accounts_user_change", args=[second.pk])
    page = admin_client.get(url)
    data = {
        "email": "FIRST@example.com",
        "name": second.name,
        "role": second.role,
        "is_active": "on",
    }

    response = admin_client.post(url, data)

    assert page.status_code == 200
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email address already exists."
    ]
    second.refresh_from_db()
    assert second.email == "second@example.com"


def test_change_saves_role_and_staff(admin_client):
    """Staff can make a user a seller and staff from the change form."""
    user = UserFactory(email="promote@example.com", role="customer")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = admin_client.post(
        url,
        {
            "email": "Promote@Example.com",
            "name": "Promoted",
            "role": "seller",
            "is_active": "on",
            "is_staff": "on",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.name, user.role, user.is_staff) == (
        "promote@example.com",
        "Promoted",
        "seller",
        True,
    )


def test_a_customer_cannot_open_the_user_admin(client):
    """A customer is sent to the admin login page."""
    client.force_login(UserFactory(role="customer"))

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_seller_cannot_open_the_user_admin(client):
    """The admin site admits sellers (catalog.admin.sellers), but not to the users: a
    seller has no permission on them, 403."""
    client.force_login(UserFactory(role="seller"))

    response = client.get(CHANGELIST)

    assert response.status_code == 403


def test_email_verified_is_a_column_and_a_filter(admin_client):
    """Staff see whether each email is verified and can filter on it."""
    UserFactory(email="checked@example.com", email_verified=True)
    UserFactory(email="unchecked@example.com")

    listing = admin_client.get(CHANGELIST).content.decode()
    verified = admin_client.get(CHANGELIST, {"email_verified__exact": "1"})

    assert "column-email_verified" in listing
    assert "By email verified" in listing
    assert "checked@example.com" in verified.content.decode()
    assert "unchecked@example.com" not in verified.content.decode()
