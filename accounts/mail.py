"""Mail to account holders: the password-reset link and the email-verification link.

Both are built when the task runs, from the user's id: the one-time token never sits in
the broker, and it is made against the account as it is when the mail leaves.
"""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse

from accounts.models import User
from accounts.tokens import email_verification_token, uid_for
from shop.mail import shop_message

logger = logging.getLogger(__name__)


def _site_link(path: str) -> str:
    return f"{settings.SHOP_SITE_URL}{path}"


def password_reset_link(user: User) -> str:
    """The address of the page that sets a new password, with a fresh token."""
    token = default_token_generator.make_token(user)
    return _site_link(
        reverse("accounts:password-reset-confirm", args=[uid_for(user), token])
    )


def verification_link(user: User) -> str:
    """The address of the page that verifies the user's email, with a fresh token."""
    token = email_verification_token.make_token(user)
    return _site_link(reverse("accounts:verify-email", args=[uid_for(user), token]))


def _message(user: User, subject: str, template: str, context: dict):
    return shop_message(
        to=[user.email],
        subject=subject,
        template=f"mail/accounts/{template}",
        context={"user": user, **context},
    )


def user_send_password_reset(*, user_id: int) -> bool:
    """Mail the user a password-reset link; whether a mail was sent (not for an
    account gone or deactivated since, nor without SHOP_SITE_URL to link to)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if not settings.SHOP_SITE_URL:
        logger.warning("SHOP_SITE_URL is not set: no password reset link to mail.")
        return False
    hours = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 3600))
    _message(
        user,
        "reset your password",
        "password_reset",
        {"link": password_reset_link(user), "valid_hours": hours},
    ).send()
    return True


def user_send_email_verification(*, user_id: int) -> bool:
    """Mail the user a link that verifies their email; whether a mail was sent (not
    when it is verified already, nor without SHOP_SITE_URL to link to)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified:
        return False
    if not settings.SHOP_SITE_URL:
        logger.warning("SHOP_SITE_URL is not set: no verification link to mail.")
        return False
    days = max(1, round(settings.SHOP_EMAIL_VERIFICATION_SECONDS / 86400))
    _message(
        user,
        "verify your email address",
        "verify_email",
        {"link": verification_link(user), "valid_days": days},
    ).send()
    return True
