"""Checkout: the cart becomes a pending order, all or nothing, in one transaction.

In the spirit of django-oscar's ``OrderCreator``, in this order:

1. the owner's checkouts are serialised (a transaction-level advisory lock: it works
   behind PgBouncer's transaction pooling);
2. a repeated ``Idempotency-Key`` answers with the order it made;
3. the cart is read; a cart revision already ordered is a double submit (its cart is
   about to be emptied by the checkout that ordered it), answered as an empty cart;
4. the variants are locked in primary-key order and every line is judged by the one
   availability rule, the coupon validated under its row lock: every problem at once;
5. the lines are priced by the one pricing function, the order and its items written,
   the stock taken by the stock service, the coupon redeemed, the keys recorded;
6. once committed, what was ordered leaves the cart and the confirmation is queued.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cart.pricing import pricing_lines
from cart.selectors import cart_snapshot
from cart.services import cart_take_ordered
from catalog.availability import OUT_OF_STOCK, REDUCED, UNAVAILABLE, availability
from catalog.models import StockMovement
from catalog.stock import StockChange, lock_variants, stock_apply
from coupons import services as coupon_services
from coupons.models import Coupon
from orders.models import IdempotencyKey, Order, OrderItem
from orders.notifications import queue_confirmation
from orders.selectors import order_for_idempotency_key
from pricing.totals import price_lines
from shop.db import advisory_xact_lock
from shop.exceptions import CheckoutConflict, CouponInvalid, EmptyCart

#: The advisory lock namespace of the per-owner checkout lock (any constant int4).
CHECKOUT_LOCK = 5_001
#: A line's availability, as the problem the buyer is shown.
PROBLEM_CODES = {
    UNAVAILABLE: "product_unavailable",
    OUT_OF_STOCK: "out_of_stock",
    REDUCED: "insufficient_stock",
}


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    created: bool  # False when an earlier request with the same Idempotency-Key made it


@dataclass(frozen=True)
class CheckoutProblem:
    """One reason the cart cannot be ordered; ``product_id`` and ``variant_id`` are
    None for the coupon."""

    product_id: int | None
    code: str
    requested: int | None
    available: int | None
    detail: str
    variant_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "code": self.code,
            "requested": self.requested,
            "available": self.available,
            "detail": self.detail,
        }


def revision_key(revision: str) -> str:
    """The implicit idempotency key of a cart revision: one order per revision."""
    return f"cart-revision:{revision}"


def order_place(
    *,
    cart,
    user=None,
    email: str,
    shipping_name: str,
    shipping_address: str,
    idempotency_key: str | None = None,
) -> PlacedOrder:
    """Turn the cart into a pending order, all or nothing; a repeated key returns the
    order it made (see the module for the steps)."""
    user = user if getattr(user, "is_authenticated", False) else None
    return _place(
        cart=cart,
        user=user,
        email=email,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def _place(
    *, cart, user, email, shipping_name, shipping_address, idempotency_key
) -> PlacedOrder:
    owner = cart.owner
    advisory_xact_lock(CHECKOUT_LOCK, owner)
    if idempotency_key:
        existing = order_for_idempotency_key(owner=owner, key=idempotency_key)
        if existing is not None:
            return PlacedOrder(order=existing, created=False)
    snapshot = cart_snapshot(cart=cart)
    lines = [line for line in snapshot.lines if line.quantity > 0]
    keys = [revision_key(snapshot.revision)] if snapshot.revision else []
    if not lines or IdempotencyKey.objects.filter(owner=owner, key__in=keys).exists():
        raise EmptyCart("The cart is empty: add products before checking out.")

    variants = lock_variants(line.variant_id for line in lines)
    problems = []
    for line in lines:
        variant = variants.get(line.variant_id)
        state = availability(variant, line.quantity)
        if not state.ok:
            problems.append(
                CheckoutProblem(
                    variant.product_id if variant else None,
                    PROBLEM_CODES[state.status],
                    line.quantity,
                    state.available,
                    state.message,
                    line.variant_id,
                )
            )
    priced = pricing_lines(
        [(variants[line.variant_id], line.quantity) for line in lines
         if line.variant_id in variants],
        with_categories=bool(snapshot.coupon),
    )  # fmt: skip
    coupon, coupon_problem = _locked_coupon(
        code=snapshot.coupon, lines=priced, user=user, email=email
    )
    if coupon_problem:
        problems.append(coupon_problem)
    if problems:
        raise CheckoutConflict(
            "Some items in the cart cannot be ordered; nothing was charged or reserved.",
            problems=[problem.as_dict() for problem in problems],
        )

    totals = price_lines(
        priced,
        rule=coupon_services.coupon_rule(coupon) if coupon else None,
        tax_rate=settings.SHOP_TAX_RATE,
    )
    order = Order.objects.create(
        user=user,
        email=email,
        currency=settings.SHOP_CURRENCY,
        subtotal=totals.subtotal,
        discount=totals.discount,
        coupon_code=coupon.code if coupon else "",
        tax=totals.tax,
        total=totals.total,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
        confirmation_due_at=timezone.now(),
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product_id=line.product_id,
            variant_id=line.variant_id,
            product_name=variants[line.variant_id].product.name,
            sku=variants[line.variant_id].sku,
            options=variants[line.variant_id].options,
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=line.line_total,
        )
        for line in totals.lines
    )
    stock_apply(
        changes=[StockChange(line.variant_id, -line.quantity) for line in lines],
        reason=StockMovement.Reason.CHECKOUT,
        order=order,
        user=user,
        note=f"Order {order.number}",
        locked=variants,
    )
    if coupon:
        coupon_services.coupon_redeem(
            coupon=coupon, order=order, user=user, email=email
        )
    if idempotency_key:
        keys.append(idempotency_key)
    IdempotencyKey.objects.bulk_create(
        IdempotencyKey(owner=owner, key=key, order=order) for key in keys
    )
    taken = [(line.variant_id, line.quantity) for line in lines]
    used = coupon.code if coupon else None
    transaction.on_commit(
        lambda: cart_take_ordered(cart=cart, lines=taken, coupon=used), robust=True
    )
    queue_confirmation(order)
    return PlacedOrder(order=order, created=True)


def _locked_coupon(*, code, lines, user, email):
    """The cart's coupon, row-locked and validated (its uses counted under the lock):
    (coupon, None), or (None, the problem)."""
    if not code:
        return None, None
    try:
        found = coupon_services.coupon_find(code=code)
        # A concurrent checkout using the same coupon waits here until this one ends.
        coupon = Coupon.objects.select_for_update().get(pk=found.pk)
        coupon_services.coupon_validate(
            coupon=coupon, lines=lines, user=user, email=email
        )
    except Coupon.DoesNotExist:
        return None, CheckoutProblem(
            None, "coupon_invalid", None, None, "Unknown coupon."
        )
    except CouponInvalid as exc:
        return None, CheckoutProblem(None, exc.code, None, None, exc.detail)
    return coupon, None
