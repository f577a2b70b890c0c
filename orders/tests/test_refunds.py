"""Refunds (orders.refunds): each unit's exact share, shipping once, never more than was
paid (also when two staff refund at once), stock back or not, the coupon given back
with everything, the buyer mailed; the staff API."""

from decimal import Decimal

import pytest
from django.core import mail

from cart.tests.factories import variant_of
from catalog.models import StockMovement
from conftest import client_for
from coupons.models import CouponRedemption
from orders.models import Order, Refund
from orders.refunds import RefundInvalid, refund_create
from orders.tests.contract import detail, order_json, refund_json
from orders.tests.gateways import RecordingGateway
from orders.tests.refund_orders import paid_order_with_coupon_tax_and_shipping
from orders.tests.threads import run_concurrently
from shop.exceptions import InvalidTransition

D = Decimal
S = Order.Status


def _items(order):
    return list(order.items.order_by("pk"))


def _refund(order, capture, **kwargs):
    with capture(execute=True):
        return refund_create(order=order, **kwargs)


@pytest.mark.django_db
def test_unit_by_unit_refunds_sum_to_the_total_exactly(
    django_capture_on_commit_callbacks, staff_user
):
    """Refunding a line unit by unit gives 9.77, 9.76, 9.77 (= its 29.30), then the other
    line and the shipping: the refunds add up to the order's total to the cent, the order
    is refunded and the coupon's use given back."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, cap = _items(order)
    amounts = [
        _refund(order, django_capture_on_commit_callbacks, lines=[(mugs.pk, 1)]).amount
        for _ in range(3)
    ]
    assert amounts == [D("9.77"), D("9.76"), D("9.77")]
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (S.PARTIALLY_REFUNDED, D("29.30"))
    assert CouponRedemption.objects.filter(order=order).exists()
    last = _refund(
        order,
        django_capture_on_commit_callbacks,
        lines=[(cap.pk, 1)],
        shipping=True,
        user=staff_user,
    )
    assert (last.amount, last.shipping_amount) == (D("13.23"), D("5.43"))
    order.refresh_from_db()
    assert order.refunded_total == order.total == D("42.53")
    assert order.status == S.REFUNDED
    assert not CouponRedemption.objects.filter(order=order).exists()
    assert set(order.refunds.values_list("status", flat=True)) == {"succeeded"}
    assert sum(r.amount for r in order.refunds.all()) == order.total


@pytest.mark.django_db
def test_two_units_at_once_then_one(django_capture_on_commit_callbacks):
    """2 units then 1: 19.53 then 9.77, the line's cost again."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = _items(order)
    first = _refund(order, django_capture_on_commit_callbacks, lines=[(mugs.pk, 2)])
    second = _refund(order, django_capture_on_commit_callbacks, lines=[(mugs.pk, 1)])
    assert (first.amount, second.amount) == (D("19.53"), D("9.77"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"lines": [("mugs", 4)]}, "refund_quantity_exceeded"),
        ({"lines": [("mugs", 2), ("mugs", 2)]}, "refund_quantity_exceeded"),
        ({"lines": [(999999, 1)]}, "refund_unknown_item"),
        ({}, "refund_empty"),
    ],
)
def test_more_than_is_left_is_refused(kwargs, code):
    """More units than the line has, an item of another order, nothing at all: 400 with
    a clear code, and nothing is refunded."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = _items(order)
    lines = [(mugs.pk if i == "mugs" else i, k) for i, k in kwargs.get("lines", [])]
    with pytest.raises(RefundInvalid) as exc:
        refund_create(order=order, lines=lines)
    assert (exc.value.status_code, exc.value.code) == (400, code)
    order.refresh_from_db()
    assert order.refunded_total == 0 and not order.refunds.exists()


@pytest.mark.django_db
def test_the_shipping_is_refunded_once(django_capture_on_commit_callbacks):
    """A second refund of the shipping is 400 shipping_already_refunded."""
    order = paid_order_with_coupon_tax_and_shipping()
    _refund(order, django_capture_on_commit_callbacks, shipping=True)
    with pytest.raises(RefundInvalid) as exc:
        refund_create(order=order, shipping=True)
    assert exc.value.code == "shipping_already_refunded"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.PENDING, S.CANCELLED, S.REFUNDED])
def test_only_paid_orders_are_refunded(status):
    """A pending, cancelled or refunded order has nothing to refund: 409."""
    order = paid_order_with_coupon_tax_and_shipping()
    Order.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        refund_create(order=order, shipping=True)


@pytest.mark.django_db
@pytest.mark.parametrize("restock", [True, False])
def test_restock_or_not(django_capture_on_commit_callbacks, restock):
    """With restock the units go back through the ledger (reason refund); without, the
    stock and the ledger are left alone."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = _items(order)
    _refund(
        order, django_capture_on_commit_callbacks, lines=[(mugs.pk, 2)], restock=restock
    )
    assert variant_of(mugs.product).stock == (2 if restock else 0)
    movements = StockMovement.objects.filter(order=order, reason="refund")
    assert list(movements.values_list("delta", flat=True)) == ([2] if restock else [])


