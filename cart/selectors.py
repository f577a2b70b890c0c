"""Reads of carts: whose cart a request uses, and the cart reconciled with the catalog.

Reading a cart applies the catalog to it, line by line, each line a variant (API.md
"Cart"): a variant deleted or archived, or of a product deleted or archived, leaves it;
quantities above the variant's stock left are lowered, lines with no stock stay as
``out_of_stock`` out of the totals, a variant's new price is reported, a coupon that no
longer applies is dropped. Each change is written back (compare-and-set, never undoing a
concurrent write) so that each warning is given once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotAuthenticated

from cart.cart import Cart, is_valid_token
from cart.pricing import pricing_lines
from cart.store import CartLine, LineChange, Snapshot, get_store
from catalog.availability import OUT_OF_STOCK, UNAVAILABLE, availability
from catalog.models import ProductImage, Variant
from catalog.selectors import VariantRow, variant_rows
from coupons.services import coupon_find, coupon_validate
from pricing.lines import PricingLine
from pricing.totals import Totals, price_lines
from shop.exceptions import CouponInvalid, NotFound
from shop.money import ZERO, quantize

CART_TOKEN_HEADER = "HTTP_X_CART_TOKEN"
CART_NOT_FOUND = "cart_not_found"
HOW_TO_GET_A_CART = (
    "No cart: sign in and send 'Authorization: Bearer <access token>', or create an "
    "anonymous cart with POST /api/v1/carts/ and send its token in the X-Cart-Token header."
)


def unknown_token() -> NotFound:
    return NotFound("Unknown or expired cart token.", code=CART_NOT_FOUND)


# --- which cart ----------------------------------------------------------------------------


def cart_for_request(request) -> Cart:
    """The API caller's cart: the JWT user's, else the one named by ``X-Cart-Token``
    (401 saying how to get a cart without either; 404 for a malformed token, and for an
    unknown or expired one at its first read or write)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Cart.for_user(user)
    token = request.META.get(CART_TOKEN_HEADER)
    if token is None:
        raise NotAuthenticated(HOW_TO_GET_A_CART)
    return cart_for_token(token=token)


def cart_for_token(*, token: str) -> Cart:
    """The anonymous cart with this token; 404 if the token is malformed."""
    if not is_valid_token(token):
        raise unknown_token()
    return Cart.for_token(token)


def cart_for_page(request) -> Cart:
    """A page visitor's cart: the user's when signed in, else the session's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Cart.for_user(user)
    return Cart.for_session(request.session)


def cart_snapshot(*, cart: Cart) -> Snapshot:
    """The cart as stored, in one round trip; 404 for a token cart that does not exist."""
    if cart.pending:
        return Snapshot((), None, 0, False)
    snapshot = get_store().read(cart.id)
    if cart.is_api_token and not snapshot.exists:
        raise unknown_token()
    return snapshot


# --- the cart, reconciled ------------------------------------------------------------------


@dataclass(frozen=True)
class CartWarning:
    code: str
    message: str
    product_id: int | None = None
    variant_id: int | None = None

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message}
        if self.product_id is not None:
            data["product_id"] = self.product_id
        if self.variant_id is not None:
            data["variant_id"] = self.variant_id
        return data


def line_warning(code: str, message: str, variant: VariantRow | None, variant_id: int):
    """A warning about one line: its variant and product named when known."""
    product_id = variant.product_id if variant is not None else None
    return CartWarning(code, message, product_id, variant_id)


@dataclass(frozen=True)
class SummaryLine:
    variant_id: int
    product_id: int
    sku: str
    options: dict
    slug: str
    name: str  # the product's name (the options are beside it)
    unit_price: Decimal  # the catalog's current price
    quantity: int
    line_total: Decimal  # 0.00 for a line out of stock
    available: int
    status: str  # ok | reduced | out_of_stock
    price_changed: bool


@dataclass(frozen=True)
class CartSummary:
    lines: tuple[SummaryLine, ...]
    totals: Totals
    coupon: tuple[str, str] | None  # (code, name)
    warnings: tuple[CartWarning, ...]
    expires_in: int
    # What the totals priced (the lines not out of stock), for a coupon's check.
    pricing_lines: tuple[PricingLine, ...] = ()

    @property
    def count(self) -> int:
        """Distinct products (two sizes of one tee are one)."""
        return len({line.product_id for line in self.lines})

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def can_checkout(self) -> bool:
        return any(line.status != OUT_OF_STOCK for line in self.lines)

    def as_dict(self) -> dict:
        """The cart in API.md's JSON shape (money as strings)."""
        totals = self.totals
        return {
            "items": [
                {
                    "variant_id": line.variant_id,
                    "product_id": line.product_id,
                    "sku": line.sku,
                    "options": line.options,
                    "slug": line.slug,
                    "name": line.name,
                    "unit_price": str(quantize(line.unit_price)),
                    "quantity": line.quantity,
                    "line_total": str(line.line_total),
                    "available": line.available,
                    "status": line.status,
                    "price_changed": line.price_changed,
                }
                for line in self.lines
            ],
            "count": self.count,
            "quantity": self.quantity,
            "subtotal": str(totals.subtotal),
            "discount": str(totals.discount),
            "tax": str(totals.tax),
            "total": str(totals.total),
            "currency": settings.SHOP_CURRENCY,
            "coupon": (
                {"code": self.coupon[0], "name": self.coupon[1]}
                if self.coupon
                else None
            ),
            "warnings": [warning.as_dict() for warning in self.warnings],
            "expires_in": self.expires_in,
        }


