"""Cart rules: whose cart a request uses, adding and setting lines against stock, coupons,
merging carts, and reading a cart reconciled with the catalog.

The API views, the storefront pages and checkout all come through here. Persistence is
``cart.store`` (one atomic round trip per write); pricing is ``cart.pricing.price_lines``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.exceptions import NotAuthenticated, Throttled

from cart.cart import SESSION_KEY, Cart, is_valid_token, new_token
from cart.pricing import CartTotals, PricingLine, price_lines
from cart.product_rows import ProductRow, kept_version, product_rows
from cart.store import (
    CartLine,
    CartMissing,
    CartSnapshot,
    CatalogChanged,
    LineChange,
    LineCountLimit,
    MergeOutcome,
    StoreLimitError,
    WindowFull,
    get_store,
)
from catalog import cache as catalog_cache
from catalog.models import Product
from shop.exceptions import (
    CouponInvalid,
    InsufficientStock,
    LimitExceeded,
    NotFound,
    ShopError,
)
from shop.money import ZERO, quantize
from shop.throttling import Window

CART_TOKEN_HEADER = "HTTP_X_CART_TOKEN"
HOW_TO_GET_A_CART = (
    "No cart: sign in and send 'Authorization: Bearer <access token>', or create an "
    "anonymous cart with POST /api/v1/carts/ and send its token in the X-Cart-Token header."
)

OK, REDUCED, OUT_OF_STOCK, UNAVAILABLE = "ok", "reduced", "out_of_stock", "unavailable"


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartWarning:
    code: str
    message: str
    product_id: int | None = None

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message}
        if self.product_id is not None:
            data["product_id"] = self.product_id
        return data


@dataclass(frozen=True)
class SummaryLine:
    product_id: int
    slug: str
    name: str
    unit_price: Decimal  # the catalog's current price
    quantity: int
    line_total: Decimal  # 0.00 for a line that is out of stock
    available: int
    status: str
    price_changed: bool


@dataclass(frozen=True)
class CouponInfo:
    code: str
    name: str


@dataclass(frozen=True)
class CartSummary:
    lines: tuple[SummaryLine, ...]
    totals: CartTotals
    coupon: CouponInfo | None
    warnings: tuple[CartWarning, ...]
    expires_in: int
    currency: str

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class MergeResult:
    """What a merge did, for the shopper: one warning per line that could not move whole."""

    merged: bool  # False when the source cart did not exist (nothing to do)
    moved_lines: int = 0
    moved_units: int = 0
    coupon_moved: bool = False
    warnings: tuple[CartWarning, ...] = field(default_factory=tuple)


# --- which cart -------------------------------------------------------------------------------


def cart_for_request(request, *, create: bool = False, verify: bool = True) -> Cart:
    """The API caller's cart: the JWT user's, else the one named by ``X-Cart-Token``.

    Unknown or expired tokens are 404; neither is 401 saying how to get a cart.
    ``create`` is accepted for symmetry with pages: a user's cart is created on first write.
    ``verify=False`` leaves the existence check of a token cart to its first
    :func:`cart_snapshot` (one round trip instead of two).
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Cart.for_user(user)
    token = request.META.get(CART_TOKEN_HEADER)
    if token is None:
        raise NotAuthenticated(HOW_TO_GET_A_CART)
    return cart_for_token(token=token, verify=verify)


CART_NOT_FOUND = "cart_not_found"


def _unknown_token() -> NotFound:
    return NotFound("Unknown or expired cart token.", code=CART_NOT_FOUND)


def cart_for_token(*, token: str, verify: bool = True) -> Cart:
    """The anonymous cart with this token; 404 if the token is malformed, unknown or expired
    (with ``verify=False`` the unknown or expired case is left to :func:`cart_snapshot`)."""
    if not is_valid_token(token):
        raise _unknown_token()
    cart = Cart.for_token(token)
    cart.verified = False
    if verify:
        cart_verify(cart)
    return cart


