import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import user_register, user_update_profile
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_register_creates_a_customer_with_a_lower_cased_email():
    """A new account's email is stored stripped and lower-cased; the default role is customer."""
    user = user_register(email="  Ada@Example.COM ", password=PASSWORD, name=" Ada ")

    user.refresh_from_db()
    assert user.email == "ada@example.com"
    assert user.name == "Ada"
    assert user.role == User.Role.CUSTOMER
    assert user.is_staff is False
    assert user.is_superuser is False
    assert user.check_password(PASSWORD)


def test_register_a_seller():
    """A visitor may register as a seller."""
    user = user_register(
        email="s@example.com", password=PASSWORD, name="S", role="seller"
    )

    assert User.objects.get(pk=user.pk).role == User.Role.SELLER


@pytest.mark.parametrize("role", ["staff", "admin", "", None, "SELLER"])
def test_register_refuses_any_other_role(role):
    """Only customer and seller can be self-registered; nothing is created otherwise."""
    with pytest.raises(ValidationError) as exc:
        user_register(email="x@example.com", password=PASSWORD, name="X", role=role)

    assert exc.value.message_dict == {"role": ["Choose customer or seller."]}
    assert not User.objects.exists()


def test_register_refuses_a_duplicate_email_whatever_its_case():
    """An email already in use (compared case-insensitively) is refused."""
    UserFactory(email="taken@example.com")

    with pytest.raises(ValidationError) as exc:
        user_register(email="TAKEN@example.com", password=PASSWORD, name="T")

    assert exc.value.message_dict == {
        "email": ["A user with this email address already exists."]
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        (
            "short",
            ["This password is too short. It must contain at least 8 characters."],
        ),
        ("password", ["This password is too common."]),
        ("90817263544", ["This password is entirely numeric."]),
        ("grace.hopper@example", ["The password is too similar to the email address."]),
    ],
)
def test_register_runs_django_password_validators(password, messages):
    """Weak, common, numeric and email-like passwords are refused with the validators' text."""
    with pytest.raises(ValidationError) as exc:
        user_register(email="grace.hopper@example.com", password=password, name="G")

    assert exc.value.message_dict == {"password": messages}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "Enter a valid email address."),
        ("", "Enter an email address."),
        (None, "Enter an email address."),
        (123, "Enter an email address."),
        ("a" * 250 + "@x.com", "Ensure this field has no more than 254 characters."),
    ],
)
def test_register_refuses_a_bad_email(email, message):
    """A missing, malformed or over-long email is a field error on email."""
    with pytest.raises(ValidationError) as exc:
        user_register(email=email, password=PASSWORD, name="N")

    assert exc.value.message_dict == {"email": [message]}


def test_register_refuses_a_missing_or_over_long_password():
    """An empty password and one over 128 characters are refused before hashing."""
    with pytest.raises(ValidationError) as exc:
        user_register(email="a@example.com", password="", name="N")
    assert exc.value.message_dict == {"password": ["Enter a password."]}

    with pytest.raises(ValidationError) as exc:
        user_register(email="a@example.com", password="Xy7!" * 33, name="N")
    assert exc.value.message_dict == {
        "password": ["Ensure this field has no more than 128 characters."]
    }


def test_register_refuses_an_over_long_name():
    """A name longer than the column is a field error, not a database error."""
    with pytest.raises(ValidationError) as exc:
        user_register(email="a@example.com", password=PASSWORD, name="n" * 151)

    assert exc.value.message_dict == {
        "name": ["Ensure this field has no more than 150 characters."]
    }


def test_update_profile_changes_only_the_name():
    """The profile service changes the name and leaves role, email and staff alone."""
    user = UserFactory(email="p@example.com", role="seller", name="Old")

    user_update_profile(user=user, name="  New name ")

    user.refresh_from_db()
    assert (user.name, user.email, user.role, user.is_staff) == (
        "New name",
        "p@example.com",
        "seller",
        False,
    )


def test_update_profile_refuses_an_over_long_name():
    """An over-long name is refused and nothing is saved."""
    user = UserFactory(name="Kept")

    with pytest.raises(ValidationError) as exc:
        user_update_profile(user=user, name="n" * 151)

    assert exc.value.message_dict == {
        "name": ["Ensure this field has no more than 150 characters."]
    }
    user.refresh_from_db()
    assert user.name == "Kept"


def test_register_and_update_refuse_null_characters():
    """A NUL character (which PostgreSQL cannot store) is a field error, not a crash."""
    with pytest.raises(ValidationError) as exc:
        user_register(email="a\x00b@example.com", password=PASSWORD, name="N")
    assert exc.value.message_dict == {"email": ["Null characters are not allowed."]}

    with pytest.raises(ValidationError) as exc:
        user_register(email="ab@example.com", password=PASSWORD, name="N\x00")
    assert exc.value.message_dict == {"name": ["Null characters are not allowed."]}

    user = UserFactory(name="Kept")
    with pytest.raises(ValidationError):
        user_update_profile(user=user, name="\x00")
    user.refresh_from_db()
    assert user.name == "Kept"
