"""Checkout: the cart becomes a pending order, all or nothing, in one transaction.

In the spirit of django-oscar's ``OrderCreator``, in this order:

1. the owner's checkouts are serialised (a transaction-level advisory lock: it works
   behind PgBouncer's transaction pooling);
2. a repeated ``Idempotency-Key`` answers with the order it made;
3. the cart is read; a cart revision already ordered is a double submit (its cart is
   about to be emptied by the checkout that ordered it), answered as an empty cart;
4. the variants are locked in primary-key order and every line is judged by the one
   availability rule, the coupon validated under its row lock: every problem at once;
5. the shipping method is priced by the one shipping rule (the weight of the locked
   variants, the subtotal less the discount), the tax rate is the shipping country's;
6. the lines are priced by the one pricing function, the order and its items written,
   the stock taken by the stock service, the coupon redeemed, the keys recorded;
7. once committed, what was ordered leaves the cart and the confirmation is queued.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_countries import countries

from accounts.addresses import ADDRESS_FIELDS, address_create, address_for_user
from accounts.models import Address
from cart.pricing import pricing_lines
from cart.selectors import cart_snapshot
from cart.services import cart_take_ordered
from catalog.availability import OUT_OF_STOCK, REDUCED, UNAVAILABLE, availability
from catalog.models import StockMovement
from catalog.stock import StockChange, lock_variants, stock_apply
from coupons import services as coupon_services
from coupons.models import Coupon
from orders.models import IdempotencyKey, Order, OrderItem, ShippingMethod
from orders.notifications import queue_confirmation
from orders.selectors import order_for_idempotency_key
from orders.shipping import items_weight, shipping_rule, shop_ships, tax_rate_for
from pricing.shipping import shipping_price
from pricing.totals import price_lines
from shop.db import advisory_xact_lock
from shop.exceptions import (
    CheckoutConflict,
    CouponInvalid,
    EmptyCart,
    ShippingMethodRequired,
    ShippingUnavailable,
)
from shop.money import ZERO

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


@dataclass(frozen=True)
class Destination:
    """Where the order goes: the address snapshot (None for a text address of the old
    body), its printable text, the method (None: no shipping) and an address to save."""

    name: str
    text: str
    address: dict | None = None
    country: str = ""
    method: ShippingMethod | None = None
    save: dict | None = None


def revision_key(revision: str) -> str:
    """The implicit idempotency key of a cart revision: one order per revision."""
    return f"cart-revision:{revision}"


def order_place(
    *,
    cart,
    user=None,
    email: str,
    shipping_address: dict | str | None = None,
    shipping_name: str = "",
    address_id: int | None = None,
    shipping_method: int | None = None,
    save_address: bool = False,
    idempotency_key: str | None = None,
) -> PlacedOrder:
    """Turn the cart into a pending order, all or nothing; a repeated key returns the
    order it made (see the module for the steps).

    ``shipping_address`` is an address (a dict of the address book's fields) or, while
    the shop has no active shipping method, the text of the old body with
    ``shipping_name``; a signed-in user may name a saved address by ``address_id``.
    """
    user = user if getattr(user, "is_authenticated", False) else None
    return _place(
        cart=cart,
        user=user,
        email=email,
        where={
            "shipping_address": shipping_address,
            "shipping_name": shipping_name,
            "address_id": address_id,
            "shipping_method": shipping_method,
            "save_address": save_address,
        },
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def _place(*, cart, user, email, where, idempotency_key) -> PlacedOrder:
    owner = cart.owner
    advisory_xact_lock(CHECKOUT_LOCK, owner)
    if idempotency_key:
        existing = order_for_idempotency_key(owner=owner, key=idempotency_key)
        if existing is not None:
            return PlacedOrder(order=existing, created=False)
    destination = _destination(user=user, **where)
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

    rule = coupon_services.coupon_rule(coupon) if coupon else None
    shipping = _shipping(destination, variants=variants, lines=lines, priced=priced,
                         rule=rule)  # fmt: skip
    tax_rate = tax_rate_for(destination.country)
    totals = price_lines(
        priced,
        rule=rule,
        tax_rate=tax_rate,
        shipping=shipping,
        prices_include_tax=settings.SHOP_PRICES_INCLUDE_TAX,
    )
    # Every check is behind us: from here on the checkout writes.
    if destination.save is not None:
        address_create(user=user, **destination.save)
    order = Order.objects.create(
        user=user,
        email=email,
        currency=settings.SHOP_CURRENCY,
        subtotal=totals.subtotal,
        discount=totals.discount,
        coupon_code=coupon.code if coupon else "",
        tax=totals.tax,
        total=totals.total,
        shipping=totals.shipping,
        shipping_method=destination.method.name if destination.method else "",
        shipping_tax=totals.shipping_tax,
        tax_rate=tax_rate,
        shipping_name=destination.name,
        shipping_address=destination.text,
        address=destination.address,
        shipping_country=destination.country,
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
            discount=line.discount,
            tax=line.tax,
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


def _destination(
    *, user, shipping_address, shipping_name, address_id, shipping_method, save_address
) -> Destination:
    """The address and the method, checked before anything is read or written."""
    if address_id is not None:
        if user is None:
            raise ValidationError({"address_id": ["Sign in to use a saved address."]})
        saved = address_for_user(user=user, address_id=address_id)
        fields, save = {name: getattr(saved, name) for name in ADDRESS_FIELDS}, None
    elif isinstance(shipping_address, dict):
        fields = {name: shipping_address.get(name, "") for name in ADDRESS_FIELDS}
        # The address book's rule (the country a known code, the phone a number).
        Address(**fields).full_clean(exclude=["user", "is_default"])
        save = fields if save_address and user is not None else None
    elif shop_ships():
        raise ShippingMethodRequired(
            "This shop ships by shipping method: send shipping_address as an address "
            "object and a shipping_method (GET /api/v1/cart/shipping-methods/?country= "
            "lists them)."
        )
    elif not shipping_address or not shipping_name:
        raise ValidationError(
            {"shipping_address": ["Give the address the order is sent to."]}
        )
    else:  # the old body, while the shop has no shipping methods
        return Destination(name=shipping_name, text=shipping_address)
    address = _snapshot(fields)
    country = address["country"]
    if shipping_method is None:
        if shop_ships():
            raise ShippingMethodRequired("Choose a shipping method for this address.")
        method = None
    else:
        method = ShippingMethod.objects.filter(
            pk=shipping_method, is_active=True, zone__countries__country=country
        ).first()
        if method is None:
            raise ShippingUnavailable(
                f"This shipping method does not deliver to {address['country']}."
            )
    return Destination(
        name=address["name"],
        text=address_text(address),
        address=address,
        country=country,
        method=method,
        save=save,
    )


def _snapshot(fields: dict) -> dict:
    """The address as the order keeps it: plain strings (the country's code, the phone
    in E.164)."""
    country, phone = fields["country"], fields["phone"]
    return {
        **{name: str(fields[name] or "") for name in ADDRESS_FIELDS},
        "country": getattr(country, "code", None) or str(country).upper(),
        "phone": getattr(phone, "as_e164", None) or str(phone or ""),
    }


def address_text(address: dict) -> str:
    """An address snapshot as the text printed on a parcel under the name (which
    ``shipping_name`` holds, as the old body's orders have it)."""
    city = " ".join(part for part in (address["postcode"], address["city"]) if part)
    country = countries.name(address["country"]) or address["country"]
    parts = [address["line1"], address["line2"], city, address["region"], country,
             address["phone"]]  # fmt: skip
    return "\n".join(part for part in parts if part)


def _shipping(destination, *, variants, lines, priced, rule) -> Decimal:
    """The method's price for the locked variants' weight and the subtotal less the
    discount; a method no band fits is ``shipping_unavailable``."""
    if destination.method is None:
        return ZERO
    goods = price_lines(priced, rule=rule)
    weight = items_weight(
        (variants[line.variant_id].weight_grams, line.quantity) for line in lines
    )
    price = shipping_price(
        shipping_rule(destination.method),
        weight_grams=weight,
        goods=goods.subtotal - goods.discount,
    )
    if price is None:
        raise ShippingUnavailable(
            f"{destination.method.name} does not ship this cart (its weight or value "
            "is outside the method's bands)."
        )
    return price
