"""Writes to carts: adding and setting lines within stock and the cart's limits, coupons,
merging an anonymous cart into a user's, and taking out what an order took.

The API views, the storefront pages, the login merge and the checkout all come through
here; persistence is ``cart.store`` (one atomic script per write), availability is
``catalog.availability``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages

from cart.cart import SESSION_KEY, Cart, is_valid_token, new_token
from cart.selectors import (
    CART_TOKEN_HEADER,
    CartWarning,
    cart_read,
    cart_snapshot,
    line_warning,
    unknown_token,
)
from cart.store import (
    CartLine,
    CartMissing,
    LineCountLimit,
    LineQuantityLimit,
    Snapshot,
    get_store,
)
from catalog.availability import OUT_OF_STOCK, UNAVAILABLE, availability
from catalog.models import Product
from catalog.selectors import VariantRow, product_variant_rows, variant_rows
from catalog.variants import variant_required
from coupons.services import NOT_APPLICABLE, coupon_find, coupon_validate
from shop.exceptions import (
    CouponInvalid,
    InsufficientStock,
    LimitExceeded,
    NotFound,
    ShopError,
)

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1


def _is_id(value) -> bool:
    """An id as the store can hold it: a positive int below 2**63 (no bool)."""
    return (
        not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= MAX_ID
    )


def cart_create() -> Cart:
    """A new, empty anonymous cart with an unguessable token (192 bits)."""
    cart = Cart.for_token(new_token())
    get_store().touch(cart.id)
    return cart


# --- lines ---------------------------------------------------------------------------------


def _check_quantity(quantity, *, minimum: int) -> int:
    maximum = settings.CART_MAX_LINE_QUANTITY
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ShopError("Quantity must be a whole number.", code="invalid_quantity")
    if not minimum <= quantity <= maximum:
        raise ShopError(
            f"Quantity must be between {minimum} and {maximum}.",
            code="invalid_quantity",
        )
    return quantity


def _not_found(kind: str, given) -> NotFound:
    return NotFound(f"{kind} {given} does not exist.", code=f"{kind.lower()}_not_found")


def sellable_variant(*, variant_id=None, product_id=None) -> VariantRow:
    """The variant to put in a cart, named by its id or, for a one-variant product, by
    the product's: 404 unless it exists and is on sale (and, when both are named, is one
    of that product's); 400 ``variant_required`` for a product with several variants."""
    if variant_id is not None:
        row = variant_rows([variant_id]).get(variant_id) if _is_id(variant_id) else None
        if availability(row, 1).status == UNAVAILABLE or (
            product_id is not None and row.product_id != product_id
        ):
            raise _not_found("Variant", variant_id)
        return row
    rows = product_variant_rows(product_id) if _is_id(product_id) else []
    if not rows or not rows[0].product_active:
        raise _not_found("Product", product_id)
    if len(rows) > 1:
        raise variant_required(Product.objects.get(pk=product_id))
    if availability(rows[0], 1).status == UNAVAILABLE:
        raise _not_found("Product", product_id)
    return rows[0]


def _too_many_lines() -> LimitExceeded:
    limit = settings.CART_MAX_LINES
    return LimitExceeded(f"A cart holds at most {limit} different items.", limit=limit)


def _short(variant: VariantRow, requested: int, holds: int = 0) -> ShopError:
    """The refusal of ``requested`` units of ``variant`` in a line holding ``holds``: the
    per-line limit when that is what stops it, else the stock."""
    maximum = settings.CART_MAX_LINE_QUANTITY
    if requested > maximum and variant.stock >= maximum:
        return LimitExceeded(
            f"At most {maximum} of one item per cart (the cart holds {holds}).",
            limit=maximum,
        )
    state = availability(variant, requested)
    return InsufficientStock(
        state.message,
        available=state.available,
        product_id=variant.product_id,
        variant_id=variant.id,
    )


@dataclass(frozen=True)
class AddedItem:
    snapshot: Snapshot  # the cart after the write
    variant: VariantRow  # the variant added, as the add read it


