"""The header's cart badge, as a lazy value: the store is asked only if a template shows it."""

import logging
from functools import cached_property

from cart.selectors import cart_badge_count, cart_for_page
from shop.exceptions import OUTAGE_ERRORS

logger = logging.getLogger(__name__)


class CartBadge:
    """Units in the visitor's cart; one store command when first rendered, none otherwise.

    A visitor without a cart (no session token yet) costs nothing; an unreachable Redis
    renders no count instead of breaking the page.
    """

    def __init__(self, request):
        self._request = request

    @cached_property
    def count(self) -> int | None:
        cart = getattr(self._request, "cart", None) or cart_for_page(self._request)
        try:
            return cart_badge_count(cart=cart)
        except OUTAGE_ERRORS as exc:
            logger.warning("cart badge: store unavailable: %r", exc)
            return None

    @property
    def available(self) -> bool:
        return self.count is not None

    def __int__(self) -> int:
        return self.count or 0

    def __bool__(self) -> bool:
        return bool(self.count)

    def __str__(self) -> str:
        return "" if self.count is None else str(self.count)

    def __eq__(self, other) -> bool:
        if isinstance(other, CartBadge):
            return self.count == other.count
        return self.count == other

    __hash__ = None


def cart(request):
    """``cart_count``: ``{{ cart_count }}`` renders the units; ``{% if cart_count %}`` too."""
    return {"cart_count": CartBadge(request)}
