"""Writes to orders: checkout, payment, cancellation, fulfilment, expiry.

Every status change locks the order row (SELECT ... FOR UPDATE) and re-reads its status
under the lock, so two concurrent requests can never both make the same change (e.g.
restock a cancelled order twice).
"""

import functools
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from smtplib import (
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import (
    Error,
    IntegrityError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import Prefetch, Q
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils import timezone

from cart.pricing import CartTotals, PricingLine, price_lines
from cart.services import cart_lines_counted, cart_take_ordered
from catalog.models import Product, StockMovement
from catalog.selectors import category_lineage_map
from catalog.services import StockChange, stock_apply
from coupons import services as coupon_services
from coupons.models import Coupon
from orders.models import IdempotencyKey, Order, OrderItem
from orders.order_write import write_order
from orders.payments import get_gateway
from orders.selectors import order_for_idempotency_key
from shop.background import run_beside
from shop.exceptions import (
    CheckoutConflict,
    CouponInvalid,
    EmptyCart,
    InsufficientStock,
    InvalidTransition,
)
from shop.statements import execute_prepared, insert_with_children, lock_by_pk
from shop.throttling import ThrottleStep

logger = logging.getLogger(__name__)

#: The query parameter of an order page's address that carries a guest's order token.
ORDER_LINK_TOKEN = "token"

# Namespace of the per-cart-owner advisory lock taken by checkout (any constant int4).
CHECKOUT_LOCK_NAMESPACE = 5_001
# The types of an owner lock's arguments: (namespace, owner).
LOCK_ARGS = ("integer", "text")


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    created: bool  # False when an earlier request with the same Idempotency-Key made it
    # The new order's items as written (in id order); empty for a replayed order.
    items: tuple[OrderItem, ...] = ()


@dataclass(frozen=True)
class CheckoutProblem:
    """One reason the cart cannot be ordered; ``product_id`` is None for the coupon."""

    product_id: int | None
    code: str
    requested: int | None
    available: int | None
    detail: str

    def as_dict(self) -> dict:
        return {
            "product_id": self.product_id,
            "code": self.code,
            "requested": self.requested,
            "available": self.available,
            "detail": self.detail,
        }


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def _lock_owner(owner: str) -> None:
    """Serialize the checkouts of one cart owner (PostgreSQL; SQLite locks the whole DB)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [CHECKOUT_LOCK_NAMESPACE, owner],
            )


@contextmanager
def _checkout_session_lock(owner: str):
    """Hold one cart owner's checkout lock until the cart is emptied, not just until COMMIT.

    The transaction-level lock in ``_place`` is released at COMMIT, a moment before the
    on_commit callback empties the cart: a twin request (a double submit without an
    Idempotency-Key) waiting on that lock could still read the full cart and order it
    again. A session-level lock, released after the callbacks ran, closes that window.
    Inside an outer transaction the callbacks wait for its commit anyway, so there only
    the transaction-level lock applies.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    args = [CHECKOUT_LOCK_NAMESPACE, owner]
    with connection.cursor() as cursor:
        execute_prepared(
            cursor, "SELECT pg_advisory_lock(%s, hashtext(%s))", LOCK_ARGS, args
        )
    try:
        yield True  # held: the transaction-level lock would add nothing
    finally:
        with connection.cursor() as cursor:
            execute_prepared(
                cursor, "SELECT pg_advisory_unlock(%s, hashtext(%s))", LOCK_ARGS, args
            )


def order_place(
    *,
    cart,
    user=None,
    email: str,
    shipping_name: str,
    shipping_address: str,
    idempotency_key: str | None = None,
    window=None,
) -> PlacedOrder:
    """Turn the cart into a pending order, all or nothing; a repeated key returns the first.

    ``window``: the checkout throttle's step, deferred by the view and run in the
    checkout's read of the cart (one round trip for both), or on its own when the
    checkout ends before that read: 429 when it is full."""
    owner = cart.owner
    step = ThrottleStep(window)
    try:
        return _place_locked(
            cart=cart,
            user=_user_or_none(user),
            email=email,
            shipping_name=shipping_name,
            shipping_address=shipping_address,
            idempotency_key=idempotency_key,
            step=step,
        )
    except IntegrityError:
        # Lost a race on the (owner, key) unique constraint: the winner's order is the answer.
        existing = idempotency_key and order_for_idempotency_key(
            owner=owner, key=idempotency_key
        )
        if not existing:
            step.count()
            raise
        return PlacedOrder(order=existing, created=False)
    except Exception:
        step.count()  # ended before its read of the cart (the database down): counted
        raise


def _place_locked(*, cart, step, **order) -> PlacedOrder:
    with _checkout_session_lock(cart.owner) as owner_locked:
        # Held outside any transaction block (PostgreSQL): the write can be a
        # transaction of its own.
        placed = owner_locked and _place_in_one_statement(cart=cart, step=step, **order)
        return placed or _place(
            cart=cart, owner_locked=owner_locked, step=step, **order
        )


@transaction.atomic
def _place(
    *,
    cart,
    user,
    email,
    shipping_name,
    shipping_address,
    idempotency_key,
    owner_locked=False,
    step: ThrottleStep,
) -> PlacedOrder:
    owner = cart.owner
    if not owner_locked:
        _lock_owner(owner)
    replayed = _replayed(owner, idempotency_key, step)
    if replayed is not None:
        return replayed
    # Lines and coupon in one atomic read of the store.
    snapshot = cart_lines_counted(cart=cart, window=step.take())
    lines = _lines_to_order(snapshot)
    coupon_code = snapshot.coupon

    # Locked in primary-key order (as stock_apply does), so concurrent checkouts never deadlock.
    ids = [line.product_id for line in lines]
    products = lock_by_pk(Product, ids)
    problems = _line_problems(lines, products)
    # Category lineage only matters for a coupon's scope: that query only then.
    lineage = category_lineage_map() if coupon_code else {}
    pricing_lines = [
        PricingLine(
            product_id=line.product_id,
            unit_price=products[line.product_id].price,
            quantity=line.quantity,
            category_ids=lineage.get(
                products[line.product_id].category_id, frozenset()
            ),
        )
        for line in lines
        if line.product_id in products
    ]
    coupon, coupon_problem = _locked_coupon(
        code=coupon_code, lines=pricing_lines, user=user, email=email
    )
    if coupon_problem:
        problems.append(coupon_problem)
    if problems:
        raise CheckoutConflict(
            "Some items in the cart cannot be ordered; nothing was charged or reserved.",
            problems=[p.as_dict() for p in problems],
        )

    rule = coupon_services.coupon_rule(coupon) if coupon else None
    totals: CartTotals = price_lines(
        pricing_lines, rule=rule, tax_rate=settings.SHOP_TAX_RATE
    )
    order, items = _new_order(
        user=user,
        email=email,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
        totals=totals,
        coupon_code=coupon.code if coupon else "",
        names={pk: product.name for pk, product in products.items()},
    )
    # One statement for the order and its items (no model signals: none listen).
    insert_with_children(order, items, "order")
    try:
        stock_apply(
            changes=[StockChange(line.product_id, -line.quantity) for line in lines],
            reason=StockMovement.Reason.CHECKOUT,
            order=order,
            user=user,
            note=f"Order {order.number}",
            locked=products,  # locked above, in pk order: not locked and read again
            savepoint=False,  # a failure rolls the whole checkout back
            announce=False,  # the catalog's token is replaced with the cart's take
        )
    except (
        InsufficientStock
    ) as exc:  # cannot happen under our locks; kept as a safety net
        raise CheckoutConflict(
            problems=[
                CheckoutProblem(
                    exc.extra.get("product_id"),
                    "insufficient_stock",
                    None,
                    exc.extra.get("available"),
                    exc.detail,
                ).as_dict()
            ]
        ) from exc
    if coupon:
        coupon_services.coupon_redeem(
            coupon=coupon, order=order, user=user, email=email
        )
    if idempotency_key:
        IdempotencyKey.objects.create(owner=owner, key=idempotency_key, order=order)

    _when_committed(cart, lines, order, coupon=coupon_code if coupon else None)
    return PlacedOrder(order=order, created=True, items=tuple(items))


def _place_in_one_statement(
    *, cart, user, email, shipping_name, shipping_address, idempotency_key, step
) -> PlacedOrder | None:
    """Place the order with one write (``orders.order_write``: its own transaction),
    priced at the prices the cart's lines hold, under the owner's session lock. ``None``
    when this cart takes the long way (:func:`_place`): it has a coupon (whose limits
    are counted under its row lock), or some line could not be taken as priced (out
    of stock, off sale, repriced) or its key is a twin's, which the long way re-reads
    under row locks: prices anew, lists as problems, or answers with the twin's order."""
    replayed = _replayed(cart.owner, idempotency_key, step)
    if replayed is not None:
        return replayed
    snapshot = cart_lines_counted(cart=cart, window=step.take())
    lines = _lines_to_order(snapshot)
    if snapshot.coupon:
        return None
    totals = price_lines(
        [
            PricingLine(
                product_id=line.product_id,
                unit_price=line.unit_price,
                quantity=line.quantity,
                category_ids=frozenset(),
            )
            for line in lines
        ],
        rule=None,
        tax_rate=settings.SHOP_TAX_RATE,
    )
    order, items = _new_order(
        user=user,
        email=email,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
        totals=totals,
        coupon_code="",
        names={},  # the statement names each item after its product as it is now
    )
    movement = {
        "reason": StockMovement.Reason.CHECKOUT,
        "note": f"Order {order.number}",
        "user_id": user.pk if user is not None else None,
    }
    keyed = (cart.owner, idempotency_key) if idempotency_key else None
    if not write_order(
        order, items, movement=movement, now=timezone.now(), idempotency=keyed
    ):
        return None
    _when_committed(cart, lines, order, coupon=None)  # committed: run at once
    return PlacedOrder(order=order, created=True, items=tuple(items))


def _replayed(owner: str, idempotency_key, step: ThrottleStep) -> PlacedOrder | None:
    """The order a checkout with this key already made for this owner (checked under
    the owner's lock: a concurrent twin may have just committed), if any: answered from
    the database alone, before the cart is read (a repeat gets its order while Redis is
    down), and counted by the throttle on its own."""
    if not idempotency_key:
        return None
    existing = order_for_idempotency_key(owner=owner, key=idempotency_key)
    if existing is None:
        return None
    step.count()
    return PlacedOrder(order=existing, created=False)


def _lines_to_order(snapshot) -> list:
    lines = [line for line in snapshot.lines if line.quantity > 0]
    if not lines:
        raise EmptyCart("The cart is empty: add products before checking out.")
    return lines


def _new_order(
    *, user, email, shipping_name, shipping_address, totals, coupon_code, names
) -> tuple[Order, list[OrderItem]]:
    """A pending order and its items (not saved) for ``totals``' lines; ``names``: the
    products' names by pk (an item of a product not in it is named by its writer)."""
    order = Order(
        user=user,
        email=email,
        status=Order.Status.PENDING,
        currency=settings.SHOP_CURRENCY,
        subtotal=totals.subtotal,
        discount=totals.discount,
        coupon_code=coupon_code,
        tax=totals.tax,
        total=totals.total,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
        # Its confirmation is owed from now (sent by this checkout's background thread,
        # or with SHOP_MAIL_WORKER by send_confirmations --watch).
        confirmation_due_at=timezone.now(),
    )
    items = [
        OrderItem(
            product_id=priced.product_id,
            product_name=names.get(priced.product_id, ""),
            unit_price=priced.unit_price,
            quantity=priced.quantity,
            line_total=priced.line_total,
        )
        for priced in totals.lines
    ]
    return order, items


def _when_committed(cart, lines, order: Order, *, coupon: str | None) -> None:
    """What follows a placed order's commit (at once when it has committed already):
    only what was ordered leaves the cart (a line added while the checkout ran stays),
    and, without SHOP_MAIL_WORKER, its confirmation is sent beside the request."""
    transaction.on_commit(
        lambda: cart_take_ordered(
            cart=cart, lines=lines, coupon=coupon, catalog_changed=True
        ),
        robust=True,
    )
    if not settings.SHOP_MAIL_WORKER:  # else send_confirmations --watch sends it
        # Sent beside the request: the answer does not wait for the mail server. The
        # link is made here, in the request (its URL prefix is the request thread's).
        transaction.on_commit(
            lambda: run_beside(
                _send_owed_confirmations,
                pks=[order.pk],
                links={order.pk: order_link(order)},
            ),
            robust=True,
        )


def _line_problems(lines, products: dict[int, Product]) -> list[CheckoutProblem]:
    problems = []
    for line in lines:
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            problems.append(
                CheckoutProblem(
                    line.product_id,
                    "product_unavailable",
                    line.quantity,
                    0,
                    "This product is no longer sold.",
                )
            )
        elif product.stock <= 0:
            problems.append(
                CheckoutProblem(
                    line.product_id,
                    "out_of_stock",
                    line.quantity,
                    0,
                    f"{product.name} is out of stock.",
                )
            )
        elif product.stock < line.quantity:
            problems.append(
                CheckoutProblem(
                    line.product_id,
                    "insufficient_stock",
                    line.quantity,
                    product.stock,
                    f"Only {product.stock} of {product.name} left.",
                )
            )
    return problems


def _locked_coupon(
    *, code, lines, user, email
) -> tuple[Coupon | None, CheckoutProblem | None]:
    """The cart's coupon, row-locked and validated (limits counted under the lock)."""
    if not code:
        return None, None
    try:
        found = coupon_services.coupon_find(code=code)
        # The lock makes the redemption count below exact: a concurrent checkout using the
        # same coupon waits here until this one commits or rolls back.
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


#: What the confirmation's templates show of an order and of its items.
_MAILED_ORDER_FIELDS = (
    "number", "shipping_name", "shipping_address", "currency", "subtotal",
    "discount", "coupon_code", "tax", "total",
)  # fmt: skip
_MAILED_ITEM_FIELDS = ("product_name", "quantity", "unit_price", "line_total")


def _confirmation_message(order: Order, items, link: str) -> EmailMultiAlternatives:
    """The order's confirmation (plain text and HTML) to its email address."""
    context = {
        # Plain dicts of what the templates show: the template engine finds a dict's
        # key at its first try, where on a model it tries a key (an exception) before
        # the attribute, for every value it shows (a sixth of rendering both).
        "order": {name: getattr(order, name) for name in _MAILED_ORDER_FIELDS},
        "items": [
            {name: getattr(item, name) for name in _MAILED_ITEM_FIELDS}
            for item in items
        ],
        "shop_name": settings.SHOP_NAME,
        "order_url": link,
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.SHOP_NAME}: order {order.number} received",
        body=render_to_string("orders/email/confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string("orders/email/confirmation.html", context), "text/html"
    )
    return message


#: How long send_confirmations leaves an owed mail to the thread of its checkout (when
#: the checkout sends its own: SHOP_MAIL_WORKER off).
CONFIRMATION_SETTLE = timedelta(minutes=5)
#: How long a mail whose send failed waits before it is tried again.
CONFIRMATION_RETRY = timedelta(minutes=5)
#: Orders whose mail one pass locks, reads and sends together.
CONFIRMATION_BATCH = 100

# Advisory lock namespaces (two-int form): one send of an order's mail at a time; one
# send_confirmations run at a time.
CONFIRMATION_LOCK = 5_003
CONFIRMATIONS_RUN_LOCK = 5_002


class Delivery(NamedTuple):
    sent: int
    failed: int
    server_down: bool = False  # the mail server could not be reached: stop trying


#: Sent mails are recorded in groups of this many: a sender killed mid-batch sends at
#: most this many again (delivery is at least once).
CONFIRMATION_RECORD_EVERY = 10


def _owing_mail(*, due_by):
    """The orders whose confirmation is owed by ``due_by``: not sent, neither given up
    nor put off past it, and not cancelled (the mail would ask to pay)."""
    return Order.objects.filter(
        confirmation_sent_at=None, confirmation_due_at__lte=due_by
    ).exclude(status=Order.Status.CANCELLED)


def _send_owed_confirmations(pks, *, links=None, now=None, stop=None) -> Delivery:
    """Send the confirmations of the orders ``pks`` that are still owed: not sent, due,
    not cancelled, and no other sender (a checkout's thread, another run) sending them
    now, which an advisory lock per order, held through the send, excludes however long
    the mail server takes. One pass locks them in one statement, re-reads them with
    their items under the locks and sends over one connection to the mail server, so a
    worker with a backlog spends a handful of statements per batch, not per mail.

    ``links``: order_link's address by pk, when the caller made it (a request: its URL
    prefix), else made here. A failed mail is owed again after CONFIRMATION_RETRY; an
    address the server refuses for good (5xx) owes no mail any more. Each failure is
    logged; only the database's errors are raised. ``now``: the time to act at (tests;
    else the clock, read as each step happens)."""
    clock = timezone.now if now is None else lambda: now
    with _advisory_locks(CONFIRMATION_LOCK, pks) as mine:
        if not mine:
            return Delivery(0, 0)
        # Read under the locks: a mail another sender recorded (sent, failed and put
        # off, given up) before we got its lock is seen as such.
        owed = list(
            _owing_mail(due_by=clock())
            .filter(pk__in=mine)
            # A list per order: no queryset made per order to hold its items.
            .prefetch_related(Prefetch("items", to_attr="mailed_items"))
            .order_by("confirmation_due_at", "pk")
        )
        return _deliver(owed, links or {}, clock, stop) if owed else Delivery(0, 0)


def _deliver(orders: list[Order], links: dict, clock, stop=None) -> Delivery:
    """Send each order's confirmation, over one connection to the mail server while it
    lasts (one dropped or timed out is replaced once; a second in a row ends the batch),
    and record what became of each. ``stop`` set: the mails not yet sent stay owed."""
    sent, failed, refused = [], [], []
    recorded = 0  # sent and recorded so far
    cancelled = set()  # cancelled since the batch was read: no mail asking to pay
    server_down = reconnected = False
    backend = get_connection()
    try:
        if not _open(backend):
            server_down, failed, orders = True, [order.pk for order in orders], []
        for index, order in enumerate(orders):
            if stop is not None and stop.is_set():
                break
            if order.pk in cancelled:
                continue
            try:
                link = links[order.pk] if order.pk in links else order_link(order)
                message = _confirmation_message(order, order.mailed_items, link)
            except Exception:
                logger.exception("The confirmation of order %s failed.", order.number)
                failed.append(order.pk)
                continue
            try:
                backend.send_messages([message])
            except Exception as exc:
                if _refused_for_good(exc):
                    refused.append(order.pk)  # no such mailbox: give up
                    logger.warning(
                        "The mail server refused the address of order %s for good (%s); "
                        "its confirmation is given up.",
                        order.number,
                        exc.recipients,
                    )
                else:  # perhaps delivered (a reply lost to a timeout): at least once
                    logger.warning(
                        "The confirmation of order %s failed (%r); it is tried again "
                        "later.",
                        order.number,
                        exc,
                        exc_info=not isinstance(exc, SMTPRecipientsRefused),
                    )
                    failed.append(order.pk)
                if _connection_lost(exc):
                    # The rest over a new connection; a server that fails again at
                    # once is down: this batch waits its retry time.
                    _close(backend)
                    if reconnected or not _open(backend):
                        server_down = True
                        failed += [later.pk for later in orders[index + 1 :]]
                        break
                    reconnected = True
            else:
                sent.append(order.pk)
                reconnected = False
                if len(sent) - recorded >= CONFIRMATION_RECORD_EVERY:
                    cancelled |= _record_sent(
                        sent[recorded:],
                        clock(),
                        then_cancelled=[later.pk for later in orders[index + 1 :]],
                    )
                    recorded = len(sent)
    finally:
        _close(backend)
    # Recorded once sent: a send that fails, or a sender that stops first, leaves the
    # mail owed.
    if len(sent) > recorded:
        _record_sent(sent[recorded:], clock())
    if failed:
        Order.objects.filter(pk__in=failed).update(
            confirmation_due_at=clock() + CONFIRMATION_RETRY
        )
    if refused:  # retrying would only fail again
        Order.objects.filter(pk__in=refused).update(confirmation_due_at=None)
    return Delivery(len(sent), len(failed), server_down)


def _refused_for_good(exc: Exception) -> bool:
    return isinstance(exc, SMTPRecipientsRefused) and all(
        code >= 500 for code, _ in exc.recipients.values()
    )


def _connection_lost(exc: Exception) -> bool:
    """Whether the connection to the mail server is gone with ``exc``: dropped, timed
    out, or closed by the server (421, which smtplib answers by closing). A refusal
    of one message (its sender, its data) leaves it usable."""
    if isinstance(exc, SMTPServerDisconnected):
        return True
    if isinstance(exc, SMTPRecipientsRefused):
        return any(code == 421 for code, _ in exc.recipients.values())
    if isinstance(exc, SMTPResponseException):
        return exc.smtp_code == 421
    # smtplib's other errors are OSErrors too; a plain one is the socket's.
    return isinstance(exc, OSError) and not isinstance(exc, SMTPException)


def _record_sent(pks, at, *, then_cancelled=()) -> set:
    """Record the mails of ``pks`` as sent at ``at``; which of the orders
    ``then_cancelled`` are cancelled by now (the batch's rest, checked as it goes). On
    PostgreSQL one prepared statement: the worker records every ten mails, and the
    ORM's two queries cost it more than rendering them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            execute_prepared(
                cursor,
                _record_sent_sql(),
                ("timestamptz", "bigint[]", "bigint[]"),
                [at, list(pks), list(then_cancelled)],
            )
            return {pk for (pk,) in cursor.fetchall()}
    Order.objects.filter(pk__in=pks, confirmation_sent_at=None).update(
        confirmation_sent_at=at
    )
    if not then_cancelled:
        return set()
    return set(
        Order.objects.filter(
            pk__in=then_cancelled, status=Order.Status.CANCELLED
        ).values_list("pk", flat=True)
    )


@functools.cache
def _record_sent_sql() -> str:
    quote, meta = connection.ops.quote_name, Order._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sent_at = quote(meta.get_field("confirmation_sent_at").column)
    status = quote(meta.get_field("status").column)
    cancelled = Order.Status.CANCELLED.value
    if not cancelled.isalnum():  # written into the statement as it is
        raise ValueError(f"Not a plain word: {cancelled!r}")
    # A data-modifying WITH runs to completion whether or not it is read. The status
    # is written in, not a parameter: the plan PostgreSQL keeps for the statement then
    # knows how common cancelled orders are, and looks the few orders up by key rather
    # than reading every cancelled order's index entry.
    return (
        f"WITH sent AS (UPDATE {table} SET {sent_at} = %s "  # noqa: S608
        f"WHERE {pk} = ANY(%s) AND {sent_at} IS NULL) "
        f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s) AND {status} = '{cancelled}'"
    )


def _open(backend) -> bool:
    """Open a connection to the mail server; False (logged) if it cannot be reached."""
    try:
        backend.open()
    except Exception:
        logger.exception("Could not reach the mail server: confirmations wait.")
        return False
    return True


def _close(backend) -> None:
    try:
        backend.close()
    except Exception:  # what was sent stays sent
        logger.exception("Closing the connection to the mail server failed.")


def orders_send_confirmations(
    *, now=None, give_up=timedelta(days=2), settle=None, stop=None
) -> tuple[int, int] | None:
    """Send the confirmations owed ``settle`` after their checkout (by default none
    with SHOP_MAIL_WORKER, where nothing else sends them, else CONFIRMATION_SETTLE: what
    a failed send or a stopped worker left), of orders placed less than ``give_up`` ago
    and not cancelled (the mail would ask to pay), oldest first, in batches, until none
    is left, the mail server cannot be reached or ``stop`` (an Event) is set. Returns
    (sent, failed), or None when another run is going on (PostgreSQL)."""
    if settle is None:
        settle = timedelta(0) if settings.SHOP_MAIL_WORKER else CONFIRMATION_SETTLE
    with _advisory_lock(CONFIRMATIONS_RUN_LOCK, 0) as alone:
        if not alone:
            return None
        sent = failed = 0
        after = None  # (due time, pk) of the last order listed: the next batch's start
        while not (stop is not None and stop.is_set()):
            at = now or timezone.now()
            owed = (
                _owing_mail(due_by=at - settle)
                .filter(created_at__gte=at - give_up)
                .order_by("confirmation_due_at", "pk")
            )
            if after is not None:  # past the orders listed (another sender's stay)
                owed = owed.filter(
                    Q(confirmation_due_at__gt=after[0])
                    | Q(confirmation_due_at=after[0], pk__gt=after[1])
                )
            batch = list(
                owed.values_list("confirmation_due_at", "pk")[:CONFIRMATION_BATCH]
            )
            if not batch:
                break
            after = batch[-1]
            delivery = _send_owed_confirmations(
                [pk for _, pk in batch], now=now, stop=stop
            )
            sent, failed = sent + delivery.sent, failed + delivery.failed
            if delivery.server_down:
                break  # the rest wait for the next run
        return sent, failed


def confirmations_watch(*, stop, interval: float = 1.0) -> None:
    """Send owed confirmations as they come (``send_confirmations --watch``), until
    ``stop`` (a threading.Event, or anything with its ``is_set`` and ``wait``) is set:
    checked between mails. A pass, then a wait of ``interval`` seconds. A pass that
    fails (the database unreachable) is logged and tried again; a run lock held by
    someone else for a minute and more is logged too (a stuck cron run)."""
    shut_out = 0  # passes in a row another run held the lock
    warn_at = max(round(60 / interval), 1)
    while not stop.is_set():
        try:
            close_old_connections()  # one broken by an outage is replaced
            result = orders_send_confirmations(stop=stop)
        except Exception:
            logger.exception("Sending confirmations failed; trying again.")
            try:
                connection.close()
            except Exception:  # already gone
                logger.debug(
                    "The broken connection could not be closed.", exc_info=True
                )
        else:
            shut_out = shut_out + 1 if result is None else 0
            # Said after a minute, then every ten minutes while it lasts.
            if shut_out >= warn_at and (shut_out - warn_at) % (10 * warn_at) == 0:
                logger.warning(
                    "Another send_confirmations has held the run lock for %d passes: "
                    "this worker sends nothing meanwhile.",
                    shut_out,
                )
            if result and any(result):
                logger.info("Confirmations: %d sent, %d failed.", *result)
        if stop.wait(interval):
            return


@contextmanager
def _advisory_lock(namespace: int, key: int):
    """Whether this connection got a session advisory lock (PostgreSQL; with SQLite,
    the development default, there is nobody to exclude); released on leaving."""
    with _advisory_locks(namespace, [key]) as got:
        yield bool(got)


@contextmanager
def _advisory_locks(namespace: int, keys):
    """The ``keys`` whose session advisory lock this connection got (all of them with
    SQLite), in one statement; released on leaving."""
    keys = list(keys)
    if connection.vendor != "postgresql" or not keys:
        yield keys
        return
    # int4 keys (pks past 2**31 wrap: a rare shared key only waits a turn)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k FROM unnest(%s::bigint[]) AS k "
            "WHERE pg_try_advisory_lock(%s, (k %% 2147483648)::int)",
            [keys, namespace],
        )
        got = [row[0] for row in cursor.fetchall()]
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, (k %% 2147483648)::int) "
                        "FROM unnest(%s::bigint[]) AS k",
                        [namespace, got],
                    )
            except Error:  # the connection is gone (InterfaceError included), and its locks with it
                logger.exception("Could not release advisory locks %s.", got)


def order_link(order: Order) -> str:
    """The address of the order's page for its confirmation mail ("" without
    SHOP_SITE_URL). A guest's carries the order's token, which opens the page (and its
    Pay form) in any browser, as the API's order_token does; a user's goes through the
    sign-in page (which sends a signed-in user straight on)."""
    if not settings.SHOP_SITE_URL:
        return ""
    page = order.get_absolute_url()
    if order.user_id is None:
        path, query = page, {ORDER_LINK_TOKEN: order.access_token}
    else:
        path, query = resolve_url(settings.LOGIN_URL), {"next": page}
    return f"{settings.SHOP_SITE_URL}{path}?{urlencode(query)}"


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_pay(*, order: Order, payment_token: str) -> Order:
    """Charge a pending order; a paid order is returned unchanged; a decline changes nothing."""
    order = _locked(order)
    if order.status == Order.Status.PAID:
        return order
    if order.status != Order.Status.PENDING:
        raise InvalidTransition(
            f"A {order.status} order cannot be paid.", status=order.status
        )
    # Charged while holding the row lock: a concurrent second payment waits and then
    # sees the order paid, so a customer is never charged twice.
    charge = get_gateway().charge(
        amount=order.total,
        currency=order.currency,
        payment_token=payment_token,
        description=f"Order {order.number}",
    )
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.payment_reference = charge.reference
    order.save(update_fields=["status", "paid_at", "payment_reference", "updated_at"])
    return order


@transaction.atomic
def order_cancel(*, order: Order, user=None, pending_only: bool = False) -> Order:
    """Cancel a pending or paid order: stock returns once, a payment is refunded.

    ``pending_only``: refuse a paid order too (expiry: an order paid while the expiry
    job waited for its row lock is the customer's, not expired)."""
    order = _locked(order)
    allowed = (Order.Status.PENDING,) if pending_only else (
        Order.Status.PENDING, Order.Status.PAID)  # fmt: skip
    if order.status not in allowed:
        raise InvalidTransition(
            f"A {order.status} order cannot be cancelled.", status=order.status
        )
    changes = [
        StockChange(item.product_id, item.quantity)
        for item in order.items.all()
        if item.product_id is not None  # a deleted product has no stock to return
    ]
    if changes:
        stock_apply(
            changes=changes,
            reason=StockMovement.Reason.CANCEL,
            order=order,
            user=_user_or_none(user),
            note=f"Order {order.number} cancelled",
        )
    coupon_services.coupon_release(order=order)
    if order.status == Order.Status.PAID and order.total > 0:
        get_gateway().refund(
            charge_reference=order.payment_reference,
            amount=order.total,
            currency=order.currency,
        )
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


@transaction.atomic
def order_fulfil(*, order: Order) -> Order:
    """Mark a paid order as fulfilled (shipped)."""
    order = _locked(order)
    if order.status != Order.Status.PAID:
        raise InvalidTransition(
            f"Only a paid order can be fulfilled; this one is {order.status}.",
            status=order.status,
        )
    order.status = Order.Status.FULFILLED
    order.fulfilled_at = timezone.now()
    order.save(update_fields=["status", "fulfilled_at", "updated_at"])
    return order


def orders_expire(*, now=None) -> int:
    """Cancel and restock pending orders unpaid after SHOP_ORDER_PAYMENT_TIMEOUT minutes."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SHOP_ORDER_PAYMENT_TIMEOUT)
    expired = 0
    stale = Order.objects.filter(status=Order.Status.PENDING, created_at__lt=cutoff)
    for order in stale.only("pk").iterator():
        try:
            order_cancel(order=order, pending_only=True)
        except InvalidTransition:
            continue  # paid or cancelled meanwhile: not ours to expire any more
        expired += 1
    return expired
