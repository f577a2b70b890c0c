"""Back in stock: people leave an email on a sold-out variant and are mailed once when
its stock goes from 0 to more (the stock service calls :func:`restock_queue`).

The rule of a round of mail (one task run after a restock): subscribers are mailed
oldest first, in batches of ``BATCH``; before each batch the variant is read again, and
the round stops when it is sold out or off sale, or once it has mailed
``max(stock × SHOP_BACK_IN_STOCK_PER_UNIT, BATCH)`` people (that stock being the one
read before the batch), so 500 people are not sent to 3 units. Who is not mailed keeps
waiting for the next restock. A batch is claimed (``notified_at`` set, rows locked with
SKIP LOCKED) before it is sent: a task that runs twice, or two at once, never mails
anyone twice; a failed send gives its unsent claims back.
"""

import logging
import re
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import BackInStockRequest, Variant
from shop.exceptions import NotFound, ShopError
from shop.mail import shop_message

logger = logging.getLogger(__name__)

BATCH = 50
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


class VariantInStock(ShopError):
    code = "in_stock"
    default_detail = "This variant is in stock: add it to your cart instead."


def _on_sale(variant_id) -> Variant:
    variant = (
        Variant.objects.select_related("product")
        .filter(pk=variant_id, is_active=True, product__is_active=True)
        .first()
    )
    if variant is None:
        raise NotFound("No such variant on sale.")
    return variant


def back_in_stock_subscribe(
    *, variant_id: int, email: str
) -> tuple[BackInStockRequest, bool]:
    """Wait for a sold-out variant: (the request, whether it is new). 404 for a variant
    not on sale, 400 ``in_stock`` when it is in stock, 400 for a bad address."""
    variant = _on_sale(variant_id)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ShopError("Enter a valid email address.", code="invalid_email") from exc
    email = email.lower()
    if variant.stock > 0:
        raise VariantInStock()
    waiting = BackInStockRequest.objects.filter(
        variant=variant, email=email, notified_at=None
    ).first()
    if waiting is not None:
        return waiting, False
    try:
        with transaction.atomic():
            made = BackInStockRequest.objects.create(
                variant=variant, email=email, token=secrets.token_urlsafe(32)
            )
    except IntegrityError:  # the same request at the same time
        return BackInStockRequest.objects.get(
            variant=variant, email=email, notified_at=None
        ), False
    return made, True


def back_in_stock_unsubscribe(*, token: str) -> bool:
    """Stop waiting (by the token of the mail's link); whether a request was waiting."""
    if not _TOKEN.fullmatch(token):
        return False
    deleted, _ = BackInStockRequest.objects.filter(
        token=token, notified_at=None
    ).delete()
    return bool(deleted)


def back_in_stock_request(*, token: str) -> BackInStockRequest | None:
    """The request of a mail's unsubscribe token (None: no such token)."""
    if not _TOKEN.fullmatch(token):  # what token_urlsafe makes; no NUL reaches SQL
        return None
    return (
        BackInStockRequest.objects.select_related("variant__product")
        .filter(token=token)
        .first()
    )


def restock_queue(variant_ids: Iterable[int]) -> None:
    """Queue the back-in-stock mail of variants whose stock just went from 0 to more,
    for when the transaction commits (the stock service's hook)."""
    from catalog.tasks import send_back_in_stock

    for variant_id in variant_ids:
        transaction.on_commit(
            lambda pk=variant_id: send_back_in_stock.delay(pk), robust=True
        )


def _claim(variant_id: int, limit: int) -> list[BackInStockRequest]:
    with transaction.atomic():
        claimed = list(
            BackInStockRequest.objects.select_for_update(skip_locked=True)
            .filter(variant_id=variant_id, notified_at=None)
            .order_by("created_at", "pk")[:limit]
        )
        now = timezone.now()
        BackInStockRequest.objects.filter(pk__in=[r.pk for r in claimed]).update(
            notified_at=now
        )
    return claimed


def back_in_stock_send(*, variant_id: int) -> int:
    """One round of back-in-stock mail for a variant (the rule above); how many were
    mailed. A send that fails gives the batch's unsent claims back and raises."""
    sent = 0
    while True:
        variant = (
            Variant.objects.select_related("product").filter(pk=variant_id).first()
        )
        if variant is None or not variant.on_sale or variant.stock <= 0:
            return sent
        allowance = max(variant.stock * settings.SHOP_BACK_IN_STOCK_PER_UNIT, BATCH)
        if sent >= allowance:
            return sent
        batch = _claim(variant_id, min(BATCH, allowance - sent))
        if not batch:
            return sent
        for number, request in enumerate(batch):
            try:
                back_in_stock_message(variant, request).send()
            except Exception:
                BackInStockRequest.objects.filter(
                    pk__in=[r.pk for r in batch[number:]]
                ).update(notified_at=None)
                raise
            sent += 1


def back_in_stock_message(variant: Variant, request) -> EmailMultiAlternatives:
    site = settings.SHOP_SITE_URL
    return shop_message(
        to=[request.email],
        subject=f"{variant.name} is back in stock",
        template="mail/catalog/back_in_stock",
        context={
            "variant": variant,
            "product_url": f"{site}{variant.product.get_absolute_url()}"
            if site
            else "",
            "unsubscribe_url": (
                f"{site}{reverse('shop:back-in-stock-unsubscribe', args=[request.token])}"
                if site
                else ""
            ),
        },
    )
