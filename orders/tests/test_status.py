"""Order status changes (orders.status): payment, cancellation, fulfilment, expiry;
the status machine, and the races on one order."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cart.tests.factories import tee, variant, variant_of
from catalog.models import Product, StockMovement, Variant
from catalog.tests.factories import ProductFactory
from coupons.models import Coupon, CouponRedemption
from orders.models import Order, Payment
from orders.status import order_cancel, order_fulfil, order_pay, orders_expire
from orders.tests.factories import OrderFactory, order_with
from orders.tests.gateways import HeldGateway, RecordingGateway
from shop.exceptions import InvalidTransition, PaymentDeclined

S = Order.Status


@pytest.mark.django_db
def test_pay_marks_pending_order_paid():
    """Paying a pending order with tok_success makes it paid, with a time and a reference."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    paid = order_pay(order=order, payment_token="tok_success")
    order.refresh_from_db()
    assert paid.status == order.status == S.PAID
    assert order.paid_at is not None
    assert order.payment.reference.startswith("test_ch_")
    assert (order.payment.provider, order.payment.status) == ("test", "succeeded")


@pytest.mark.django_db
def test_pay_declined_leaves_order_pending():
    """A declined payment is a 402 and the order stays pending, unpaid."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    with pytest.raises(PaymentDeclined):
        order_pay(order=order, payment_token="tok_decline")
    order.refresh_from_db()
    assert order.status == S.PENDING and order.paid_at is None
    assert (order.payment.status, order.payment.reference) == ("failed", "")
    # The buyer tries again, with a card that works.
    assert order_pay(order=order, payment_token="tok_success").status == S.PAID
    order.payment.refresh_from_db()
    assert order.payment.status == "succeeded"


@pytest.mark.django_db
def test_pay_twice_is_a_no_op():
    """Paying a paid order returns it unchanged (no second charge)."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    first = order_pay(order=order, payment_token="tok_success")
    again = order_pay(order=order, payment_token="tok_decline")  # not even charged
    assert again.status == S.PAID
    assert again.paid_at == first.paid_at
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_an_order_of_nothing_to_pay_is_paid_without_a_gateway():
    """A total of 0.00 is paid at once, with no token and no payment."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    Order.objects.filter(pk=order.pk).update(total=Decimal("0.00"))
    assert order_pay(order=order).status == S.PAID
    assert not Payment.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_cancel_pending_returns_stock_as_movements():
    """Cancelling puts every unit back to the variant it came from, one CANCEL
    movement per line, linked to the order; the product's other variants are left."""
    shirt = tee(stock=3)
    a, b = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    Variant.objects.filter(pk=b.pk).update(stock=0)
    order = order_with(products_and_quantities=[(a, 2), (b, 5)])
    cancelled = order_cancel(order=order)
    assert cancelled.status == S.CANCELLED and cancelled.cancelled_at is not None
    assert dict(shirt.variants.values_list("pk", "stock")) == {
        a.pk: 5,
        b.pk: 5,
        variant(shirt, Size="S", Colour="Blue").pk: 3,
        variant(shirt, Size="M", Colour="Blue").pk: 3,
    }
    movements = StockMovement.objects.filter(
        order=order, reason=StockMovement.Reason.CANCEL
    )
    assert sorted(
        movements.values_list("variant_id", "delta", "stock_after")
    ) == sorted([(a.pk, 2, 5), (b.pk, 5, 5)])


