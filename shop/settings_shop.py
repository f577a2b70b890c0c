"""The shop's own settings (social login, the shop, carts, payments), read from the
environment; ``shop.settings`` imports them all."""

import environ
from django.core.exceptions import ImproperlyConfigured

from shop import env as shop_env

env = environ.Env()

# --- Social auth (Facebook) -----------------------------------------------
SOCIAL_AUTH_FACEBOOK_KEY = env.str("SOCIAL_AUTH_FACEBOOK_KEY", default="")
SOCIAL_AUTH_FACEBOOK_SECRET = env.str("SOCIAL_AUTH_FACEBOOK_SECRET", default="")
SOCIAL_AUTH_FACEBOOK_SCOPE = ["email"]
SOCIAL_AUTH_FACEBOOK_PROFILE_EXTRA_PARAMS = {"fields": "id,name,email"}
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_USER_FIELDS = ["email", "name"]
SOCIAL_AUTH_USERNAME_IS_FULL_EMAIL = True
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/accounts/login/"
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    # Ours, not social_core's associate_by_email: only a verified, non-staff account
    # is linked by its email (accounts.pipeline).
    "accounts.pipeline.require_email",
    "accounts.pipeline.associate_by_verified_email",
    "social_core.pipeline.user.create_user",
    "accounts.pipeline.mark_email_verified",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "social_core.pipeline.user.user_details",
)

# --- Accounts --------------------------------------------------------------
# How long a mailed password-reset link works (Django's default is 3 days; a day is
# plenty for a link the user asked for a minute ago, and a leaked mail ages out sooner).
PASSWORD_RESET_TIMEOUT = env.int("SHOP_PASSWORD_RESET_SECONDS", default=86400)
# How long the email-verification link mailed at registration works (a resend mails a
# new one).
SHOP_EMAIL_VERIFICATION_SECONDS = env.int(
    "SHOP_EMAIL_VERIFICATION_SECONDS", default=7 * 86400
)

# --- The shop --------------------------------------------------------------
SHOP_NAME = env.str("SHOP_NAME", default="Corner Shop")
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="USD")
SHOP_TAX_RATE = shop_env.rate(env, "SHOP_TAX_RATE")
# EU-style catalogs whose prices hold the tax already (pricing.totals).
SHOP_PRICES_INCLUDE_TAX = env.bool("SHOP_PRICES_INCLUDE_TAX", default=False)
# Seconds a shared copy of the public catalog's JSON may live (catalog.cache); 0 turns
# it off.
SHOP_CATALOG_CACHE_SECONDS = env.int("SHOP_CATALOG_CACHE_SECONDS", default=60)
SHOP_LOW_STOCK_THRESHOLD = env.int("SHOP_LOW_STOCK_THRESHOLD", default=5)
# A product CSV import of more rows than this runs as a task (catalog.imports).
SHOP_IMPORT_ASYNC_ROWS = env.int("SHOP_IMPORT_ASYNC_ROWS", default=500)
# A running import job silent this long (no progress written) is given up as dead.
SHOP_IMPORT_STALL_MINUTES = env.int("SHOP_IMPORT_STALL_MINUTES", default=30)
# Back-in-stock mail per restock: at most max(stock x this, a batch) subscribers.
SHOP_BACK_IN_STOCK_PER_UNIT = env.int("SHOP_BACK_IN_STOCK_PER_UNIT", default=3)
SHOP_ORDER_PAYMENT_TIMEOUT = env.int("SHOP_ORDER_PAYMENT_TIMEOUT", default=30)

# --- Payments ----------------------------------------------------------------


def _payments_guard(*, debug, gateway, allow_test, stripe_keys) -> None:
    """Refuse to start a production shop that would take no money (the test gateway)
    or could not take any (Stripe without its keys): every process stops, clearly."""
    is_test = gateway in ("test", "orders.payments.TestGateway")
    if is_test and not debug and not allow_test:
        raise ImproperlyConfigured(
            "SHOP_PAYMENT_GATEWAY is the test gateway (no money is taken) and "
            "DJANGO_DEBUG is off: set SHOP_PAYMENT_GATEWAY=stripe with its keys, or "
            "SHOP_ALLOW_TEST_PAYMENTS=true for a staging or benchmark shop."
        )
    missing = [name for name, value in stripe_keys.items() if not value]
    if gateway == "stripe" and missing:
        raise ImproperlyConfigured(
            f"SHOP_PAYMENT_GATEWAY=stripe needs {', '.join(missing)} (the Stripe "
            "dashboard's API keys and the webhook's signing secret)."
        )


# "test" (tokens, no money moves) or "stripe"; a dotted path to a gateway class works too.
SHOP_PAYMENT_GATEWAY = env.str("SHOP_PAYMENT_GATEWAY", default="test")
SHOP_ALLOW_TEST_PAYMENTS = env.bool("SHOP_ALLOW_TEST_PAYMENTS", default=False)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
_payments_guard(
    debug=env.bool("DJANGO_DEBUG", default=False),
    gateway=SHOP_PAYMENT_GATEWAY,
    allow_test=SHOP_ALLOW_TEST_PAYMENTS,
    stripe_keys={
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
    },
)
CART_TTL = env.int("CART_TTL", default=604800)
# A signed-in customer's cart left unchanged this long gets one reminder (if they opted
# in on /account/); it must be shorter than CART_TTL, which is when the cart goes.
SHOP_ABANDONED_CART_HOURS = env.int("SHOP_ABANDONED_CART_HOURS", default=24)
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=999)
CART_MAX_LINES = env.int("CART_MAX_LINES", default=100)
API_MAX_PAGE_SIZE = 100
