"""Template helpers of the storefront: money, the cart badge, page links, thumbnails,
icons."""

import logging
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from sorl.thumbnail import get_thumbnail

from shop.exceptions import OUTAGE_ERRORS
from shop.money import format_money

register = template.Library()
logger = logging.getLogger(__name__)


@register.filter
def money(value, currency=None):
    """``{{ price|money }}`` → ``$19.90`` in the shop's currency (or the one given)."""
    if value is None or value == "":
        return ""
    return format_money(value, currency or settings.SHOP_CURRENCY)


@register.simple_tag(takes_context=True)
def cart_badge_count(context):
    """The header's item count, or None when the cart store cannot be reached.

    ``cart_count`` (cart.context_processors) is lazy: one store command when read here.
    The badge fails soft so that catalog pages keep working while Redis is down.
    """
    badge = context.get("cart_count")
    if badge is None:
        return None
    try:
        count = getattr(badge, "count", badge)
        return None if count is None else int(count)
    except OUTAGE_ERRORS:
        return None


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """The current URL's query string with ``page`` replaced (keeps search and sort)."""
    params = context["request"].GET.copy()
    params["page"] = page_number
    return "?" + params.urlencode()


@register.filter
def initial(value):
    """The first letter of a name, for image placeholders."""
    text = str(value or "").strip()
    return text[:1].upper() or "?"


@register.filter
def hue(value):
    """A stable colour (0-359) for a placeholder, from an id."""
    try:
        return (int(value) * 47) % 360
    except (TypeError, ValueError):
        return 170


@register.filter
def get_item(mapping, key):
    """``{{ variant.options|get_item:option.name }}``: a dict's value by a variable key."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def prices_vary(product) -> bool:
    """Whether the product's active variants differ in price (its price is "from")."""
    return len({v.price for v in product.variants.all() if v.is_active}) > 1


@dataclass(frozen=True)
class Thumbnails:
    """A picture in the sizes a page shows it at: the first size's ``url``, ``width``
    and ``height``, and a ``srcset`` of every size (``url 600w, url 1200w``)."""

    url: str
    width: int
    height: int
    srcset: str


@register.simple_tag
def thumbnails(image, *geometries, crop="center"):
    """``{% thumbnails picture.image "600x600" "1200x1200" as pic %}``: thumbnails made
    once by sorl-thumbnail (as its ``{% thumbnail %}`` tag makes them, never enlarged),
    so that the browser never scales a full-size upload. None when the picture cannot
    be read (the page shows its placeholder)."""
    if not image or not geometries:
        return None
    try:
        made = [get_thumbnail(image, g, crop=crop, upscale=False) for g in geometries]
        first = made[0]
        widths = {}
        for thumb in made:
            widths.setdefault(thumb.width, thumb.url)
        return Thumbnails(
            url=first.url,
            width=first.width,
            height=first.height,
            srcset=", ".join(f"{url} {width}w" for width, url in widths.items()),
        )
    except Exception:  # noqa: BLE001 - a broken upload shows the placeholder, not a 500
        logger.warning(
            "No thumbnail of %s", getattr(image, "name", image), exc_info=True
        )
        return None


@register.simple_tag
def icon(name, label=""):
    """An inline SVG icon (``templates/includes/icons/<name>.svg``): it renders with the
    page's fonts and colours, where an emoji would be a box without an emoji font."""
    return render_to_string(f"includes/icons/{name}.svg", {"label": label})
