"""Reading and checking the values of the environment that settings need in a certain
shape: a value that cannot work stops start-up with a message naming the variable."""

from decimal import Decimal, InvalidOperation

import environ
from django.core.exceptions import ImproperlyConfigured


def rate(env: environ.Env, name: str, default: str = "0") -> Decimal:
    """A decimal rate in [0, 1), e.g. a tax rate of ``0.085``."""
    try:
        value = Decimal(env.str(name, default=default))
    except InvalidOperation as exc:
        raise ImproperlyConfigured(f"{name} must be a decimal such as 0.085") from exc
    if not Decimal("0") <= value < Decimal("1"):
        raise ImproperlyConfigured(f"{name} must be at least 0 and below 1")
    return value


def email_server(env: environ.Env, name: str) -> dict:
    """Django's EMAIL_* settings from a URL such as smtp+tls://user:password@host:587
    (empty: none). Parts the URL leaves out (a port, a user) keep Django's defaults."""
    url = env.str(name, default="")
    if not url:
        return {}
    if "?" in url:  # options would arrive as strings: "false" would count as on
        raise ImproperlyConfigured(
            f"{name}: choose TLS or SSL by the scheme (smtp+tls://, smtp+ssl://), not by "
            "query options; a ? in the password is written %3F"
        )
    try:
        parsed = environ.Env.email_url_config(url)
    except (ImproperlyConfigured, ValueError) as exc:  # ValueError: a bad port
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return {key: value for key, value in parsed.items() if value not in (None, "")}


def seconds(env: environ.Env, name: str, *, default: float, most: float) -> float:
    """A number of seconds above 0 and at most ``most``."""
    try:
        value = env.float(name, default=default)
    except ValueError:
        value = float("nan")
    if not 0 < value <= most:
        raise ImproperlyConfigured(
            f"{name} must be a number of seconds above 0 and at most {most:g}"
        )
    return value


def count(env: environ.Env, name: str, *, default: int) -> int:
    """A whole number, 0 or more."""
    try:
        value = env.int(name, default=default)
    except ValueError:
        value = -1
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more")
    return value


def path_prefix(env: environ.Env, name: str) -> str | None:
    """A URL path prefix such as /shop (without its leading /, every link would be
    relative to the page it is on); None when empty."""
    value = env.str(name, default="") or None
    if value is not None and not value.startswith("/"):
        raise ImproperlyConfigured(
            f"{name} must be a path that starts with /, e.g. /shop"
        )
    return value
