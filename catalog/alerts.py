"""Stock alerts: which variants are low (at or under their own threshold, else the
shop's SHOP_LOW_STOCK_THRESHOLD) or out, for the admin's filter and the staff's daily
digest (queued by beat: catalog.tasks.send_low_stock_digest)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from catalog.models import Variant
from shop.mail import shop_message

#: The most variants one digest lists (the admin's filter shows them all).
DIGEST_LIMIT = 500


def low_stock(queryset: QuerySet) -> QuerySet:
    """The variants of ``queryset`` with stock above 0 and at or under their threshold."""
    return queryset.annotate(
        _threshold=Coalesce(
            F("low_stock_threshold"), Value(settings.SHOP_LOW_STOCK_THRESHOLD)
        )
    ).filter(stock__gt=0, stock__lte=F("_threshold"))


def stock_alerts() -> dict[str, list[Variant]]:
    """The active variants of active products that are out, and that are low."""
    on_sale = Variant.objects.filter(is_active=True, product__is_active=True)
    on_sale = on_sale.select_related("product").order_by("stock", "sku")
    return {
        "out": list(on_sale.filter(stock=0)[:DIGEST_LIMIT]),
        "low": list(low_stock(on_sale)[:DIGEST_LIMIT]),
    }


def low_stock_digest_send() -> int:
    """Mail the staff what is low or out of stock; the number of variants listed (0:
    nothing low, no mail sent)."""
    alerts = stock_alerts()
    listed = len(alerts["out"]) + len(alerts["low"])
    staff = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not listed or not staff:
        return 0
    shop_message(
        to=staff,
        subject=f"{listed} variant{'s' if listed != 1 else ''} low or out of stock",
        template="mail/catalog/low_stock",
        context={
            **alerts,
            "default_threshold": settings.SHOP_LOW_STOCK_THRESHOLD,
            "admin_url": f"{settings.SHOP_SITE_URL}/admin/catalog/variant/"
            if settings.SHOP_SITE_URL
            else "",
        },
    ).send()
    return listed