def cart_verify(cart: Cart) -> None:
    """404 for a token cart not yet known to exist that does not (one round trip)."""
    if not cart.verified:
        if not get_store().exists(cart.id):
            raise _unknown_token()
        cart.verified = True


def cart_snapshot(*, cart: Cart) -> CartSnapshot:
    """The cart's lines, coupon and TTL in one round trip, with the catalog's version
    token (``also``: for :func:`cart.product_rows.product_rows`); 404 for an unverified
    token cart that does not exist (unknown or expired)."""
    key = catalog_cache.version_key()
    snapshot = get_store().snapshot(cart.id, also=key)
    if key is not None and snapshot.also is None:
        catalog_cache.start_version()  # none yet: rows are kept from the next read
    cart_require(cart, snapshot)
    return snapshot


def cart_lines_counted(*, cart: Cart, window: Window | None = None) -> CartSnapshot:
    """The cart's lines and coupon in one round trip, which also runs ``window`` (a
    throttle's step, deferred by the view: ``store_checks_windows``): 429 when it is
    full, then 404 for an unverified token cart that does not exist."""
    try:
        snapshot = get_store().snapshot(cart.id, window=window)
    except WindowFull as exc:
        window.settle(exc.reply)
        raise Throttled(wait=window.wait()) from None
    cart_require(cart, snapshot)
    return snapshot


def cart_require(cart: Cart, snapshot: CartSnapshot) -> None:
    """404 for a token cart not yet known to exist whose snapshot found nothing (unknown
    or expired): the existence check read with the lines, not in a round trip of its own."""
    if not cart.verified:
        if not snapshot.exists:
            raise _unknown_token()
        cart.verified = True