@pytest.mark.django_db
@pytest.mark.parametrize("deleted", ["variant", "product"])
def test_cancel_skips_deleted_variants(deleted):
    """A line whose variant (or product) was deleted keeps its snapshot ("Tee — M /
    Red", its SKU) and has no stock to return; the other lines' stock returns."""
    kept = ProductFactory(stock=1)
    shirt = tee(stock=1)
    gone = variant(shirt, Size="M", Colour="Red")
    order = order_with(products_and_quantities=[(kept, 1), (gone, 1)])
    (gone if deleted == "variant" else shirt).delete()
    order_cancel(order=order)
    assert variant_of(kept).stock == 2
    snapshot = order.items.get(variant__isnull=True)
    assert (snapshot.name, snapshot.sku) == ("Tee — M / Red", gone.sku)
    assert StockMovement.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_staff_cancel_of_a_paid_order_refunds_through_gateway(
    settings, django_capture_on_commit_callbacks
):
    """A paid order that staff cancel is refunded in full, against its charge, and the
    refund recorded: refunded_total is then the total."""
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.RecordingGateway"
    RecordingGateway.refunds = []
    product = ProductFactory(price=Decimal("7.50"), stock=0)
    order = order_with(products_and_quantities=[(product, 2)])
    order = order_pay(order=order, payment_token="tok_success")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, staff=True)
    assert RecordingGateway.refunds == [
        {
            "charge_reference": order.payment.reference,
            "amount": Decimal("15.00"),
            "currency": "USD",
        }
    ]
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (S.CANCELLED, Decimal("15.00"))
    refund = order.refunds.get()
    assert (refund.amount, refund.status, refund.restocked) == (
        Decimal("15.00"), "succeeded", True)  # fmt: skip
    assert list(refund.lines.values_list("quantity", "amount")) == [
        (2, Decimal("15.00"))
    ]
    assert variant_of(product).stock == 2


@pytest.mark.django_db
def test_the_customer_cannot_cancel_a_paid_order():
    """Customers cancel pending orders only: a paid one is 409, nothing changes."""
    product = ProductFactory(stock=0)
    order = order_with(products_and_quantities=[(product, 1)], status=S.PAID)
    with pytest.raises(InvalidTransition) as exc:
        order_cancel(order=order)
    assert "ask the shop" in exc.value.detail
    order.refresh_from_db()
    assert order.status == S.PAID and variant_of(product).stock == 0


@pytest.mark.django_db
def test_cancel_gives_the_coupon_use_back():
    """Cancelling deletes the order's coupon redemption, so the use can be made again."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    coupon = Coupon.objects.create(code="ONCE", percent_off=Decimal("10"), max_uses=1)
    CouponRedemption.objects.create(coupon=coupon, order=order, email=order.email)
    order_cancel(order=order)
    assert not CouponRedemption.objects.filter(coupon=coupon).exists()


@pytest.mark.django_db
def test_fulfil_paid_order():
    """A paid order can be fulfilled; it records when."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], status=S.PAID)
    fulfilled = order_fulfil(order=order)
    assert fulfilled.status == S.FULFILLED and fulfilled.fulfilled_at is not None
    assert (fulfilled.tracking_number, fulfilled.carrier) == ("", "")


ILLEGAL = [
    ("pay", S.CANCELLED),
    ("pay", S.FULFILLED),
    ("cancel", S.CANCELLED),
    ("cancel", S.FULFILLED),
    ("staff-cancel", S.FULFILLED),
    ("staff-cancel", S.REFUNDED),
    ("cancel", S.PAID),
    ("fulfil", S.PENDING),
    ("fulfil", S.CANCELLED),
    ("fulfil", S.FULFILLED),
]


def _do(change: str, order: Order):
    if change == "pay":
        return order_pay(order=order, payment_token="tok_success")
    if change == "cancel":
        return order_cancel(order=order)
    if change == "staff-cancel":
        return order_cancel(order=order, staff=True)
    return order_fulfil(order=order)


@pytest.mark.django_db
@pytest.mark.parametrize("change,status", ILLEGAL)
def test_illegal_transitions_are_409(change, status):
    """Every change outside pending→paid→fulfilled, pending/paid→cancelled is a 409."""
    product = ProductFactory(stock=4)
    order = order_with(products_and_quantities=[(product, 1)], status=status)
    with pytest.raises(InvalidTransition) as exc:
        _do(change, order)
    assert exc.value.status_code == 409 and exc.value.code == "invalid_transition"
    order.refresh_from_db()
    assert order.status == status and variant_of(product).stock == 4
    assert not StockMovement.objects.filter(order=order).exists()


