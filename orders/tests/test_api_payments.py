"""The orders API's payment rules with the test gateway: a declined card, cancel as
customer or staff, fulfil with a tracking number, the mail."""

from decimal import Decimal

import pytest
from django.core import mail

from cart.tests.factories import variant_of
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order, Payment
from orders.tests.contract import detail, order_json
from orders.tests.factories import order_with
from orders.tests.refund_orders import paid_order_with_coupon_tax_and_shipping

D = Decimal
S = Order.Status


@pytest.mark.django_db
def test_a_declined_card_is_402_and_the_payment_failed(customer):
    """tok_decline: 402 payment_declined; the order stays pending, its payment failed
    (the order shows it); tok_success then pays."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    api = client_for(customer)
    declined = api.post(
        detail(order, "pay"), {"payment_token": "tok_decline"}, format="json"
    )
    assert declined.status_code == 402 and declined.json()["code"] == "payment_declined"
    body = api.get(detail(order)).json()
    assert body["status"] == "pending"
    assert body["payment"] == {"provider": "test", "status": "failed"}
    paid = api.post(
        detail(order, "pay"), {"payment_token": "tok_success"}, format="json"
    )
    assert paid.json()["payment"] == {"provider": "test", "status": "succeeded"}


@pytest.mark.django_db
def test_the_test_gateway_needs_a_token(customer):
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    response = client_for(customer).post(detail(order, "pay"), {}, format="json")
    assert response.status_code == 400 and "payment_token" in response.json()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_customer_cannot_cancel_a_paid_order(customer):
    """Owner: pending only. A paid order is 409 invalid_transition, nothing changes."""
    order = paid_order_with_coupon_tax_and_shipping(user=customer, email=customer.email)
    response = client_for(customer).post(detail(order, "cancel"))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    order.refresh_from_db()
    assert order.status == S.PAID and order.refunded_total == 0


@pytest.mark.django_db(transaction=True)
def test_staff_cancel_of_a_partly_refunded_order_refunds_the_rest(staff_user):
    """Staff cancel a partially refunded order: what was not refunded yet is refunded
    (refunded_total = total), the refunds listed; stock returns for the units not
    restocked already, once."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, cap = order.items.order_by("pk")
    staff = client_for(staff_user)
    staff.post(
        detail(order, "refunds"),
        {"lines": [{"item_id": mugs.pk, "quantity": 1}], "restock": True},
        format="json",
    )
    response = staff.post(detail(order, "cancel"))
    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert response.json() == order_json(order)
    assert order.status == S.CANCELLED
    assert order.refunded_total == order.total == D("42.53")
    assert [r["amount"] for r in response.json()["refunds"]] == ["9.77", "32.76"]
    assert [r["status"] for r in response.json()["refunds"]] == ["succeeded"] * 2
    assert (variant_of(mugs.product).stock, variant_of(cap.product).stock) == (3, 1)


@pytest.mark.django_db
def test_staff_cannot_cancel_a_fulfilled_order(staff_user):
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)], status=S.FULFILLED
    )
    assert client_for(staff_user).post(detail(order, "cancel")).status_code == 409


@pytest.mark.django_db(transaction=True)
def test_fulfil_stores_the_tracking_and_mails_the_buyer(staff_user):
    """Fulfil with {tracking_number, carrier}: stored, shown, and the buyer mailed a
    shipping notice (text and HTML) with the tracking number."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], status=S.PAID)
    mail.outbox = []
    response = client_for(staff_user).post(
        detail(order, "fulfil"),
        {"tracking_number": "1Z999AA10123456784", "carrier": "UPS"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["tracking_number"], body["carrier"]) == (
        "fulfilled", "1Z999AA10123456784", "UPS")  # fmt: skip
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [order.email] and "on its way" in notice.subject
    assert "1Z999AA10123456784 (UPS)" in notice.body
    assert "1Z999AA10123456784" in notice.alternatives[0][0]


@pytest.mark.django_db
def test_fulfil_refuses_a_too_long_tracking_number(staff_user):
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], status=S.PAID)
    response = client_for(staff_user).post(
        detail(order, "fulfil"), {"tracking_number": "x" * 101}, format="json"
    )
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == S.PAID
