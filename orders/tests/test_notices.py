"""The buyer's shipping and refund notices (orders.notices): each mailed once however
often its task is delivered, a failed send left to the task's retry, both on the
order's timeline."""

import pytest
from django.core import mail

from catalog.tests.factories import ProductFactory
from orders.models import Order, Refund
from orders.refunds import refund_create
from orders.status import order_fulfil
from orders.tasks import send_refund_notice, send_shipping_notice
from orders.tests import mailers
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