def cart_read(
    *,
    cart: Cart,
    snapshot: Snapshot | None = None,
    known: dict[int, VariantRow] | None = None,
    with_categories: bool = False,
) -> CartSummary:
    """The cart at current prices, reconciled with the catalog (see the module).
    ``snapshot``: the cart as a write just returned it (no second read); ``known``:
    variant rows the caller read in this request (not read again);
    ``with_categories``: its pricing lines carry their categories (a coupon's scope)
    even when the cart has no coupon yet."""
    if snapshot is None:
        snapshot = cart_snapshot(cart=cart)
    variants = dict(known or {})
    variants.update(
        variant_rows(
            line.variant_id
            for line in snapshot.lines
            if line.variant_id not in variants
        )
    )
    warnings: list[CartWarning] = []
    changes: list[LineChange] = []
    kept = []  # (variant, quantity, status, price changed)
    for line in snapshot.lines:
        variant = variants.get(line.variant_id)
        state = availability(variant, line.quantity)
        if state.status == UNAVAILABLE:
            warnings.append(
                line_warning(
                    "product_unavailable",
                    f"{state.message} It was removed from your cart.",
                    variant,
                    line.variant_id,
                )
            )
            changes.append(LineChange(line, None))
            continue
        quantity, noted = line.quantity, False
        if state.status == OUT_OF_STOCK:
            noted = True
            if not line.out_of_stock_noted:
                warnings.append(
                    line_warning("out_of_stock", state.message, variant, variant.id)
                )
        elif not state.ok:
            quantity = state.quantity
            warnings.append(
                line_warning(
                    "quantity_reduced",
                    f"{state.message} Your cart now holds {quantity}.",
                    variant,
                    variant.id,
                )
            )
        price_changed = line.unit_price != variant.price
        if price_changed:
            warnings.append(
                line_warning(
                    "price_changed",
                    f"The price of {variant.name} changed from {line.unit_price} to "
                    f"{variant.price}.",
                    variant,
                    variant.id,
                )
            )
        new = CartLine(variant.id, quantity, variant.price, noted)
        if new != line:
            changes.append(LineChange(line, new))
        kept.append((variant, quantity, state.status, price_changed))

    priced = [
        (v, quantity) for v, quantity, status, _ in kept if status != OUT_OF_STOCK
    ]
    lines = pricing_lines(
        priced, with_categories=with_categories or bool(snapshot.coupon)
    )
    coupon, rule, coupon_change = None, None, None
    if snapshot.coupon:
        try:
            found = coupon_find(code=snapshot.coupon)
            rule = coupon_validate(coupon=found, lines=lines, user=cart.user)
        except CouponInvalid as exc:
            warnings.append(
                CartWarning(
                    "coupon_removed",
                    f"The coupon {snapshot.coupon} was removed: {exc.detail}",
                )
            )
            coupon_change = (snapshot.coupon, None)
            rule = None
        else:
            coupon = (found.code, found.name)
    if changes or coupon_change:
        get_store().apply_changes(cart.id, changes, coupon=coupon_change)

    totals = price_lines(
        lines,
        rule=rule,
        tax_rate=settings.SHOP_TAX_RATE,
        prices_include_tax=settings.SHOP_PRICES_INCLUDE_TAX,
    )
    line_totals = {line.variant_id: line.line_total for line in totals.lines}
    summary_lines = tuple(
        SummaryLine(
            variant_id=variant.id,
            product_id=variant.product_id,
            sku=variant.sku,
            options=variant.options,
            slug=variant.slug,
            name=variant.product_name,
            unit_price=variant.price,
            quantity=quantity,
            line_total=line_totals.get(variant.id, ZERO),
            available=max(variant.stock, 0),
            status=status,
            price_changed=price_changed,
        )
        for variant, quantity, status, price_changed in kept
    )
    renewed = changes or coupon_change or not snapshot.exists
    expires_in = settings.CART_TTL if renewed else snapshot.ttl
    return CartSummary(
        summary_lines, totals, coupon, tuple(warnings), expires_in, tuple(lines)
    )


def cart_badge_count(*, cart: Cart) -> int:
    """Units in the cart, for the header's badge: one read, none for a pending cart."""
    return sum(line.quantity for line in cart_snapshot(cart=cart).lines)


# --- what the pages show beside a line -----------------------------------------------------


class Picture(NamedTuple):
    """A line's picture: the image's file in storage (what a thumbnail is made from)."""

    name: str
    alt: str


def line_pictures(variant_ids: Iterable[int]) -> dict[int, Picture]:
    """Each variant's picture, its own image else its product's first, by variant id
    (variants without one left out): one query however many lines and images."""
    ids = list(variant_ids)
    if not ids:
        return {}
    first = ProductImage.objects.filter(product=OuterRef("product_id")).order_by(
        "position", "id"
    )
    rows = (
        Variant.objects.filter(pk__in=ids)
        .annotate(
            picture=Coalesce(
                F("image__image"),
                Subquery(first.values("image")[:1]),
                output_field=CharField(),
            ),
            picture_alt=Coalesce(
                F("image__alt"),
                Subquery(first.values("alt")[:1]),
                output_field=CharField(),
            ),
        )
        .values_list("pk", "picture", "picture_alt")
    )
    return {pk: Picture(name, alt or "") for pk, name, alt in rows if name}
