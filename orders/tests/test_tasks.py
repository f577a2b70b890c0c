"""The Celery tasks of orders: the confirmation's retries (in a worker, and their absence
in the web process), the sweep of owed confirmations, the expiry of unpaid orders, and a
real worker delivering a checkout's confirmation."""

import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.exceptions import Retry
from celery.signals import setup_logging
from django.core import mail
from django.utils import timezone

from cart.tests.factories import variant_of
from catalog.models import StockMovement
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.notifications import CONFIRMATION_SETTLE, confirmations_owed
from orders.tasks import (
    expire_unpaid_orders,
    send_order_confirmation,
    send_owed_confirmations,
)
from orders.tests import mailers
from orders.tests.carts import cart_with
from orders.tests.factories import order_with
from orders.tests.test_notifications import owed, settled

pytestmark = pytest.mark.django_db

TASK = "orders.tasks.send_order_confirmation"


def queued(app) -> list[tuple[dict, list]]:
    """The messages waiting in the default queue, taken off it: (headers, args)."""
    taken = []
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue, accept=["json"])
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    return taken
                args, _kwargs, _embed = message.decode()
                taken.append((message.headers, args))
                message.ack()
        finally:
            queue.close()


def run_in_worker(task, *args, retries: int = 0):
    """Run ``task`` as a worker runs the message it took off the queue (its
    ``retries``-th retry): not eagerly, so that a retry goes back to the broker."""
    task.push_request(
        id=f"test-{retries}",
        args=list(args),
        kwargs={},
        retries=retries,
        is_eager=False,
        called_directly=False,
        delivery_info={"exchange": "", "routing_key": "celery"},
    )
    try:
        return task.run(*args)
    finally:
        task.pop_request()


def test_in_the_web_process_a_failed_send_is_not_retried_there_and_then(
    settings, caplog
):
    """Run eagerly (no broker: the web process, after the checkout's commit), a failed
    send is tried once, logged and left owed for the sweep: the buyer's request does not
    wait through retries."""
    order = settled()
    settings.EMAIL_BACKEND = mailers.FAILING
    mailers.FailingBackend.attempts = 0

    result = send_order_confirmation.apply(args=[order.pk])

    assert result.state == "SUCCESS" and result.get() is False
    assert mailers.FailingBackend.attempts == 1
    assert f"The confirmation of order {order.pk} failed" in caplog.text
    order.refresh_from_db()
    assert order.confirmation_sent_at is None
    assert confirmations_owed(now=timezone.now() + CONFIRMATION_SETTLE * 2) == [
        order.pk
    ]


@pytest.mark.parametrize(("retries", "countdown"), [(0, 30), (1, 60), (3, 240)])
def test_in_a_worker_a_failed_send_asks_for_a_retry_with_backoff(
    broker, settings, retries, countdown
):
    """In a worker, an SMTP error makes the task ask for a retry: it goes back on the
    queue, due after the backoff (30 s, then twice as long each time); the mail stays
    owed and the sweep leaves it to that retry."""
    order = settled()
    settings.EMAIL_BACKEND = mailers.FAILING
    started = timezone.now()

    with pytest.raises(Retry) as retry:
        run_in_worker(send_order_confirmation, order.pk, retries=retries)

    assert retry.value.when == countdown
    [(headers, args)] = queued(broker)
    assert (headers["task"], args, headers["retries"]) == (
        TASK,
        [order.pk],
        retries + 1,
    )
    eta = datetime.fromisoformat(headers["eta"])
    assert started + timedelta(seconds=countdown) <= eta
    assert eta <= timezone.now() + timedelta(seconds=countdown)
    order.refresh_from_db()
    assert order.confirmation_sent_at is None
    assert order.confirmation_due_at >= started + timedelta(seconds=countdown)
    assert confirmations_owed() == []


def test_once_its_retries_are_spent_the_task_leaves_the_mail_to_the_sweep(
    broker, settings, caplog
):
    """The eighth retry failing too asks for no ninth: logged, nothing queued, and the
    sweep sends the mail once the settling time has passed."""
    order = settled()
    settings.EMAIL_BACKEND = mailers.FAILING

    assert run_in_worker(send_order_confirmation, order.pk, retries=8) is False

    assert queued(broker) == []
    assert f"The confirmation of order {order.pk} failed" in caplog.text
    assert confirmations_owed() == []
    later = timezone.now() + CONFIRMATION_SETTLE + timedelta(seconds=1)
    assert confirmations_owed(now=later) == [order.pk]


