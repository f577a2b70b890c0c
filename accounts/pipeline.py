"""Steps of our social-auth pipeline (SOCIAL_AUTH_PIPELINE in shop/settings_shop.py)."""

from social_core.exceptions import (
    AuthAssociationError,
)
from social_core.exceptions import (
    AuthPolicyError as AuthForbidden,
)  # renamed in social-core 7

from accounts.models import User

LINK_REFUSED_MESSAGE = (
    "An account with this email already exists. Sign in with your email and password "
    "and verify your email address; then Facebook can sign you in."
)
STAFF_REFUSED_MESSAGE = (
    "Staff accounts cannot sign in with Facebook. Sign in with your email and password."
)


class FacebookLinkRefused(AuthForbidden):
    """An account has this email but may not be linked to a Facebook identity by it."""

    def __str__(self):
        # social_django's page middleware shows str(exception) on the login page.
        return self.detail


def require_email(strategy, details, backend, user=None, *args, **kwargs):
    """Email is our login: refuse a Facebook account that shares no email with us."""
    if user is None and not details.get("email"):
        raise AuthForbidden(
            backend, "Your Facebook account did not share an email address."
        )
    # USER_FIELDS asks for ``name``; social-core calls it ``fullname`` (name is NOT NULL).
    return {
        "details": {
            **details,
            "name": details.get("name") or details.get("fullname") or "",
        }
    }


def associate_by_verified_email(backend, details, user=None, *args, **kwargs):
    """Link a new Facebook identity to the account with its email only when that
    account proved it owns the address (email_verified) and is not staff: anyone can
    put any address on a Facebook account, so an unverified match could be a stranger's
    way into the account. Refused, nothing is created (not a second account either)."""
    if user is not None:
        return None
    email = details.get("email")
    if not email:
        return None
    existing = User.objects.filter(
        email__iexact=User.objects.normalize_email(email)
    ).first()
    if existing is None:
        return None
    if not existing.is_active:
        raise AuthAssociationError(backend, "This account is deactivated.")
    if existing.is_staff or existing.is_superuser:
        raise FacebookLinkRefused(backend, STAFF_REFUSED_MESSAGE)
    if not existing.email_verified:
        raise FacebookLinkRefused(backend, LINK_REFUSED_MESSAGE)
    return {"user": existing, "is_new": False}


def mark_email_verified(details, user=None, is_new=False, *args, **kwargs):
    """An account made from Facebook's profile has the email Facebook vouches for."""
    if user is not None and is_new and details.get("email") and not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
