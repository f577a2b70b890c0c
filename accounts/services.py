"""Services of accounts: the one place users are registered and profiles are changed.

Errors are Django ``ValidationError`` field maps (``{"email": [...]}``): forms attach them
to their fields and the API's exception handler renders them as DRF's 400 field map.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)

from accounts.models import User
from accounts.tokens import email_verification_token, user_for_uid
from shop.exceptions import ShopError

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
    queue_verification_mail(user)
    return user


@transaction.atomic
def user_update_profile(
    *, user: User, name: str, cart_reminders: bool | None = None
) -> User:
    """Change the user's display name and, if given, the cart-reminder opt-in; nothing
    else of the account can be self-edited."""
    user.name = _clean_name(name)
    fields = ["name"]
    if cart_reminders is not None:
        user.cart_reminders = cart_reminders
        fields.append("cart_reminders")
    user.save(update_fields=fields)
    return user


# --- Passwords and email verification ------------------------------------------------

WRONG_CURRENT_PASSWORD_MESSAGE = "That is not your current password."


class LinkInvalid(ShopError):
    """A mailed link's uid or token is wrong, already used or expired."""

    code = "token_invalid"
    default_detail = "This link is invalid, already used or expired. Ask for a new one."


def _set_password(user: User, password: object) -> None:
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
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])


def _locked_user(uid: object) -> User | None:
    # The row is locked so that of two uses of one link only the first sees it valid.
    user = user_for_uid(uid)
    if user is None:
        return None
    return User.objects.select_for_update().get(pk=user.pk)


def user_blacklist_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token of the user still outstanding; how many."""
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding],
        ignore_conflicts=True,
    )
    return len(created)


def password_reset_request(*, email: object) -> None:
    """Mail a reset link to the active account with this email, after commit; an email
    of no account sends nothing, and the caller answers the same either way."""
    from accounts.tasks import send_password_reset

    if not isinstance(email, str) or "\x00" in email:
        return
    user = User.objects.filter(
        email__iexact=User.objects.normalize_email(email), is_active=True
    ).first()
    if user is not None:
        user_id = user.pk
        transaction.on_commit(lambda: send_password_reset.delay(user_id), robust=True)


@transaction.atomic
def password_reset_confirm(*, uid: object, token: object, password: object) -> User:
    """Set a new password from a mailed link, once; every refresh token of the user is
    blacklisted (whoever held the old password is signed out of the API)."""
    user = _locked_user(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise LinkInvalid()
    # The new hash changes the token's hash value: the link is used up.
    _set_password(user, password)
    user_blacklist_refresh_tokens(user=user)
    return user


@transaction.atomic
def user_change_password(
    *, user: User, current_password: object, password: object
) -> User:
    """Change a signed-in user's password after checking the current one."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not isinstance(current_password, str) or not user.check_password(
        current_password
    ):
        raise ValidationError({"current_password": [WRONG_CURRENT_PASSWORD_MESSAGE]})
    _set_password(user, password)
    return user


def queue_verification_mail(user: User) -> None:
    """Mail the user a link that verifies their email, once the transaction commits."""
    from accounts.tasks import send_email_verification

    user_id = user.pk
    transaction.on_commit(lambda: send_email_verification.delay(user_id), robust=True)


@transaction.atomic
def user_verify_email(*, uid: object, token: object) -> User:
    """Mark the user's email verified from a mailed link; a used link is refused."""
    user = _locked_user(uid)
    if user is None or not email_verification_token.check_token(user, token):
        raise LinkInvalid()
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    return user


def email_verification_resend(*, user: User) -> bool:
    """Mail a new verification link; an address already verified gets none. Whether
    one was queued."""
    if user.email_verified:
        return False
    queue_verification_mail(user)
    return True
