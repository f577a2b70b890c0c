"""The order confirmation (orders.notifications): queued when the checkout commits and
sent once, with the order's content and link; never for a failed checkout or a cancelled
order; left owed by a failed send (given up for an address refused for good); and what
the sweep finds owed."""

import smtplib
import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core import mail
from django.utils import timezone

from cart.tests.factories import tee, variant
from catalog.tests.factories import ProductFactory
from coupons.models import Coupon
from orders.checkout import order_place
from orders.models import Order
from orders.notifications import (
    CONFIRMATION_GIVE_UP,
    CONFIRMATION_SETTLE,
    confirmations_owed,
    order_send_confirmation,
)
from orders.status import order_cancel
from orders.tasks import send_order_confirmation, send_owed_confirmations
from orders.tests import mailers
from orders.tests.carts import cart_with
from orders.tests.factories import OrderFactory, OrderItemFactory
from orders.tests.threads import run_concurrently
from shop.exceptions import CheckoutConflict, EmptyCart

pytestmark = pytest.mark.django_db

SITE = "https://shop.example.com"
# Celery flags an eager task's own subtasks as "inside a task" process-wide: another
# thread's result then looks like a subtask's to .get(), which is not the case here.
ANY_THREAD = {"disable_sync_subtasks": False}


def checkout(*, user=None, email="buyer@example.com", lines=None, coupon=None):
    """A real checkout of a cart holding ``lines`` (default: 2 Teapots at 12.00)."""
    lines = lines or [(ProductFactory(name="Teapot", price=Decimal("12.00")), 2)]
    return order_place(
        cart=cart_with(lines, coupon=coupon, user=user),
        user=user,
        email=email,
        shipping_name="Grace Hopper",
        shipping_address="1 Harbour Way\nArlington",
    ).order


def owed(*, placed_ago: timedelta, due_ago: timedelta | None, sent=False, **fields):
    """An order placed ``placed_ago``, its mail due since ``due_ago`` (None: owes none)."""
    order = OrderFactory(**fields)
    OrderItemFactory(order=order, product_name="Teapot", quantity=2)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        created_at=now - placed_ago,
        confirmation_due_at=None if due_ago is None else now - due_ago,
        confirmation_sent_at=now - placed_ago if sent else None,
    )
    return Order.objects.get(pk=order.pk)


def settled(**fields):
    """An order whose mail has been owed for longer than the sweep leaves to its task."""
    ago = CONFIRMATION_SETTLE + timedelta(minutes=5)
    return owed(placed_ago=ago, due_ago=ago, **fields)


