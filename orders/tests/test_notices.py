"""The buyer's payment receipt, shipping and refund notices (orders.notices): each
mailed once however often its task is delivered, a failed send left to the task's
retry, each on the order's timeline."""

import pytest
from django.core import mail

from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order, Refund
from orders.refunds import refund_create
from orders.status import order_fulfil
from orders.tasks import (
    send_payment_receipt,
    send_refund_notice,
    send_shipping_notice,
)
from orders.tests import mailers
from orders.tests.contract import detail
from orders.tests.factories import order_with
from orders.tests.refund_orders import paid_order_with_coupon_tax_and_shipping
from orders.timeline import order_timeline

pytestmark = pytest.mark.django_db


def fulfilled(django_capture_on_commit_callbacks) -> Order:
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)], status=Order.Status.PAID
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_fulfil(order=order, tracking_number="1Z999", carrier="UPS")
    order.refresh_from_db()
    return order


def refunded(django_capture_on_commit_callbacks) -> Refund:
    order = paid_order_with_coupon_tax_and_shipping()
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_create(order=order, shipping=True)
    refund.refresh_from_db()
    return refund


def test_a_shipping_notice_delivered_twice_is_mailed_once(
    django_capture_on_commit_callbacks,
):
    mail.outbox = []
    order = fulfilled(django_capture_on_commit_callbacks)

    assert send_shipping_notice.apply(args=[order.pk]).get() is False

    assert len(mail.outbox) == 1
    assert f"order {order.number} is on its way" in mail.outbox[0].subject
    assert order.shipping_notice_sent_at is not None
    events = {event.what: event for event in order_timeline(order=order)}
    assert events["Shipping notice mailed"].at == order.shipping_notice_sent_at


def test_a_failed_shipping_notice_is_sent_by_the_next_try(
    settings, django_capture_on_commit_callbacks
):
    """A send that fails gives its claim back: the task's retry mails it."""
    settings.EMAIL_BACKEND = mailers.FAILING
    order = fulfilled(django_capture_on_commit_callbacks)  # tried once, eagerly: failed
    order.refresh_from_db()
    assert order.shipping_notice_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert send_shipping_notice.apply(args=[order.pk]).get() is True
    assert len(mail.outbox) == 1
    order.refresh_from_db()
    assert order.shipping_notice_sent_at is not None


def test_no_shipping_notice_for_an_order_not_fulfilled():
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)], status=Order.Status.PAID
    )
    mail.outbox = []
    assert send_shipping_notice.apply(args=[order.pk]).get() is False
    assert mail.outbox == []
    order.refresh_from_db()
    assert order.shipping_notice_sent_at is None


def test_a_refund_notice_delivered_twice_is_mailed_once(
    django_capture_on_commit_callbacks,
):
    mail.outbox = []
    refund = refunded(django_capture_on_commit_callbacks)
    assert refund.status == Refund.Status.SUCCEEDED
    assert len(mail.outbox) == 1

    assert send_refund_notice.apply(args=[refund.pk]).get() is False

    assert len(mail.outbox) == 1
    assert refund.notice_sent_at is not None
    events = {event.what: event for event in order_timeline(order=refund.order)}
    assert events["Refund notice mailed"].at == refund.notice_sent_at


def test_a_failed_refund_notice_is_sent_by_the_next_try(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = mailers.FAILING
    refund = refunded(django_capture_on_commit_callbacks)
    assert refund.notice_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert send_refund_notice.apply(args=[refund.pk]).get() is True
    assert len(mail.outbox) == 1
    assert send_refund_notice.apply(args=[refund.pk]).get() is False
    assert len(mail.outbox) == 1


def test_paying_mails_the_buyer_a_receipt_once(
    customer, django_capture_on_commit_callbacks
):
    """Paid through the API with the test gateway: one receipt with the total; a
    second delivery of its task mails nothing."""
    order = order_with(
        products_and_quantities=[(ProductFactory(price="12.50"), 2)],
        user=customer,
        email=customer.email,
    )
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(customer).post(
            detail(order, "pay"), {"payment_token": "tok_success"}, format="json"
        )
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [customer.email]
    assert f"payment received for order {order.number}" in receipt.subject
    assert f"{order.total} {order.currency}" in receipt.body
    assert f"{order.total} {order.currency}" in receipt.alternatives[0][0]

    assert send_payment_receipt.apply(args=[order.pk]).get() is False
    assert len(mail.outbox) == 1
    order.refresh_from_db()
    events = {event.what: event for event in order_timeline(order=order)}
    assert events["Receipt mailed"].at == order.payment_receipt_sent_at


def test_a_declined_payment_mails_no_receipt(
    customer, django_capture_on_commit_callbacks
):
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(customer).post(
            detail(order, "pay"), {"payment_token": "tok_decline"}, format="json"
        )
    assert response.status_code == 402
    assert mail.outbox == []


def test_no_receipt_for_an_order_cancelled_before_its_task_ran():
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)], status=Order.Status.CANCELLED
    )
    mail.outbox = []
    assert send_payment_receipt.apply(args=[order.pk]).get() is False
    assert mail.outbox == []


class RefundedWhileSending(mailers.FailingBackend):
    """A mail server that fails after the order (``order_id``) was refunded meanwhile."""

    order_id = None

    def send_messages(self, messages):
        Order.objects.filter(pk=self.order_id).update(status=Order.Status.REFUNDED)
        return super().send_messages(messages)


def test_a_failed_send_gives_the_claim_back_after_the_order_moved_on(settings):
    """A receipt whose send fails after the order moved on meanwhile is not left marked
    as mailed (nor shown so on the timeline)."""
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)], status=Order.Status.PAID
    )
    RefundedWhileSending.order_id = order.pk
    settings.EMAIL_BACKEND = f"{__name__}.RefundedWhileSending"

    result = send_payment_receipt.apply(args=[order.pk])

    assert result.state == "SUCCESS" and result.get() is False  # tried once, eagerly
    order.refresh_from_db()
    assert order.payment_receipt_sent_at is None
    assert "Receipt mailed" not in {e.what for e in order_timeline(order=order)}
