import logging

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin.apps import AdminConfig

logger = logging.getLogger("shop")


class ShopAdminConfig(AdminConfig):
    """django.contrib.admin with the shop's site (shop.admin_site)."""

    default_site = "shop.admin_site.ShopAdminSite"


class ShopConfig(AppConfig):
    """The project's own app: start-up checks of what the settings point at."""

    name = "shop"

    def ready(self) -> None:
        if not settings.REDIS_EMBEDDED:
            _warn_if_redis_is_unreachable()


def _warn_if_redis_is_unreachable() -> None:
    """Carts, throttles and the task queue need Redis: say so at start-up, not at the
    first 503."""
    from cart.store import get_store

    try:
        get_store().ping()
    except Exception as exc:  # noqa: BLE001 - any failure to answer is worth the warning
        logger.warning(
            "Redis at CART_REDIS_URL/REDIS_URL does not answer (%r): carts, sign-in and "
            "checkout will answer 503 until it does.",
            exc,
        )
