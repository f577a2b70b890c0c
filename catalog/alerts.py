"""Stock alerts: which variants are low (at or under their own threshold, else the
shop's SHOP_LOW_STOCK_THRESHOLD) or out, for the admin's filter and the staff's daily
digest (queued by beat: catalog.tasks.send_low_stock_digest)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string

from catalog.models import Variant

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
    context = {
        **alerts,
        "shop_name": settings.SHOP_NAME,
        "default_threshold": settings.SHOP_LOW_STOCK_THRESHOLD,
        "admin_url": f"{settings.SHOP_SITE_URL}/admin/catalog/variant/"
        if settings.SHOP_SITE_URL
        else "",
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.SHOP_NAME}: {listed} variant"
        f"{'s' if listed != 1 else ''} low or out of stock",
        body=render_to_string("mail/catalog/low_stock.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=staff,
    )
    message.attach_alternative(
        render_to_string("mail/catalog/low_stock.html", context), "text/html"
    )
    message.send()
    return listed
