"""Deployment checks (``manage.py check --deploy``): the order mail's link, payments."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """SHOP_SITE_URL: set, and https (a guest's link carries the order's token)."""
    url = settings.SHOP_SITE_URL
    if not url:
        return [
            Warning(
                "SHOP_SITE_URL is not set: order confirmations carry no link to the "
                "order's page, and a guest cannot come back to pay.",
                hint="Set it to the storefront's address, e.g. https://shop.example.com.",
                id="orders.W001",
            )
        ]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        return [
            Warning(
                "SHOP_SITE_URL is not an https:// address: a guest's order link, which "
                "carries the order's token, would travel in clear text.",
                hint="Set it to the storefront's https address.",
                id="orders.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_payments(app_configs, **kwargs):
    """The test gateway takes no money: a deployment says so (settings refuse it with
    DEBUG off unless SHOP_ALLOW_TEST_PAYMENTS=true; this says it even then)."""
    gateway = settings.SHOP_PAYMENT_GATEWAY
    if gateway in ("test", "orders.payments.TestGateway") and not settings.DEBUG:
        message = (
            "SHOP_PAYMENT_GATEWAY is the test gateway: orders are 'paid' with a test "
            "token and no money is taken."
        )
        hint = "Set SHOP_PAYMENT_GATEWAY=stripe with its STRIPE_* keys."
        if settings.SHOP_ALLOW_TEST_PAYMENTS:
            return [Warning(message, hint=hint, id="orders.W010")]
        return [Error(message, hint=hint, id="orders.E010")]
    if gateway == "stripe":
        missing = [
            name
            for name in (
                "STRIPE_SECRET_KEY",
                "STRIPE_PUBLISHABLE_KEY",
                "STRIPE_WEBHOOK_SECRET",
            )  # fmt: skip
            if not getattr(settings, name)
        ]
        if missing:
            return [
                Error(
                    f"SHOP_PAYMENT_GATEWAY=stripe without {', '.join(missing)}.",
                    hint="Copy them from the Stripe dashboard (docs/operations.md).",
                    id="orders.E011",
                )
            ]
    return []