def cart_for_page(request) -> Cart:
    """A page visitor's cart: the user's when signed in, else the session's (saved on write)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Cart.for_user(user)
    return Cart.for_session(request.session)


def cart_create() -> Cart:
    """A new, empty anonymous cart with an unguessable token (192 bits)."""
    cart = Cart.for_token(new_token())
    get_store().touch(cart.id)
    return cart


# --- writes -----------------------------------------------------------------------------------


def _check_quantity(quantity, *, minimum: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ShopError("Quantity must be a whole number.", code="invalid_quantity")
    maximum = settings.CART_MAX_LINE_QUANTITY
    if quantity < minimum or quantity > maximum:
        raise ShopError(
            f"Quantity must be between {minimum} and {maximum}.",
            code="invalid_quantity",
        )
    return quantity


MAX_ID = 2**63 - 1


def _check_product_id(product_id) -> int:
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise NotFound("No such product.", code="product_not_found")
    if not 1 <= product_id <= MAX_ID:
        raise NotFound("No such product.", code="product_not_found")
    return product_id


def _no_such_product(product_id: int) -> NotFound:
    return NotFound(f"Product {product_id} does not exist.", code="product_not_found")


def _active_product(product_id) -> ProductRow:
    """The product to add or set, read now from the database (the pages' add and every
    set); 404 when there is none or it is archived."""
    _check_product_id(product_id)
    return _active_in(product_rows([product_id]), product_id)


def _active_in(products: dict[int, ProductRow], product_id: int) -> ProductRow:
    """The rule every add and set applies: only an active product goes in a cart."""
    product = products.get(product_id)
    if product is None or not product.is_active:
        raise _no_such_product(product_id)
    return product


def _too_many_lines() -> LimitExceeded:
    limit = settings.CART_MAX_LINES
    return LimitExceeded(
        f"A cart holds at most {limit} different products.",
        code="limit_exceeded",
        limit=limit,
    )


def _not_enough(product: ProductRow) -> InsufficientStock:
    if product.stock <= 0:
        detail = f"{product.name} is out of stock."
    else:
        detail = f"Only {product.stock} of {product.name} left."
    return InsufficientStock(detail, available=product.stock, product_id=product.id)


def cart_add_item(*, cart: Cart, product_id: int, quantity: int = 1) -> int:
    """Add units of a product (to what is there); returns the line's new quantity.

    The stock and line-count checks run inside the store's atomic step, so two
    concurrent adds can never take a line above the stock seen or the cart above its limit.
    """
    quantity = _check_quantity(quantity, minimum=1)
    return _add_to_store(cart, _active_product(product_id), quantity)


def cart_add_item_read(
    *, cart: Cart, product_id: int, quantity: int = 1, window: Window | None = None
) -> CartSummary:
    """The API's add: what :func:`cart_add_item` does, then the cart as :func:`cart_read`
    gives it, usually in one round trip to the store and no query. Its own code path,
    not a call of :func:`cart_add_item`: the rules both keep live once, in the helpers
    both call (``_check_quantity``, ``_active_in``, ``_add_limits``, ``_limit_error``),
    so a new rule of adding goes there, never into one of the two.

    The store's ``add_and_read`` checks ``window`` (the cart-write throttle's step,
    deferred by the view), the token cart's existence and the catalog's version, adds,
    and returns the cart after the add, all in one atomic step. The product's row comes
    from the rows this process keeps under its last catalog version (``kept_version``);
    the step writes only if that version is still current, else the row is read again
    under the current one (at most twice; the last time fresh from the database, with
    nothing expected). "No such product" is never answered from a version not yet seen
    current: the row is then read from the database. A refusal before the step (bad
    input, no such product, the database down) still counts, and answers in a write's
    order: 429 when the window is full, then 404 for an unknown token
    (:func:`cart_request_refused`).
    """
    store = get_store()
    version_key = catalog_cache.version_key()
    settled = False  # a reply of the step: window counted, token cart seen
    try:
        quantity = _check_quantity(quantity, minimum=1)
        _check_product_id(product_id)
        version = kept_version() if version_key is not None else None
        confirmed = version is None  # a kept version may be out of date
        for attempt in range(3):
            try:
                product = _active_in(
                    product_rows([product_id], version=version), product_id
                )
            except NotFound:
                if confirmed:
                    raise
                # Refuse on rows of a version known to be current only: ask the database.
                version = None
                confirmed = True
                continue
            cart.persist()
            try:
                added = store.add_and_read(
                    cart.id,
                    product.id,
                    quantity,
                    product.price,
                    **_add_limits(product),
                    must_exist=cart.is_api_token,  # never brought back
                    version_key=version_key,
                    expected_version=version,
                    window=None if settled else window,
                )
            except CatalogChanged as exc:
                settled = True
                # The current version once; then the database, expecting nothing.
                version = exc.version if attempt == 0 else None
                confirmed = True
                continue
            break
    except WindowFull as exc:
        window.settle(exc.reply)
        raise Throttled(wait=window.wait()) from None
    except CartMissing:
        raise _unknown_token() from None
    except StoreLimitError as exc:
        raise _limit_error(exc, product, quantity) from None
    except RedisError:
        raise  # the step itself failed (an outage is a 503): whether it counted is unknown
    except Exception:
        if not settled:  # refused before any step replied (bad input, database down)
            cart_request_refused(cart=cart, window=window)
        raise
    cart.verified = True
    snapshot = added.snapshot
    if version_key is not None and snapshot.also is None:
        catalog_cache.start_version()  # none yet: rows are kept from the next read
    products = product_rows(
        [line.product_id for line in snapshot.lines], version=snapshot.also
    )
    return cart_read(cart=cart, snapshot=snapshot, products=products)


def store_checks_windows() -> bool:
    """Whether the cart store can run a throttle's window inside its add's step (the
    Redis store; the in-process one has no Redis, and throttles there are DRF's own)."""
    return get_store().checks_windows


def cart_request_refused(*, cart: Cart | None, window: Window | None) -> None:
    """What an API add (or checkout) refused before its store step still owes, in the
    step's order: the request counts in the throttle's ``window`` (429 when full), then
    an unverified token cart must exist (404). Returns when neither applies."""
    if window is not None and not window.check():
        raise Throttled(wait=window.wait())
    if cart is not None and not cart.verified:
        cart_snapshot(cart=cart)


def _add_to_store(cart: Cart, product: ProductRow, quantity: int) -> int:
    cart.persist()
    try:
        return get_store().add(
            cart.id, product.id, quantity, product.price, **_add_limits(product)
        )
    except StoreLimitError as exc:
        raise _limit_error(exc, product, quantity) from None


def _add_limits(product: ProductRow) -> dict:
    """The limits every add passes to the store: a line holds at most the stock left and
    CART_MAX_LINE_QUANTITY; a cart at most CART_MAX_LINES products."""
    return {
        "max_quantity": min(product.stock, settings.CART_MAX_LINE_QUANTITY),
        "max_lines": settings.CART_MAX_LINES,
    }


def _limit_error(exc: StoreLimitError, product: ProductRow, quantity: int) -> ShopError:
    """The API's answer to a store refusal: too many lines, the per-line maximum, or
    not enough stock."""
    if isinstance(exc, LineCountLimit):
        return _too_many_lines()
    max_quantity = settings.CART_MAX_LINE_QUANTITY
    if exc.current + quantity > max_quantity and product.stock >= max_quantity:
        return LimitExceeded(
            f"At most {max_quantity} of one product per cart "
            f"(the cart holds {exc.current}).",
            code="limit_exceeded",
            limit=max_quantity,
        )
    return _not_enough(product)


def cart_set_item(*, cart: Cart, product_id: int, quantity: int) -> int:
    """Set a line's quantity (0 removes it); returns the quantity now in the cart."""
    quantity = _check_quantity(quantity, minimum=0)
    if quantity == 0:
        cart_remove_item(cart=cart, product_id=product_id)
        return 0
    product = _active_product(product_id)
    if quantity > product.stock:
        raise _not_enough(product)
    cart.persist()
    try:
        return get_store().set(
            cart.id,
            product.id,
            quantity,
            product.price,
            max_lines=settings.CART_MAX_LINES,
            # One destroyed since it was checked (a checkout, a clear) stays gone.
            must_exist=cart.is_api_token,
        )
    except LineCountLimit:
        raise _too_many_lines() from None
    except CartMissing:
        raise _unknown_token() from None


def cart_remove_item(*, cart: Cart, product_id: int) -> None:
    """Take a product out of the cart; 404 if it was not in it."""
    if isinstance(product_id, bool) or not isinstance(product_id, int) or cart.pending:
        raise NotFound("This product is not in your cart.", code="not_in_cart")
    if not get_store().remove(cart.id, product_id):
        raise NotFound("This product is not in your cart.", code="not_in_cart")


def cart_apply_coupon(*, cart: Cart, code: str) -> str:
    """Put a coupon on the cart after validating it against the cart as read now."""
    from coupons.services import NOT_APPLICABLE, coupon_find, coupon_validate

    coupon = coupon_find(code=code)
    summary = cart_read(cart=cart)
    coupon_validate(coupon=coupon, lines=_pricing_lines_of(summary), user=cart.user)
    cart.persist()
    # Only onto the cart just read: one destroyed meanwhile (a checkout, a clear) is not
    # brought back holding nothing but a coupon.
    if not get_store().set_coupon(cart.id, coupon.code, must_exist=True):
        if cart.is_api_token:
            raise _unknown_token()  # gone, as for any write
        raise CouponInvalid(
            f"Add items to your cart to use the coupon {coupon.code}.",
            code=NOT_APPLICABLE,
        )
    return coupon.code


def cart_remove_coupon(*, cart: Cart) -> None:
    """Take the coupon off the cart; a cart without one only has its lifetime renewed
    (any write does), and a cart that does not exist stays so."""
    if cart.pending:
        return
    # One atomic step: a read first could see a coupon on a cart that checkout then
    # destroys, and the write would bring the cart back.
    get_store().set_coupon(cart.id, None)


def cart_clear(*, cart: Cart) -> None:
    """Empty the cart and forget it."""
    if not cart.pending:
        get_store().destroy(cart.id)


def cart_take_ordered(
    *, cart: Cart, lines, coupon: str | None, catalog_changed: bool = False
) -> None:
    """Take out of the cart what an order took (``lines``: its lines as the order read
    them; ``coupon``: the code it used), in one atomic step: a new line, or a quantity
    added on top of what the order read, stays in the cart. A line that another request
    lowered, or removed and added again, while the order was being placed is taken out
    as far as the order's quantity reaches (the store keeps no history of a line). A cart
    left without lines is forgotten, as :func:`cart_clear` forgets it.

    ``catalog_changed``: the order's commit changed stock, so the catalog's version token
    is replaced too (as :func:`catalog.cache.catalog_changed` does after a commit), in
    the take's own round trip when the token is on Redis: a checkout's one round trip
    after its commit."""
    key = catalog_cache.version_key() if catalog_changed else None
    if catalog_changed and (key is None or cart.pending):
        catalog_cache.catalog_changed()  # after the commit already: at once
        key = None
    if not cart.pending:
        get_store().take(
            cart.id,
            [(line.product_id, line.quantity) for line in lines],
            coupon,
            also_set=None if key is None else (key, catalog_cache.new_token()),
        )


def cart_merge(*, source: Cart, target: Cart) -> MergeResult:
    """Move the source cart's lines into the target in one atomic step; source destroyed.

    Quantities add; each line is clamped to the stock left and CART_MAX_LINE_QUANTITY;
    products gone from the catalog are dropped; the source's coupon is kept only when
    the target has none. The one merge behind login, Facebook login and the merge API.
    """
    if source.id == target.id or source.pending:
        return MergeResult(merged=False)
    store = get_store()
    # Caps from the stock now; the merge itself re-reads both carts inside its script.
    source_lines = store.lines(source.id)
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=[line.product_id for line in source_lines]
        ).only("id", "name", "stock", "is_active")
    }
    caps = {
        line.product_id: (
            products[line.product_id].stock
            if line.product_id in products and products[line.product_id].is_active
            else 0
        )
        for line in source_lines
    }
    target.persist()
    outcome = store.merge(
        source.id,
        target.id,
        caps=caps,
        max_quantity=settings.CART_MAX_LINE_QUANTITY,
        max_lines=settings.CART_MAX_LINES,
    )
    if outcome is None:
        return MergeResult(merged=False)
    return _merge_result(outcome, products)


