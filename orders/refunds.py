"""Refunds: by line (each unit's exact share of what the buyer paid), shipping once,
stock back through the ledger when asked.

A refund is decided under the order's row lock and recorded *pending*, its amount
reserved in ``Order.refunded_total``; the provider is called after the commit (a task,
so no slow network call holds the lock), and the outcome recorded then: succeeded, or
on the provider's final refusal failed, the reservation released. A provider that cannot
be reached leaves it pending, retried with backoff
(docs/decisions/0007-refunds-pending-then-provider.md).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from catalog.models import StockMovement
from catalog.stock import StockChange, stock_apply
from coupons import services as coupon_services
from orders.models import Order, OrderItem, Payment, Refund, RefundLine
from orders.payments import GatewayRefused, gateway_for, get_gateway
from shop.exceptions import InvalidTransition, ShopError
from shop.money import ZERO, quantize

logger = logging.getLogger(__name__)

REFUNDABLE = (
    Order.Status.PAID, Order.Status.FULFILLED, Order.Status.PARTIALLY_REFUNDED)  # fmt: skip
#: Refunds that count: a failed one gave nothing back.
COUNTED = (Refund.Status.PENDING, Refund.Status.SUCCEEDED)


class RefundInvalid(ShopError):
    code = "refund_invalid"
    default_detail = "This refund is not possible."


def item_cost(item: OrderItem) -> Decimal:
    """What the buyer paid for the line: its total, less its discount, plus its tax."""
    return item.line_total - item.discount + item.tax


def shipping_cost(order: Order) -> Decimal:
    return order.shipping + order.shipping_tax


@dataclass(frozen=True)
class Refunded:
    """What an order's counted refunds already gave back, per item and for shipping."""

    units: dict[int, int]
    amounts: dict[int, Decimal]
    restocked: dict[int, int]
    shipping: bool


def refunded_so_far(order: Order) -> Refunded:
    units: dict[int, int] = {}
    amounts: dict[int, Decimal] = {}
    restocked: dict[int, int] = {}
    lines = RefundLine.objects.filter(
        refund__order=order, refund__status__in=COUNTED
    ).values_list("item_id", "quantity", "amount", "refund__restocked")
    for item_id, quantity, amount, was_restocked in lines:
        units[item_id] = units.get(item_id, 0) + quantity
        amounts[item_id] = amounts.get(item_id, ZERO) + amount
        if was_restocked:
            restocked[item_id] = restocked.get(item_id, 0) + quantity
    shipping = Refund.objects.filter(
        order=order, status__in=COUNTED, shipping_amount__gt=0
    ).exists()
    return Refunded(units, amounts, restocked, shipping)


def line_refund_amount(item: OrderItem, *, done_units: int, done: Decimal, k: int):
    """The share of ``k`` more units: cumulative, so all units over any number of
    refunds sum to the line's cost exactly (each refund rounds once, to the cent)."""
    return quantize(item_cost(item) * (done_units + k) / item.quantity) - done


def reserve_refund(
    *,
    order: Order,
    units: dict[OrderItem, int],
    shipping: bool,
    restocked: bool,
    reason: str,
    user=None,
    amount: Decimal | None = None,
) -> Refund:
    """Record a pending refund of ``order`` (locked by the caller) and reserve its
    amount; the provider is asked once the transaction commits. ``amount``: the whole
    rest (a cancellation), whatever the lines' shares add up to."""
    done = refunded_so_far(order)
    line_amounts = {
        item: line_refund_amount(
            item,
            done_units=done.units.get(item.pk, 0),
            done=done.amounts.get(item.pk, ZERO),
            k=k,
        )
        for item, k in units.items()
    }
    shipping_amount = shipping_cost(order) if shipping else ZERO
    if amount is None:
        amount = sum(line_amounts.values(), ZERO) + shipping_amount
    left = order.total - order.refunded_total
    if amount > left:
        raise RefundInvalid(
            f"That is {amount} to refund; only {left} is left.",
            code="refund_exceeds_total",
        )
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        shipping_amount=shipping_amount,
        restocked=restocked,
        reason=reason[:500],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, item=item, quantity=k, amount=line_amounts[item])
        for item, k in units.items()
    )
    order.refunded_total += amount
    order.save(update_fields=["refunded_total", "updated_at"])
    from orders.tasks import execute_refund

    transaction.on_commit(lambda: execute_refund.delay(refund.pk), robust=True)
    return refund


def remaining_units(order: Order, done: Refunded | None = None) -> dict[OrderItem, int]:
    """Each item's units not refunded yet."""
    done = done or refunded_so_far(order)
    return {
        item: item.quantity - done.units.get(item.pk, 0)
        for item in order.items.all()
        if item.quantity > done.units.get(item.pk, 0)
    }


