"""The shop's own settings (social login, the shop, carts, payments), read from the
environment; ``shop.settings`` imports them all."""

import environ

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
    "social_core.pipeline.social_auth.associate_by_email",
    "accounts.pipeline.require_email",
    "social_core.pipeline.user.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "social_core.pipeline.user.user_details",
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
SHOP_ORDER_PAYMENT_TIMEOUT = env.int("SHOP_ORDER_PAYMENT_TIMEOUT", default=30)
SHOP_PAYMENT_GATEWAY = env.str(
    "SHOP_PAYMENT_GATEWAY", default="orders.payments.TestGateway"
)
CART_TTL = env.int("CART_TTL", default=604800)
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=999)
CART_MAX_LINES = env.int("CART_MAX_LINES", default=100)
API_MAX_PAGE_SIZE = 100