def _merge_result(outcome: MergeOutcome, products: dict[int, Product]) -> MergeResult:
    warnings = []
    for line in outcome.lines:
        if line.quantity >= line.requested:
            continue
        product = products.get(line.product_id)
        name = product.name if product else f"Product {line.product_id}"
        if product is None or not product.is_active:
            warnings.append(
                CartWarning(
                    "product_unavailable",
                    f"{name} is no longer available.",
                    line.product_id,
                )
            )
        elif line.quantity == 0:
            warnings.append(
                CartWarning(
                    "product_unavailable" if product.stock else "out_of_stock",
                    f"{name} could not be added to your cart.",
                    line.product_id,
                )
            )
        else:
            warnings.append(
                CartWarning(
                    "quantity_reduced",
                    f"{name}: you wanted {line.requested}, your cart now holds {line.quantity}.",
                    line.product_id,
                )
            )
    moved = [line for line in outcome.lines if line.quantity > 0]
    return MergeResult(
        merged=True,
        moved_lines=len(moved),
        moved_units=sum(line.quantity for line in moved),
        coupon_moved=outcome.coupon_moved,
        warnings=tuple(warnings),
    )


def cart_login_merge(*, request, user) -> MergeResult:
    """On sign-in: merge the session's anonymous cart into the user's and tell the shopper."""
    from django.contrib import messages

    session = getattr(request, "session", None)
    token = session.get(SESSION_KEY) if session is not None else None
    if not is_valid_token(token):
        return MergeResult(merged=False)
    result = cart_merge(source=Cart.for_token(token), target=Cart.for_user(user))
    session.pop(SESSION_KEY, None)
    request.cart = Cart.for_user(user)  # the rest of this request sees the user's cart
    if result.merged and getattr(request, "_messages", None) is not None:
        if result.moved_lines:
            units = result.moved_units
            messages.info(
                request,
                f"We moved {units} item{'s' if units != 1 else ''} from your basket "
                "into your cart.",
            )
        for warning in result.warnings:
            messages.warning(request, warning.message)
    return result