def cart_add_item(
    *, cart: Cart, variant_id=None, product_id=None, quantity: int = 1
) -> AddedItem:
    """Add units of a variant (named by its id, or by a one-variant product's) to what
    the cart holds; the cart after the write.

    The stock and line-count checks run inside the store's atomic step: two adds at once
    can never take a line above the stock read or the cart above its line limit."""
    quantity = _check_quantity(quantity, minimum=1)
    variant = sellable_variant(variant_id=variant_id, product_id=product_id)
    cart.persist()
    try:
        _, snapshot = get_store().add(
            cart.id,
            CartLine(variant.id, quantity, variant.price),
            max_quantity=min(variant.stock, settings.CART_MAX_LINE_QUANTITY),
            max_lines=settings.CART_MAX_LINES,
            must_exist=cart.is_api_token,  # a gone token cart is never brought back
        )
    except CartMissing:
        raise unknown_token() from None
    except LineCountLimit:
        raise _too_many_lines() from None
    except LineQuantityLimit as exc:
        raise _short(variant, exc.current + quantity, exc.current) from None
    return AddedItem(snapshot, variant)


def cart_set_item(*, cart: Cart, variant_id: int, quantity: int) -> None:
    """Set a line's quantity; 0 removes it."""
    quantity = _check_quantity(quantity, minimum=0)
    if quantity == 0:
        cart_remove_item(cart=cart, variant_id=variant_id)
        return
    variant = sellable_variant(variant_id=variant_id)
    if not availability(variant, quantity).ok:
        raise _short(variant, quantity)
    cart.persist()
    try:
        get_store().set(
            cart.id,
            CartLine(variant.id, quantity, variant.price),
            max_lines=settings.CART_MAX_LINES,
            must_exist=cart.is_api_token,
        )
    except CartMissing:
        raise unknown_token() from None
    except LineCountLimit:
        raise _too_many_lines() from None


def cart_remove_item(*, cart: Cart, variant_id: int) -> None:
    """Take a variant out of the cart; 404 if it was not in it."""
    if (
        not _is_id(variant_id)
        or cart.pending
        or not get_store().remove(cart.id, variant_id)
    ):
        if cart.is_api_token and not get_store().exists(cart.id):
            raise unknown_token()
        raise NotFound("This item is not in your cart.", code="not_in_cart")


# --- coupon, clearing, what an order took --------------------------------------------------


def cart_apply_coupon(*, cart: Cart, code: str) -> str:
    """Put a coupon on the cart after validating it against the cart as read now."""
    coupon = coupon_find(code=code)
    summary = cart_read(cart=cart, with_categories=True)
    coupon_validate(coupon=coupon, lines=summary.pricing_lines, user=cart.user)
    cart.persist()
    # Only onto the cart just read: one destroyed meanwhile (a checkout, a clear) is not
    # brought back holding nothing but a coupon.
    if not get_store().set_coupon(cart.id, coupon.code, must_exist=True):
        if cart.is_api_token:
            raise unknown_token()
        raise CouponInvalid(
            f"Add items to your cart to use the coupon {coupon.code}.",
            code=NOT_APPLICABLE,
        )
    return coupon.code


def cart_remove_coupon(*, cart: Cart) -> None:
    """Take the coupon off the cart (a cart that does not exist stays so)."""
    if cart.is_api_token:
        cart_snapshot(cart=cart)  # 404 for a gone token cart, as for any write
    if not cart.pending:
        get_store().set_coupon(cart.id, None)


def cart_clear(*, cart: Cart) -> None:
    """Empty the cart and forget it."""
    if cart.is_api_token:
        cart_snapshot(cart=cart)
    if not cart.pending:
        get_store().destroy(cart.id)


def cart_take_ordered(*, cart: Cart, lines, coupon: str | None) -> None:
    """Take out of the cart what an order took (``lines``: (variant id, quantity)
    pairs; ``coupon``: the code it used), in one step: a line added, or a quantity added
    on top, while the order was being placed stays in the cart."""
    if not cart.pending:
        get_store().take(cart.id, lines, coupon)


# --- merging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    """What a merge did, for the shopper: one warning per line that could not move whole."""

    merged: bool  # False when the source cart did not exist (nothing to do)
    moved_lines: int = 0  # lines of the target that gained units
    moved_units: int = 0  # units that moved (after clamping)
    coupon_moved: bool = False
    warnings: tuple[CartWarning, ...] = ()


