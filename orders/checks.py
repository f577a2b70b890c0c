"""Deployment checks (``manage.py check --deploy``) for the order mail's link."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