# --- reading, reconciled with the catalog -----------------------------------------------------


def cart_read(
    *,
    cart: Cart,
    snapshot: CartSnapshot | None = None,
    products: dict[int, ProductRow] | None = None,
) -> CartSummary:
    """The cart at current prices, reconciled with stock; each change is reported once.

    Products gone or archived leave the cart (``product_unavailable``), quantities above the
    stock left are lowered (``quantity_reduced``), lines with no stock stay as
    ``out_of_stock`` and are not totalled, a new price is reported (``price_changed``) and
    remembered, and a coupon that no longer applies is dropped (``coupon_removed``).
    The write-back is compare-and-set, so it never undoes a concurrent write.
    ``snapshot`` and ``products`` are what the caller has already read of the cart and
    its products (one store round trip and one query when left out).
    """
    currency = settings.SHOP_CURRENCY
    tax_rate = settings.SHOP_TAX_RATE
    if cart.pending:
        return CartSummary(
            (),
            price_lines([], tax_rate=tax_rate),
            None,
            (),
            settings.CART_TTL,
            currency,
        )
    if snapshot is None:
        snapshot = cart_snapshot(cart=cart)
    if products is None:
        products = product_rows(
            [line.product_id for line in snapshot.lines], version=snapshot.also
        )
    warnings: list[CartWarning] = []
    changes: list[LineChange] = []
    kept: list[
        tuple[ProductRow, int, str, bool]
    ] = []  # product, quantity, status, price_changed
    for line in snapshot.lines:
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            name = product.name if product else "A product"
            warnings.append(
                CartWarning(
                    "product_unavailable",
                    f"{name} is no longer available and was removed from your cart.",
                    line.product_id,
                )
            )
            changes.append(LineChange(line.product_id, line, None))
            continue
        quantity, status, noted = line.quantity, OK, False
        if product.stock <= 0:
            status, noted = OUT_OF_STOCK, True
            if not line.out_of_stock_noted:
                warnings.append(
                    CartWarning(
                        "out_of_stock", f"{product.name} is out of stock.", product.id
                    )
                )
        elif quantity > product.stock:
            quantity, status = product.stock, REDUCED
            warnings.append(
                CartWarning(
                    "quantity_reduced",
                    f"Only {product.stock} of {product.name} left: your cart now holds "
                    f"{product.stock}.",
                    product.id,
                )
            )
        price_changed = line.unit_price != product.price
        if price_changed:
            warnings.append(
                CartWarning(
                    "price_changed",
                    f"The price of {product.name} changed from {line.unit_price} to "
                    f"{product.price}.",
                    product.id,
                )
            )
        new = CartLine(product.id, quantity, product.price, noted)
        if new != line:
            changes.append(LineChange(line.product_id, line, new))
        kept.append((product, quantity, status, price_changed))

    priced_input = [
        PricingLine(product.id, product.price, quantity)
        for product, quantity, status, _ in kept
        if status != OUT_OF_STOCK
    ]
    coupon, rule, coupon_change = None, None, None
    if snapshot.coupon:
        # Category lineage only matters for a coupon's scope: one query, only then.
        priced_input = _with_lineage(priced_input, products)
        coupon, rule, warning = _coupon_for(snapshot.coupon, priced_input, cart)
        if warning is not None:
            warnings.append(warning)
            coupon_change = (snapshot.coupon, None)

    if changes or coupon_change:
        get_store().apply_changes(cart.id, changes, coupon=coupon_change)

    totals = price_lines(priced_input, rule=rule, tax_rate=tax_rate)
    line_totals = {line.product_id: line.line_total for line in totals.lines}
    lines = tuple(
        SummaryLine(
            product_id=product.id,
            slug=product.slug,
            name=product.name,
            unit_price=product.price,
            quantity=quantity,
            line_total=line_totals.get(product.id, ZERO),
            available=max(product.stock, 0),
            status=status,
            price_changed=price_changed,
        )
        for product, quantity, status, price_changed in kept
    )
    expires_in = settings.CART_TTL if changes or coupon_change else (snapshot.ttl or 0)
    if not snapshot.exists:
        expires_in = settings.CART_TTL
    return CartSummary(lines, totals, coupon, tuple(warnings), expires_in, currency)