def _wanted_units(order: Order, lines: Iterable[tuple[int, int]]) -> dict:
    items = {item.pk: item for item in order.items.all()}
    wanted: dict[int, int] = {}
    for item_id, quantity in lines:
        if item_id not in items:
            raise RefundInvalid(
                f"Item {item_id} is not in order {order.number}.",
                code="refund_unknown_item",
            )
        if quantity < 1:
            raise RefundInvalid("Quantities must be 1 or more.", code="invalid")
        wanted[item_id] = wanted.get(item_id, 0) + quantity
    return {items[item_id]: k for item_id, k in wanted.items()}


@transaction.atomic
def refund_create(
    *,
    order: Order,
    lines: Iterable[tuple[int, int]] = (),
    shipping: bool = False,
    restock: bool = False,
    reason: str = "",
    user=None,
) -> Refund:
    """Refund units of a paid order (and its shipping, once), to the cent (staff)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in REFUNDABLE:
        raise InvalidTransition(
            f"A {order.status} order cannot be refunded.", status=order.status
        )
    units = _wanted_units(order, lines)
    done = refunded_so_far(order)
    for item, k in units.items():
        left = item.quantity - done.units.get(item.pk, 0)
        if k > left:
            raise RefundInvalid(
                f"Only {left} of {item.name} can still be refunded.",
                code="refund_quantity_exceeded",
                item_id=item.pk,
                available=left,
            )
    if shipping and done.shipping:
        raise RefundInvalid(
            "The shipping was refunded already.", code="shipping_already_refunded"
        )
    if not units and not shipping:
        raise RefundInvalid(
            "Choose the items or the shipping to refund.", code="refund_empty"
        )
    refund = reserve_refund(
        order=order,
        units=units,
        shipping=shipping,
        restocked=restock,
        reason=reason,
        user=user,
    )
    changes = [
        StockChange(item.variant_id, k)
        for item, k in units.items()
        if item.variant_id is not None  # a deleted variant has no stock to return
    ]
    if restock and changes:
        stock_apply(
            changes=changes,
            reason=StockMovement.Reason.REFUND,
            order=order,
            user=refund.created_by,
            note=f"Order {order.number} refunded",
        )
    if order.refunded_total == order.total:
        order.status = Order.Status.REFUNDED
        coupon_services.coupon_release(order=order)
    else:
        order.status = Order.Status.PARTIALLY_REFUNDED
    order.save(update_fields=["status", "updated_at"])
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Ask the provider for a pending refund (safe to run twice: its idempotency key is
    the refund's). GatewayUnavailable propagates, for the caller to retry."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    order = refund.order
    payment = Payment.objects.filter(order=order).first()
    reference = ""
    if refund.amount > 0:
        # An order paid before payments had their own rows keeps its charge's id.
        gateway = gateway_for(payment.provider) if payment else get_gateway()
        try:
            result = gateway.refund(
                charge_reference=payment.reference
                if payment
                else order.payment_reference,
                amount=refund.amount,
                currency=order.currency,
                idempotency_key=f"refund-{refund.pk}",
            )
        except GatewayRefused:
            return _refund_failed(refund_id=refund.pk)
        reference = result.reference
    done = Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
        status=Refund.Status.SUCCEEDED, reference=reference
    )
    refund.refresh_from_db()
    if done:
        from orders.notices import queue_refund_notice

        queue_refund_notice(refund)
    return refund


@transaction.atomic
def _refund_failed(*, refund_id: int) -> Refund:
    """The provider refused for good: the reservation is released (stock that went
    back stays back: the goods were returned)."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    order = Order.objects.select_for_update().get(pk=refund.order_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    refund.status = Refund.Status.FAILED
    refund.save(update_fields=["status"])
    order.refunded_total -= refund.amount
    if order.status in (Order.Status.PARTIALLY_REFUNDED, Order.Status.REFUNDED):
        if order.refunded_total > 0:
            order.status = Order.Status.PARTIALLY_REFUNDED
        else:
            order.status = (
                Order.Status.FULFILLED if order.fulfilled_at else Order.Status.PAID
            )
    order.save(update_fields=["refunded_total", "status", "updated_at"])
    logger.error(
        "The refund %s of %s on order %s was refused by the provider.",
        refund.pk, refund.amount, order.number,
    )  # fmt: skip
    return refund


def refunds_pending(*, older_than) -> list[int]:
    """Pending refunds created before ``older_than`` (for the retry sweep)."""
    return list(
        Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
