"""One-time tokens of the links mailed to users, and the ``uid`` that names the user.

A password reset uses Django's ``default_token_generator`` (its hash holds the password
hash and the last login, so a used link, or any later password change, stops it). An
email verification has a generator of its own: another salt, so a reset token is never a
verification token, and a hash that holds ``email_verified`` and the email, so a used
link stops working and one sent to an earlier address never verifies the new one.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import (
    base36_to_int,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)

from accounts.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified}{timestamp}"

    def check_token(self, user, token):
        """As Django's, but links live SHOP_EMAIL_VERIFICATION_SECONDS, not the reset's
        PASSWORD_RESET_TIMEOUT."""
        if not (user and isinstance(token, str) and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            expected = self._make_token_with_timestamp(user, ts, secret)
            if constant_time_compare(expected, token):
                break
        else:
            return False
        age = self._num_seconds(self._now()) - ts
        return age <= settings.SHOP_EMAIL_VERIFICATION_SECONDS


email_verification_token = EmailVerificationTokenGenerator()


def uid_for(user: User) -> str:
    """The user's id as it appears in a mailed link."""
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_for_uid(uid: object) -> User | None:
    """The active user a link's ``uid`` names, or None for anything else."""
    if not isinstance(uid, str) or len(uid) > 64:
        return None
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
