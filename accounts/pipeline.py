"""Steps of our social-auth pipeline."""

from social_core.exceptions import (
    AuthPolicyError as AuthForbidden,
)  # renamed in social-core 7


def require_email(strategy, details, backend, user=None, *args, **kwargs):
    """Email is our login: refuse a Facebook account that shares no email with us, and
    never link a new Facebook identity to a staff account (API.md): a Facebook account
    reporting a staff member's email must not become a way into the back office."""
    if user is None and not details.get("email"):
        raise AuthForbidden(
            backend, "Your Facebook account did not share an email address."
        )
    if user is not None and kwargs.get("social") is None and user.is_staff:
        raise AuthForbidden(backend, "Staff accounts cannot sign in with Facebook.")
    # USER_FIELDS asks for ``name``; social-core calls it ``fullname`` (name is NOT NULL).
    return {
        "details": {
            **details,
            "name": details.get("name") or details.get("fullname") or "",
        }
    }