def test_the_sweep_queues_exactly_the_owed_confirmations(broker):
    """send_owed_confirmations queues one task per owed mail, and none for a fresh
    order (its checkout's task is on its way), an ancient one, a cancelled one or one
    already sent."""
    due = settled()
    owed(placed_ago=timedelta(minutes=1), due_ago=timedelta(minutes=1))
    owed(placed_ago=timedelta(days=3), due_ago=timedelta(days=3))
    settled(status=Order.Status.CANCELLED)
    settled(sent=True)

    assert send_owed_confirmations.apply().get() == 1

    assert [(h["task"], args) for h, args in queued(broker)] == [(TASK, [due.pk])]
    assert mail.outbox == []


def test_the_sweep_sends_an_owed_mail_once():
    """Without a broker the sweep's tasks run at once: the owed mail goes out, and the
    next sweep finds nothing owed."""
    order = settled()

    assert send_owed_confirmations.apply().get() == 1
    assert send_owed_confirmations.apply().get() == 0

    assert [m.to for m in mail.outbox] == [[order.email]]
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None


def test_one_address_refused_for_good_does_not_hold_up_the_sweep(settings):
    """Each owed mail is its own task: one address refused for good is given up alone,
    the others are sent."""
    settings.EMAIL_BACKEND = mailers.REFUSING_ONE
    first, refused, last = settled(), settled(email="refused@example.com"), settled()

    assert send_owed_confirmations.apply().get() == 3

    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, last.email])
    refused.refresh_from_db()
    assert refused.confirmation_due_at is None and refused.confirmation_sent_at is None
    for order in (first, last):
        assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None


def test_expire_unpaid_orders_cancels_and_restocks_stale_pending_orders(settings):
    """The periodic expiry cancels pending orders unpaid after the timeout and puts
    their stock back; a fresh pending order and a paid one stay."""
    settings.SHOP_ORDER_PAYMENT_TIMEOUT = 30
    product = ProductFactory(stock=0)
    stale = order_with(products_and_quantities=[(product, 2)])
    fresh = order_with(products_and_quantities=[(product, 1)])
    paid = order_with(products_and_quantities=[(product, 1)], status=Order.Status.PAID)
    Order.objects.filter(pk__in=[stale.pk, paid.pk]).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )

    assert expire_unpaid_orders.apply().get() == 1

    assert dict(Order.objects.values_list("pk", "status")) == {
        stale.pk: Order.Status.CANCELLED,
        fresh.pk: Order.Status.PENDING,
        paid.pk: Order.Status.PAID,
    }
    assert variant_of(product).stock == 2
    assert StockMovement.objects.filter(order=stale, reason="cancel").count() == 1
    assert expire_unpaid_orders.apply().get() == 0


@pytest.fixture
def celery_logging_untouched():
    """The worker leaves the test's logging as it is (no root logger taken over)."""

    def keep(**kwargs):
        pass

    setup_logging.connect(keep)
    yield
    setup_logging.disconnect(keep)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # the worker's connection sees what committed
def test_a_worker_sends_the_confirmation_of_an_order_placed_through_the_api(
    broker, api_client, celery_logging_untouched, monkeypatch
):
    """With a broker, the checkout only queues the confirmation; a Celery worker takes
    the task, sends the mail and records it as sent."""
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")  # the worker's start-up system checks
    cart = cart_with([(ProductFactory(name="Kettle", price=Decimal("30.00")), 1)])

    with start_worker(broker, perform_ping_check=False, shutdown_timeout=30):
        response = api_client.post(
            "/api/v1/orders/",
            {
                "email": "worker@example.com",
                "shipping_name": "Grace Hopper",
                "shipping_address": "1 Harbour Way",
            },
            format="json",
            HTTP_X_CART_TOKEN=cart.token,
        )
        assert response.status_code == 201, response.json()
        order = Order.objects.get(number=response.json()["number"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            order.refresh_from_db()
            if mail.outbox and order.confirmation_sent_at is not None:
                break
            time.sleep(0.05)

    assert [m.to for m in mail.outbox] == [["worker@example.com"]]
    assert order.number in mail.outbox[0].subject
    assert "1 x Kettle" in mail.outbox[0].body
    assert order.confirmation_sent_at is not None
    assert queued(broker) == []
