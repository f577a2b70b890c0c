"""Services of accounts: the one place users are registered and profiles are changed.

Errors are Django ``ValidationError`` field maps (``{"email": [...]}``): forms attach them
to their fields and the API's exception handler renders them as DRF's 400 field map.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction

from accounts.models import User

#: Roles a visitor may give themselves; staff is only ever granted by staff.
SELF_REGISTER_ROLES = frozenset({User.Role.CUSTOMER, User.Role.SELLER})

NAME_MAX_LENGTH = User._meta.get_field("name").max_length
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
#: Long enough for any passphrase, short enough that the validators stay cheap.
PASSWORD_MAX_LENGTH = 128

DUPLICATE_EMAIL_MESSAGE = "A user with this email address already exists."


NUL_MESSAGE = "Null characters are not allowed."


def _clean_email(email: object) -> str:
    if not isinstance(email, str) or not email.strip():
        raise ValidationError({"email": ["Enter an email address."]})
    if "\x00" in email:
        # PostgreSQL cannot store NUL; refuse it as input instead of failing later.
        raise ValidationError({"email": [NUL_MESSAGE]})
    email = User.objects.normalize_email(email)
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {
                "email": [
                    f"Ensure this field has no more than {EMAIL_MAX_LENGTH} characters."
                ]
            }
        )
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    return email


def _clean_name(name: object) -> str:
    if not isinstance(name, str):
        raise ValidationError({"name": ["Enter a name."]})
    if "\x00" in name:
        raise ValidationError({"name": [NUL_MESSAGE]})
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": [
                    f"Ensure this field has no more than {NAME_MAX_LENGTH} characters."
                ]
            }
        )
    return name


def user_email_taken(*, email: str) -> bool:
    """Whether an account already uses this email (compared case-insensitively)."""
    return User.objects.filter(
        email__iexact=User.objects.normalize_email(email)
    ).exists()


@transaction.atomic
def user_register(
    *, email: str, password: str, name: str, role: str = User.Role.CUSTOMER
) -> User:
    """Create a customer or seller account after Django's password validators accept it."""
    email = _clean_email(email)
    name = _clean_name(name)
    if role not in SELF_REGISTER_ROLES:
        raise ValidationError({"role": ["Choose customer or seller."]})
    if not isinstance(password, str) or not password:
        raise ValidationError({"password": ["Enter a password."]})
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(
            {
                "password": [
                    f"Ensure this field has no more than {PASSWORD_MAX_LENGTH} characters."
                ]
            }
        )
    if user_email_taken(email=email):
        raise ValidationError({"email": [DUPLICATE_EMAIL_MESSAGE]})

    user = User(email=email, name=name, role=role, is_staff=False, is_superuser=False)
    try:
        # Similarity to the email and the name is checked too, hence the unsaved user.
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        # A concurrent registration of the same email loses on the unique index.
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError({"email": [DUPLICATE_EMAIL_MESSAGE]}) from exc
    return user


@transaction.atomic
def user_update_profile(*, user: User, name: str) -> User:
    """Change the user's display name; nothing else of the account can be self-edited."""
    user.name = _clean_name(name)
    user.save(update_fields=["name"])
    return user