def test_the_confirmation_is_queued_on_commit_and_sent_once_with_the_order(
    django_capture_on_commit_callbacks, settings
):
    """Nothing goes out before the checkout commits; then one mail, plain text and HTML,
    with the order's number, items and totals (as the order holds them), recorded as
    sent; any further send of it (a retry, the sweep) sends nothing."""
    settings.SHOP_TAX_RATE = Decimal("0.0825")
    Coupon.objects.create(code="TEN", percent_off=Decimal("10"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = checkout(coupon="TEN")
        assert mail.outbox == []
    assert callbacks

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"]
    assert message.subject == f"Corner Shop: order {order.number} received"
    # 2 x 12.00 = 24.00; 10% off: 2.40; tax 8.25% of 21.60: 1.78; total 23.38.
    for line in (
        "Hello Grace Hopper,",
        "2 x Teapot at 12.00 = 24.00 USD",
        "Subtotal: 24.00 USD",
        "Discount (TEN): -2.40 USD",
        "Tax: 1.78 USD",
        "Total: 23.38 USD",
        "1 Harbour Way\nArlington",
    ):
        assert line in message.body, line
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f"<strong>{order.number}</strong>" in html and "Teapot" in html
    assert "<strong>23.38 USD</strong>" in html
    order.refresh_from_db()
    assert order.total == Decimal("23.38") and order.confirmation_sent_at is not None

    assert order_send_confirmation(order_id=order.pk) is False
    assert send_order_confirmation.apply(args=[order.pk]).get() is False
    assert len(mail.outbox) == 1


def test_the_confirmation_names_each_variant_with_its_option_values(
    django_capture_on_commit_callbacks,
):
    """Two variants of one tee are two lines of the mail, text and HTML, each named
    with its option values ("Tee — M / Red")."""
    shirt = tee(price=Decimal("20.00"))
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        checkout(lines=[(red, 2), (blue, 1)])

    message = mail.outbox[0]
    assert "2 x Tee — M / Red at 20.00 = 40.00 USD" in message.body
    assert "1 x Tee — S / Blue at 20.00 = 20.00 USD" in message.body
    html = message.alternatives[0][0]
    assert "<td>Tee — M / Red</td>" in html and "<td>Tee — S / Blue</td>" in html


def test_a_guests_confirmation_links_to_the_order_with_its_token(
    django_capture_on_commit_callbacks, settings
):
    """With SHOP_SITE_URL, a guest's mail links to the order's page with the order's
    token (which opens it in any browser), in the text and as the HTML's link."""
    settings.SHOP_SITE_URL = SITE
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout()
    link = f"{SITE}/orders/{order.number}/?token={order.access_token}"
    assert f"See it, and pay for it, at {link}" in mail.outbox[0].body
    assert f'href="{link}"' in mail.outbox[0].alternatives[0][0]


def test_a_users_confirmation_links_through_the_sign_in_page(
    django_capture_on_commit_callbacks, settings, customer
):
    """A signed-in customer's mail links to the sign-in page, which leads on to the
    order; it carries no token."""
    settings.SHOP_SITE_URL = SITE
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout(user=customer, email=customer.email)
    link = f"{SITE}/accounts/login/?next={quote(order.get_absolute_url(), safe='')}"
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert link in message.body and f'href="{link}"' in message.alternatives[0][0]
    assert order.access_token not in message.body


def test_without_a_site_url_the_confirmation_has_no_link(
    django_capture_on_commit_callbacks, settings
):
    """Without SHOP_SITE_URL there is no address to link to: the mail has no link."""
    settings.SHOP_SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout()
    message = mail.outbox[0]
    assert order.number in message.body
    assert "http" not in message.body and "<a " not in message.alternatives[0][0]


@pytest.mark.parametrize("problem", ["short", "empty"])
def test_nothing_is_sent_when_the_checkout_fails(
    django_capture_on_commit_callbacks, problem
):
    """A refused checkout (a stock conflict, an empty cart) queues and sends nothing."""
    lines = [(ProductFactory(stock=1), 2)] if problem == "short" else []
    expected = CheckoutConflict if problem == "short" else EmptyCart
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(expected):
            order_place(
                cart=cart_with(lines),
                email="buyer@example.com",
                shipping_name="A",
                shipping_address="B",
            )
    assert callbacks == []
    assert mail.outbox == []
    assert not Order.objects.exists()


def test_an_order_cancelled_before_its_mail_goes_gets_none(
    django_capture_on_commit_callbacks,
):
    """The confirmation asks the buyer to pay: an order cancelled before its task ran
    is not mailed, and the sweep does not find it owed."""
    with django_capture_on_commit_callbacks() as callbacks:
        order = checkout()
    order_cancel(order=order)
    for callback in callbacks:
        callback()

    assert mail.outbox == []
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is None
    assert confirmations_owed(now=timezone.now() + CONFIRMATION_SETTLE * 2) == []


def test_a_failed_send_at_checkout_leaves_the_mail_owed(
    django_capture_on_commit_callbacks, settings, caplog
):
    """The mail server failing (an SMTP error) costs the checkout nothing: the order
    stands, the failure is logged and the mail stays owed; the next send delivers it."""
    settings.EMAIL_BACKEND = mailers.FAILING
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout()

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.confirmation_sent_at is None and order.confirmation_due_at is not None
    assert f"The confirmation of order {order.pk} failed" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert order_send_confirmation(order_id=order.pk) is True
    assert [m.to for m in mail.outbox] == [["buyer@example.com"]]
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None


def test_a_failed_send_is_left_to_its_retry_by_the_sweep(settings):
    """A failed send is due again when its sender will retry it: the sweep does not
    queue it beside that retry, only once the retry is overdue (a lost task)."""
    order = settled()
    settings.EMAIL_BACKEND = mailers.FAILING
    assert confirmations_owed() == [order.pk]
    started = timezone.now()

    with pytest.raises(smtplib.SMTPServerDisconnected):
        order_send_confirmation(order_id=order.pk, retry_in=timedelta(minutes=2))

    order.refresh_from_db()
    assert order.confirmation_sent_at is None
    assert order.confirmation_due_at >= started + timedelta(minutes=2)
    assert confirmations_owed() == []
    overdue = order.confirmation_due_at + CONFIRMATION_SETTLE + timedelta(seconds=1)
    assert confirmations_owed(now=overdue) == [order.pk]


def test_an_address_refused_for_good_is_given_up(settings, caplog):
    """A 5xx refusal of the recipient (no such mailbox) is not retried for two days:
    the order owes no mail any more, and the refusal is logged."""
    order = settled()
    settings.EMAIL_BACKEND = mailers.REFUSING

    assert order_send_confirmation(order_id=order.pk) is False

    order.refresh_from_db()
    assert order.confirmation_due_at is None and order.confirmation_sent_at is None
    assert f"refused order {order.pk}'s address for good" in caplog.text
    assert confirmations_owed(now=timezone.now() + timedelta(hours=1)) == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert order_send_confirmation(order_id=order.pk) is False
    assert mail.outbox == []


def test_a_temporary_refusal_keeps_the_mail_owed(settings):
    """A 4xx refusal (greylisting) is a failure to try again, not a give-up."""
    order = settled()
    settings.EMAIL_BACKEND = mailers.GREYLISTING

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        order_send_confirmation(order_id=order.pk)

    assert Order.objects.get(pk=order.pk).confirmation_due_at is not None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert order_send_confirmation(order_id=order.pk) is True
    assert len(mail.outbox) == 1


def test_the_mail_owed_is_what_the_sweep_finds():
    """Owed: unsent, past the settling time left to the checkout's task, of an order
    under two days old and not cancelled; oldest first. Not: a fresh one, an ancient
    one, one from before the field, a cancelled one, one sent."""
    due = settled()
    older = owed(placed_ago=timedelta(hours=2), due_ago=timedelta(hours=1, minutes=59))
    owed(placed_ago=timedelta(minutes=1), due_ago=timedelta(minutes=1))  # fresh
    ancient = CONFIRMATION_GIVE_UP + timedelta(hours=1)
    owed(placed_ago=ancient, due_ago=ancient)
    owed(placed_ago=timedelta(hours=1), due_ago=None)  # from before the field
    settled(status=Order.Status.CANCELLED)
    settled(sent=True)

    assert confirmations_owed() == [older.pk, due.pk]


@pytest.mark.django_db(transaction=True)
def test_the_task_and_the_sweep_at_once_send_one_mail(settings):
    """The checkout's task and the sweep sending the same owed mail at once (a slow
    mail server): one sends it, the other finds it claimed."""
    settings.EMAIL_BACKEND = mailers.SLOW
    order = settled()

    results = run_concurrently(
        2,
        lambda i: (
            send_order_confirmation.apply(args=[order.pk]).get(**ANY_THREAD)
            if i == 0
            else send_owed_confirmations.apply().get(**ANY_THREAD)
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert [m.to for m in mail.outbox] == [[order.email]]
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_five_senders_at_once_send_one_mail(settings):
    """However many senders race for one mail, exactly one sends it."""
    settings.EMAIL_BACKEND = mailers.SLOW
    order = settled()

    results = run_concurrently(5, lambda i: order_send_confirmation(order_id=order.pk))

    assert sorted(results) == [False] * 4 + [True], results
    assert len(mail.outbox) == 1


def test_without_a_broker_a_silent_mail_server_costs_the_checkout_at_most_the_timeout(
    django_capture_on_commit_callbacks, settings, caplog
):
    """Without a broker the confirmation is sent in the web process after the commit:
    a mail server that takes the connection and never greets fails the send after
    EMAIL_TIMEOUT, logged; the order stands and the mail stays owed."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        # Should the timeout not apply, the send ends when this watchdog closes the
        # server (a reset, not "timed out"), so the test fails instead of hanging.
        watchdog = threading.Timer(20, silent.close)
        watchdog.start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = silent.getsockname()
        settings.EMAIL_TIMEOUT = 0.2
        try:
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                order = checkout()
            took = time.monotonic() - started
        finally:
            watchdog.cancel()

    assert took < 5  # about the 0.2 s timeout, far from the watchdog's 20
    failures = [r for r in caplog.records if r.name == "orders.tasks"]
    assert len(failures) == 1 and "timed out" in failures[0].getMessage()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.confirmation_sent_at is None and order.confirmation_due_at is not None