def _with_lineage(
    lines: list[PricingLine], products: dict[int, ProductRow]
) -> list[PricingLine]:
    from catalog.selectors import category_lineage_map

    lineage = category_lineage_map()
    return [
        PricingLine(
            line.product_id,
            line.unit_price,
            line.quantity,
            lineage.get(products[line.product_id].category_id, frozenset()),
        )
        for line in lines
    ]


def _coupon_for(code: str, lines: list[PricingLine], cart: Cart):
    """(CouponInfo, rule, None) when the cart's coupon still applies, else a warning."""
    from coupons.services import coupon_find, coupon_rule, coupon_validate

    try:
        coupon = coupon_find(code=code)
        coupon_validate(coupon=coupon, lines=lines, user=cart.user)
    except CouponInvalid as exc:
        return (
            None,
            None,
            CartWarning(
                "coupon_removed", f"The coupon {code} was removed: {exc.detail}"
            ),
        )
    return CouponInfo(coupon.code, coupon.name), coupon_rule(coupon), None


def _pricing_lines_of(summary: CartSummary) -> list[PricingLine]:
    from catalog.selectors import category_lineage_map

    categories = dict(
        Product.objects.filter(
            pk__in=[line.product_id for line in summary.lines]
        ).values_list("id", "category_id")
    )
    lineage = category_lineage_map()
    return [
        PricingLine(
            line.product_id,
            line.unit_price,
            line.quantity,
            lineage.get(categories.get(line.product_id), frozenset()),
        )
        for line in summary.lines
        if line.status != OUT_OF_STOCK
    ]


def cart_summary_dict(summary: CartSummary) -> dict:
    """The cart in API.md's JSON shape (money as strings)."""
    totals = summary.totals
    return {
        "items": [
            {
                "product_id": line.product_id,
                "slug": line.slug,
                "name": line.name,
                "unit_price": str(quantize(line.unit_price)),
                "quantity": line.quantity,
                "line_total": str(line.line_total),
                "available": line.available,
                "status": line.status,
                "price_changed": line.price_changed,
            }
            for line in summary.lines
        ],
        "count": summary.count,
        "quantity": summary.quantity,
        "subtotal": str(totals.subtotal),
        "discount": str(totals.discount),
        "tax": str(totals.tax),
        "total": str(totals.total),
        "currency": summary.currency,
        "coupon": (
            {"code": summary.coupon.code, "name": summary.coupon.name}
            if summary.coupon
            else None
        ),
        "warnings": [warning.as_dict() for warning in summary.warnings],
        "expires_in": summary.expires_in,
    }


def cart_badge_count(*, cart: Cart) -> int:
    """Units in the cart for the header badge: one store command, none for a pending cart."""
    if cart.pending:
        return 0
    return get_store().quantity(cart.id)