def cart_merge(*, source: Cart, target: Cart) -> MergeResult:
    """Move the source cart's lines into the target; the source is gone after.

    Quantities add; each line is clamped to the stock left and CART_MAX_LINE_QUANTITY;
    products gone from the catalog are dropped; the source's coupon moves only when the
    target has none. The source is read and deleted in one step, so a merge run twice
    at once moves its lines once. The one merge behind login and the merge API."""
    if source.id == target.id or source.pending:
        return MergeResult(merged=False)
    store = get_store()
    popped = store.pop(source.id)
    if not popped.exists:
        return MergeResult(merged=False)
    variants = variant_rows(line.variant_id for line in popped.lines)
    caps = {
        line.variant_id: availability(
            variants.get(line.variant_id), line.quantity
        ).available
        for line in popped.lines
    }
    target.persist()
    try:
        merged, coupon_moved = store.merge_in(
            target.id,
            popped.lines,
            caps=caps,
            coupon=popped.coupon,
            max_quantity=settings.CART_MAX_LINE_QUANTITY,
            max_lines=settings.CART_MAX_LINES,
        )
    except Exception:
        _give_back(source, popped)
        raise
    given = {line.variant_id: line.quantity for line in popped.lines}
    return _merge_result(merged, coupon_moved, variants, given)


def _give_back(source: Cart, popped: Snapshot) -> None:
    """Put a popped cart back after its merge failed (best effort: Redis may be gone)."""
    try:
        get_store().merge_in(
            source.id,
            popped.lines,
            caps={line.variant_id: line.quantity for line in popped.lines},
            coupon=popped.coupon,
            max_quantity=settings.CART_MAX_LINE_QUANTITY,
            max_lines=settings.CART_MAX_LINES,
        )
    except Exception:
        logger.exception(
            "A cart popped for a merge could not be put back: %s", source.id
        )


def _merge_result(
    merged, coupon_moved: bool, variants: dict, given: dict[int, int]
) -> MergeResult:
    """What the merge did; ``given``: the source's quantities, by variant id."""
    warnings = []
    for line in merged:
        if line.quantity >= line.requested:
            continue
        variant = variants.get(line.variant_id)
        state = availability(variant, line.requested)
        if state.status == UNAVAILABLE:
            code, message = "product_unavailable", state.message
        elif line.quantity == 0:  # out of stock, or the cart's line limit left it out
            code = (
                "out_of_stock"
                if state.status == OUT_OF_STOCK
                else "product_unavailable"
            )
            message = f"{variant.name} could not be added to your cart."
        else:
            code = "quantity_reduced"
            message = (
                f"{variant.name}: you wanted {line.requested}, your cart now holds "
                f"{line.quantity}."
            )
        warnings.append(line_warning(code, message, variant, line.variant_id))
    # What each line gained: the target held ``requested - given`` before.
    moved = {
        line.variant_id: line.quantity - (line.requested - given[line.variant_id])
        for line in merged
    }
    moved = {variant_id: units for variant_id, units in moved.items() if units > 0}
    return MergeResult(
        merged=True,
        moved_lines=len(moved),
        moved_units=sum(moved.values()),
        coupon_moved=coupon_moved,
        warnings=tuple(warnings),
    )


def cart_login_merge(*, request, user) -> MergeResult:
    """On sign-in (the ``user_logged_in`` signal, pages and API alike): merge the
    anonymous cart, the session's or the one named by ``X-Cart-Token``, into the user's,
    and tell a page's shopper what moved."""
    if request is None:  # a sign-in sent without a request has no anonymous cart
        return MergeResult(merged=False)
    session = getattr(request, "session", None)
    token = session.get(SESSION_KEY) if session is not None else None
    page = is_valid_token(token)
    if not page:
        token = request.META.get(CART_TOKEN_HEADER)
        if not is_valid_token(token):
            return MergeResult(merged=False)
    result = cart_merge(source=Cart.for_token(token), target=Cart.for_user(user))
    if page:
        session.pop(SESSION_KEY, None)
    request.cart = Cart.for_user(user)  # the rest of this request sees the user's cart
    if page and result.merged and getattr(request, "_messages", None) is not None:
        if result.moved_units:
            units = result.moved_units
            messages.info(
                request,
                f"We moved {units} item{'s' if units != 1 else ''} you picked before "
                "signing in into your cart.",
            )
        for warning in result.warnings:
            messages.warning(request, warning.message)
    return result