@pytest.mark.django_db(transaction=True)
def test_cancel_twice_concurrently_restocks_once():
    """Two cancels racing: one wins, the other gets 409, and stock comes back exactly once."""
    product = ProductFactory(stock=0)
    order = order_with(products_and_quantities=[(product, 3)])
    barrier = threading.Barrier(2)
    outcomes = []

    def cancel():
        try:
            barrier.wait()
            order_cancel(order=Order.objects.get(pk=order.pk))
            outcomes.append("cancelled")
        except InvalidTransition:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "cancelled"]
    assert variant_of(product).stock == 3
    assert StockMovement.objects.filter(order=order, reason="cancel").count() == 1


@pytest.mark.django_db
def test_orders_expire_cancels_old_pending_orders(settings):
    """Pending orders older than the timeout are cancelled and restocked; others stay."""
    settings.SHOP_ORDER_PAYMENT_TIMEOUT = 30
    product = ProductFactory(stock=0)
    old = order_with(products_and_quantities=[(product, 2)])
    fresh = order_with(products_and_quantities=[(product, 1)])
    old_paid = order_with(products_and_quantities=[(product, 1)], status=S.PAID)
    long_ago = timezone.now() - timedelta(minutes=31)
    Order.objects.filter(pk__in=[old.pk, old_paid.pk]).update(created_at=long_ago)

    assert orders_expire() == 1
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {old.pk: S.CANCELLED, fresh.pk: S.PENDING, old_paid.pk: S.PAID}
    assert variant_of(product).stock == 2
    # Later, the fresh one's time is up too.
    assert orders_expire(now=timezone.now() + timedelta(minutes=31)) == 1


@pytest.mark.django_db
def test_expire_orders_command_prints_count(capsys):
    """`manage.py expire_orders` cancels stale orders and says how many."""
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    call_command("expire_orders")
    assert capsys.readouterr().out.strip() == "Expired 1 unpaid order."
    call_command("expire_orders")
    assert capsys.readouterr().out.strip() == "Expired 0 unpaid orders."
    assert Product.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_orders_expire_leaves_an_order_paid_while_it_waited(settings):
    """The expiry job lists a stale pending order while its payment is under way (the
    payment holds the order's row lock while it charges): the job waits for the lock,
    then finds the order paid and leaves it alone: not cancelled, restocked or refunded."""
    settings.SHOP_ORDER_PAYMENT_TIMEOUT = 30
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.HeldGateway"
    HeldGateway.reset()
    product = ProductFactory(stock=0)
    order = order_with(products_and_quantities=[(product, 2)])
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    outcome = {}

    def in_thread(name, work):
        def run():
            try:
                outcome[name] = work()
            except Exception as exc:  # noqa: BLE001 - the test looks at it
                outcome[name] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    payment = in_thread(
        "paid", lambda: order_pay(order=order, payment_token="tok_success")
    )
    assert HeldGateway.charging.wait(timeout=10)
    expiry = in_thread("expired", orders_expire)
    try:
        _wait_for_a_lock_wait()
    finally:
        HeldGateway.release.set()
        payment.join(timeout=20)
        expiry.join(timeout=20)

    assert outcome["expired"] == 0, outcome
    assert outcome["paid"].status == S.PAID
    order.refresh_from_db()
    assert (order.status, variant_of(product).stock) == (S.PAID, 0)
    assert not StockMovement.objects.filter(order=order, reason="cancel").exists()


def _wait_for_a_lock_wait(timeout: float = 10) -> None:
    """Until a session of the test database waits for a lock (the expiry job, for the
    order's row)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no session came to wait for the order's row lock")
