"""Confirmation mail: claimed by the checkout, recorded when sent; what a lapsed claim
left unsent is claimed and sent by send_confirmations."""

from datetime import timedelta

import psycopg2
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import (
    CONFIRMATION_LEASE,
    CONFIRMATIONS_LOCK,
    order_place,
    orders_send_confirmations,
)
from orders.tests.carts import cart_with
from orders.tests.factories import OrderFactory, OrderItemFactory
from shop.background import run_beside, wait_for_background

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "orders.tests.test_confirmations.FailingBackend"
LOCMEM_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def _order(*, placed_ago: timedelta, claimed_ago: timedelta | None, sent=False):
    order = OrderFactory(email=f"{placed_ago.total_seconds():.0f}@example.com")
    OrderItemFactory(order=order, product_name="Teapot", quantity=2)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        created_at=now - placed_ago,
        confirmation_claimed_at=None if claimed_ago is None else now - claimed_ago,
        confirmation_sent_at=now - placed_ago if sent else None,
    )
    return Order.objects.get(pk=order.pk)


def _lapsed(minutes_past_lease=5, **kwargs):
    ago = CONFIRMATION_LEASE + timedelta(minutes=minutes_past_lease)
    return _order(placed_ago=ago, claimed_ago=ago, **kwargs)


def _checkout(email="a@example.com"):
    return order_place(
        cart=cart_with([(ProductFactory(), 1)]),
        email=email,
        shipping_name="A",
        shipping_address="B",
    ).order


def test_a_checkout_claims_its_confirmation_and_records_it_once_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout()
    assert len(mail.outbox) == 1
    order.refresh_from_db()
    assert order.confirmation_claimed_at is not None
    assert order.confirmation_sent_at is not None


def test_a_failed_send_leaves_the_order_claimed_and_unsent(
    django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.confirmation_claimed_at is not None
    assert order.confirmation_sent_at is None


def test_unsent_mail_whose_claim_lapsed_is_sent_once():
    """Only lapsed claims of orders under 2 days old; each once, with the order's items."""
    due = _lapsed()
    held = _order(placed_ago=timedelta(minutes=10), claimed_ago=timedelta(minutes=10))
    reclaimed = _order(  # an old order a run claimed again a minute ago
        placed_ago=timedelta(hours=3), claimed_ago=timedelta(minutes=1)
    )
    ancient = _order(placed_ago=timedelta(days=3), claimed_ago=timedelta(days=3))
    before_claims = _order(placed_ago=timedelta(hours=1), claimed_ago=None)
    already = _lapsed(sent=True)

    assert orders_send_confirmations() == (1, 0)

    assert [m.to for m in mail.outbox] == [[due.email]]
    assert due.number in mail.outbox[0].subject
    assert "2 x Teapot" in mail.outbox[0].body
    assert Order.objects.get(pk=due.pk).confirmation_sent_at is not None
    for left in (held, reclaimed, ancient, before_claims):
        assert Order.objects.get(pk=left.pk).confirmation_sent_at is None
    assert (
        Order.objects.get(pk=already.pk).confirmation_sent_at
        == already.confirmation_sent_at
    )
    assert orders_send_confirmations() == (0, 0)  # nothing twice


def test_a_failed_send_is_claimed_again_by_a_run_after_the_lease(settings):
    order = _lapsed()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    assert orders_send_confirmations() == (0, 1)
    order.refresh_from_db()
    assert order.confirmation_sent_at is None

    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    assert orders_send_confirmations() == (0, 0)  # the failed run's claim holds
    later = timezone.now() + CONFIRMATION_LEASE + timedelta(minutes=1)
    assert orders_send_confirmations(now=later) == (1, 0)
    assert [m.to for m in mail.outbox] == [[order.email]]


def test_a_thread_that_comes_to_its_mail_too_late_leaves_it_to_the_command(
    django_capture_on_commit_callbacks, caplog
):
    """A backlog behind a slow mail server: past half the lease the thread does not
    send (its send could outlast the claim and meet the command's)."""
    from orders.services import _send_claimed_confirmation

    order = _order(
        placed_ago=CONFIRMATION_LEASE / 2, claimed_ago=CONFIRMATION_LEASE / 2
    )
    order.confirmation_claimed_at -= timedelta(seconds=1)

    _send_claimed_confirmation(order=order, items=None, link="")

    assert mail.outbox == []
    assert "send_confirmations will send it" in caplog.text


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the run's lock is PostgreSQL's"
)
def test_a_run_while_another_runs_sends_nothing(capsys):
    """Two runs at once (a slow cron run overlapping the next): the second finds the
    first's lock and says so."""
    _lapsed()
    params = connection.get_connection_params()
    other = psycopg2.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "host", "port", "user")}
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [CONFIRMATIONS_LOCK])
        assert orders_send_confirmations() is None
        call_command("send_confirmations")
        assert "Another send_confirmations is running" in capsys.readouterr().out
        assert mail.outbox == []
    finally:
        other.close()
    assert orders_send_confirmations() == (1, 0)


def test_the_command_reports_and_fails_while_a_send_fails(settings, capsys):
    _lapsed()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with pytest.raises(SystemExit) as exit_:
        call_command("send_confirmations")
    assert exit_.value.code == 1
    assert "1 failed and will be tried again" in capsys.readouterr().out

    _lapsed(minutes_past_lease=10)
    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    call_command("send_confirmations")
    assert "Sent 1 confirmation." in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_records_the_mail_it_sent(settings):
    """With the thread on and a committed checkout, the thread's own connection sees
    the order and records its mail as sent."""
    settings.SHOP_BACKGROUND_THREAD = True
    try:
        order = _checkout(email="thread@example.com")
        wait_for_background(timeout=30)
    finally:
        run_beside(connections.close_all)  # the thread's connection, before teardown
        wait_for_background(timeout=30)
    assert [m.to for m in mail.outbox] == [["thread@example.com"]]
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None
