"""Confirmation mail: recorded when sent; what was left unsent is sent by a later run."""

from datetime import timedelta

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import CONFIRMATIONS_LOCK, order_place, orders_send_confirmations
from orders.tests.carts import cart_with
from orders.tests.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "orders.tests.test_confirmations.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def _placed_ago(minutes: float, *, sent: bool = False) -> Order:
    order = OrderFactory(email=f"ago{minutes}@example.com")
    OrderItemFactory(order=order, product_name="Teapot", quantity=2)
    created = timezone.now() - timedelta(minutes=minutes)
    Order.objects.filter(pk=order.pk).update(
        created_at=created, confirmation_sent_at=created if sent else None
    )
    return Order.objects.get(pk=order.pk)


def test_a_checkouts_confirmation_is_recorded_once_sent(
    django_capture_on_commit_callbacks,
):
    cart = cart_with([(ProductFactory(), 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(
            cart=cart, email="a@example.com", shipping_name="A", shipping_address="B"
        ).order
    assert len(mail.outbox) == 1
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None


def test_a_failed_send_leaves_the_order_unconfirmed(
    django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    cart = cart_with([(ProductFactory(), 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(
            cart=cart, email="a@example.com", shipping_name="A", shipping_address="B"
        ).order
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.confirmation_sent_at is None


def test_unsent_confirmations_between_five_minutes_and_two_days_old_are_sent():
    """Only the settled, not ancient, unsent ones; each once, with the order's items."""
    due = _placed_ago(10)
    fresh = _placed_ago(1)  # its own thread may still be sending it
    ancient = _placed_ago(3 * 24 * 60)
    already = _placed_ago(10, sent=True)

    assert orders_send_confirmations() == (1, 0)

    assert [m.to for m in mail.outbox] == [[due.email]]
    assert due.number in mail.outbox[0].subject
    assert "2 x Teapot" in mail.outbox[0].body
    assert Order.objects.get(pk=due.pk).confirmation_sent_at is not None
    for left in (fresh, ancient):
        assert Order.objects.get(pk=left.pk).confirmation_sent_at is None
    assert (
        Order.objects.get(pk=already.pk).confirmation_sent_at
        == already.confirmation_sent_at
    )
    assert orders_send_confirmations() == (0, 0)  # nothing twice


def test_a_failed_send_is_tried_again_by_the_next_run(settings):
    order = _placed_ago(10)
    settings.EMAIL_BACKEND = FAILING_BACKEND
    assert orders_send_confirmations() == (0, 1)
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert orders_send_confirmations() == (1, 0)
    assert [m.to for m in mail.outbox] == [[order.email]]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the run's lock is PostgreSQL's"
)
def test_a_run_while_another_runs_sends_nothing():
    """Two runs at once (a slow cron run overlapping the next) never send a mail twice:
    the second finds the first's lock and returns."""
    _placed_ago(10)
    db = django_settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [CONFIRMATIONS_LOCK])
        assert orders_send_confirmations() == (0, 0)
        assert mail.outbox == []
    finally:
        other.close()
    assert orders_send_confirmations() == (1, 0)


def test_the_command_reports_and_fails_when_a_send_failed(settings, capsys):
    _placed_ago(10)
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with pytest.raises(SystemExit) as exit_:
        call_command("send_confirmations")
    assert exit_.value.code == 1
    assert "1 failed and will be tried again" in capsys.readouterr().out

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_confirmations")
    assert "Sent 1 confirmation." in capsys.readouterr().out