@pytest.mark.django_db
def test_the_buyer_is_mailed_the_refund(django_capture_on_commit_callbacks):
    """A refund that went through is mailed, text and HTML, with its amount."""
    order = paid_order_with_coupon_tax_and_shipping()
    mail.outbox = []
    _refund(order, django_capture_on_commit_callbacks, shipping=True, reason="Late")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [order.email] and order.number in message.subject
    assert "5.43 USD" in message.body and "Reason: Late" in message.body
    assert "5.43" in message.alternatives[0][0]


@pytest.mark.django_db
def test_refunds_go_through_the_orders_gateway(
    settings, django_capture_on_commit_callbacks
):
    """The provider is asked for the refund's amount against the order's payment."""
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.RecordingGateway"
    RecordingGateway.refunds = []
    order = paid_order_with_coupon_tax_and_shipping()
    _refund(order, django_capture_on_commit_callbacks, shipping=True)
    assert RecordingGateway.refunds == [
        {
            "charge_reference": order.payment.reference,
            "amount": D("5.43"),
            "currency": "USD",
        }
    ]


@pytest.mark.django_db
def test_a_refund_the_provider_refuses_is_released(
    settings, django_capture_on_commit_callbacks
):
    """Refused for good: the refund is failed and its amount free again."""
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.RefusingGateway"
    order = paid_order_with_coupon_tax_and_shipping()
    refund = _refund(order, django_capture_on_commit_callbacks, shipping=True)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "failed"
    assert (order.status, order.refunded_total) == (S.PAID, D("0.00"))
    # The shipping can be refunded again, now that nothing was.
    settings.SHOP_PAYMENT_GATEWAY = "test"
    again = _refund(order, django_capture_on_commit_callbacks, shipping=True)
    again.refresh_from_db()
    assert again.status == "succeeded"


@pytest.mark.django_db
def test_an_unreachable_provider_leaves_the_refund_pending(
    settings, django_capture_on_commit_callbacks
):
    """The provider cannot be reached: the refund stays pending, its amount reserved,
    for the retry (the task, then the sweep)."""
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.UnreachableGateway"
    order = paid_order_with_coupon_tax_and_shipping()
    refund = _refund(order, django_capture_on_commit_callbacks, shipping=True)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "pending" and order.refunded_total == D("5.43")
    from orders.tasks import execute_refund

    settings.SHOP_PAYMENT_GATEWAY = "test"  # reachable again
    assert execute_refund.delay(refund.pk).get() == "succeeded"
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.reference.startswith("test_re_")


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_refund_more_than_was_paid():
    """Four staff refund the same two units at once: the order's row lock lets one
    through per unit left; the others are 400, and refunded_total never passes what
    the line cost."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = _items(order)

    def refund(i):
        return refund_create(order=Order.objects.get(pk=order.pk), lines=[(mugs.pk, 2)])

    results = run_concurrently(4, refund)
    made = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, RefundInvalid)]
    assert (len(made), len(refused)) == (1, 3), results
    order.refresh_from_db()
    assert order.refunded_total == D("19.53")
    assert Refund.objects.filter(order=order).count() == 1


# --- the staff API ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_staff_refund_through_the_api(staff_user):
    """POST orders/{number}/refunds/ (staff): 201 with the refund, which went through
    once its reservation committed (no broker: the task runs then); the order lists
    it."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = _items(order)
    staff = client_for(staff_user)
    response = staff.post(
        detail(order, "refunds"),
        {"lines": [{"item_id": mugs.pk, "quantity": 1}], "shipping": True,
         "restock": True, "reason": "Broken"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    refund = Refund.objects.get()
    assert response.json() == refund_json(refund)
    assert response.json()["amount"] == "15.20"
    assert response.json()["shipping"] == "5.43"
    assert response.json()["status"] == "succeeded"
    order.refresh_from_db()
    body = staff.get(detail(order)).json()
    assert body == order_json(order)
    assert body["refunded_total"] == "15.20" and body["status"] == "partially_refunded"


@pytest.mark.django_db
def test_over_refund_through_the_api_is_400(staff_user):
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = _items(order)
    response = client_for(staff_user).post(
        detail(order, "refunds"),
        {"lines": [{"item_id": mugs.pk, "quantity": 5}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "refund_quantity_exceeded"


@pytest.mark.django_db
def test_only_staff_refund(customer, api_client):
    """The customer (403) and anyone signed out (401) cannot refund."""
    order = paid_order_with_coupon_tax_and_shipping(user=customer, email=customer.email)
    url = detail(order, "refunds")
    assert client_for(customer).post(url, {"shipping": True}).status_code == 403
    assert api_client.post(url, {"shipping": True}).status_code == 401
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_the_sweep_retries_refunds_left_pending(settings):
    """retry_pending_refunds asks again for refunds pending 10 minutes on."""
    from datetime import timedelta

    from django.utils import timezone

    from orders.tasks import retry_pending_refunds

    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.UnreachableGateway"
    order = paid_order_with_coupon_tax_and_shipping()
    refund = refund_create(order=order, shipping=True)  # its task never ran
    assert retry_pending_refunds.delay().get() == 0  # too fresh
    Refund.objects.filter(pk=refund.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    settings.SHOP_PAYMENT_GATEWAY = "test"
    assert retry_pending_refunds.delay().get() == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded"
