"""Template helpers of the storefront: money, the cart badge, page links."""

from django import template
from django.conf import settings

from shop.exceptions import OUTAGE_ERRORS
from shop.money import format_money

register = template.Library()


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
