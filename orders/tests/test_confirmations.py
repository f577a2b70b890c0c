"""Confirmation mail: owed from the checkout, recorded when sent, never sent by two
senders at once; what a failed send or a stopped worker left owed is sent by
send_confirmations."""

import itertools
import re
import signal
import smtplib
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from smtplib import SMTPRecipientsRefused
from unittest.mock import patch

import psycopg2
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from orders import services as orders_services
from orders.management.commands.send_confirmations import StopFlag
from orders.models import Order
from orders.services import (
    CONFIRMATION_LOCK,
    CONFIRMATION_RETRY,
    CONFIRMATION_SETTLE,
    CONFIRMATIONS_RUN_LOCK,
    _send_owed_confirmations,
    confirmations_watch,
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


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient with ``code``."""

    code = 550

    def send_messages(self, messages):
        address = messages[0].to[0]
        raise SMTPRecipientsRefused({address: (self.code, b"no such mailbox")})


class GreylistingBackend(RefusingBackend):
    code = 451


_ADDRESSES = itertools.count()


def _order(*, placed_ago: timedelta, due_ago: timedelta | None, sent=False, **extra):
    # An address of its own: which order a mail went to shows in its recipient.
    email = f"{placed_ago.total_seconds():.0f}-{next(_ADDRESSES)}@example.com"
    order = OrderFactory(email=email, **extra)
    OrderItemFactory(order=order, product_name="Teapot", quantity=2)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        created_at=now - placed_ago,
        confirmation_due_at=None if due_ago is None else now - due_ago,
        confirmation_sent_at=now - placed_ago if sent else None,
    )
    return Order.objects.get(pk=order.pk)


def _settled(**kwargs):
    ago = CONFIRMATION_SETTLE + timedelta(minutes=5)
    return _order(placed_ago=ago, due_ago=ago, **kwargs)


class _OtherSession:
    """Another PostgreSQL session (another worker, another run) holding a lock."""

    def __init__(self, namespace, key):
        params = connection.get_connection_params()
        self.conn = psycopg2.connect(
            **{
                k: v
                for k, v in params.items()
                if k in ("dbname", "host", "port", "user", "password")
            }
        )
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [namespace, key])

    def close(self):
        # Released before closing: a closed session's locks go only once its server
        # process has noticed, which a busy machine can delay past the next statement.
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        self.conn.close()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the senders' locks are PostgreSQL's"
)


def _checkout(email="a@example.com"):
    return order_place(
        cart=cart_with([(ProductFactory(), 1)]),
        email=email,
        shipping_name="A",
        shipping_address="B",
    ).order


def test_a_checkout_owes_its_confirmation_and_records_it_once_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout()
    assert len(mail.outbox) == 1
    order.refresh_from_db()
    assert order.confirmation_due_at is not None
    assert order.confirmation_sent_at is not None


def test_a_failed_send_leaves_the_mail_owed(
    django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.confirmation_due_at is not None
    assert order.confirmation_sent_at is None


def test_owed_mail_past_the_settling_time_is_sent_once():
    """Only settled, owed mail of orders under 2 days old and not cancelled; each once,
    with the order's items."""
    due = _settled()
    fresh = _order(placed_ago=timedelta(minutes=1), due_ago=timedelta(minutes=1))
    ancient = _order(placed_ago=timedelta(days=3), due_ago=timedelta(days=3))
    before_the_field = _order(placed_ago=timedelta(hours=1), due_ago=None)
    cancelled = _settled(status=Order.Status.CANCELLED)
    already = _settled(sent=True)

    assert orders_send_confirmations() == (1, 0)

    assert [m.to for m in mail.outbox] == [[due.email]]
    assert due.number in mail.outbox[0].subject
    assert "2 x Teapot" in mail.outbox[0].body
    assert Order.objects.get(pk=due.pk).confirmation_sent_at is not None
    for left in (fresh, ancient, before_the_field, cancelled):
        assert Order.objects.get(pk=left.pk).confirmation_sent_at is None
    assert (
        Order.objects.get(pk=already.pk).confirmation_sent_at
        == already.confirmation_sent_at
    )
    assert orders_send_confirmations() == (0, 0)  # nothing twice


def _later(after=CONFIRMATION_RETRY):
    return timezone.now() + after + timedelta(seconds=1)


def test_a_failed_send_is_tried_again_once_its_retry_time_has_come(settings):
    order = _settled()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    assert orders_send_confirmations() == (0, 1)
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is None

    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    # Not at once (a watching worker would hammer a failing server every second) ...
    assert orders_send_confirmations() == (0, 0)
    assert orders_send_confirmations(now=_later(), settle=timedelta(0)) == (1, 0)
    assert [m.to for m in mail.outbox] == [[order.email]]


def test_a_sender_finds_mail_sent_meanwhile_and_sends_nothing():
    """Listed as owed, then sent by another sender before this one's turn: the check
    under the lock sees it sent."""
    order = _settled()
    Order.objects.filter(pk=order.pk).update(confirmation_sent_at=timezone.now())

    assert _send_owed_confirmations([order.pk]).sent == 0
    assert mail.outbox == []


def test_a_checkouts_job_sends_nothing_for_an_order_cancelled_meanwhile():
    order = _settled(status=Order.Status.CANCELLED)
    assert _send_owed_confirmations([order.pk], links={order.pk: ""}).sent == 0
    assert mail.outbox == []


@postgresql_only
def test_a_mail_being_sent_by_another_sender_is_not_sent_again():
    """The checkout's thread still sending (a slow mail server) when the run comes:
    the run skips the mail, and sends it later if it is still owed."""
    order = _settled()
    other = _OtherSession(CONFIRMATION_LOCK, order.pk)
    try:
        assert orders_send_confirmations() == (0, 0)
        assert _send_owed_confirmations([order.pk]).sent == 0
        assert mail.outbox == []
    finally:
        other.close()
    assert orders_send_confirmations() == (1, 0)


@postgresql_only
def test_a_run_while_another_runs_sends_nothing(capsys):
    """Two runs at once (a slow cron run overlapping the next): the second finds the
    first's lock and says so."""
    _settled()
    other = _OtherSession(CONFIRMATIONS_RUN_LOCK, 0)
    try:
        assert orders_send_confirmations() is None
        call_command("send_confirmations")
        assert "Another send_confirmations is running" in capsys.readouterr().out
        assert mail.outbox == []
    finally:
        other.close()
    assert orders_send_confirmations() == (1, 0)


def test_the_command_reports_and_fails_while_a_send_fails(settings, capsys):
    _settled()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with pytest.raises(SystemExit) as exit_:
        call_command("send_confirmations")
    assert exit_.value.code == 1
    assert "1 failed and will be tried again" in capsys.readouterr().out

    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    call_command("send_confirmations")
    assert "Sent 0 confirmations." in capsys.readouterr().out  # its retry time to come
    Order.objects.update(confirmation_due_at=timezone.now() - CONFIRMATION_SETTLE * 2)
    call_command("send_confirmations")
    assert "Sent 1 confirmation." in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_records_the_mail_it_sent(settings):
    """With the thread on and a committed checkout, the thread's own connection sees
    the order, takes the mail's lock and records the mail as sent."""
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


def test_an_address_refused_for_good_is_given_up(settings, caplog):
    """A 5xx refusal of the recipient (no such mailbox) is not retried every run for
    two days: the order owes no mail any more, and the refusal is logged."""
    order = _settled()
    settings.EMAIL_BACKEND = "orders.tests.test_confirmations.RefusingBackend"

    assert orders_send_confirmations() == (0, 0)

    order.refresh_from_db()
    assert order.confirmation_due_at is None and order.confirmation_sent_at is None
    assert "refused the address of order" in caplog.text
    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    assert orders_send_confirmations() == (0, 0)
    assert mail.outbox == []


def test_a_temporary_refusal_keeps_the_mail_owed(settings):
    """A 4xx refusal (greylisting) is a failure to try again, not a give-up."""
    order = _settled()
    settings.EMAIL_BACKEND = "orders.tests.test_confirmations.GreylistingBackend"
    assert orders_send_confirmations() == (0, 1)
    order.refresh_from_db()
    assert order.confirmation_due_at is not None

    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    assert orders_send_confirmations(now=_later(), settle=timedelta(0)) == (1, 0)


class StoppingBackend(BaseEmailBackend):
    """Sends, and meanwhile the worker is told to stop (its ``stop``: the test's)."""

    stop = None

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        self.stop.set()
        return len(messages)


class RefusingOneBackend(BaseEmailBackend):
    """A mail server that refuses one address for good and takes the others."""

    def send_messages(self, messages):
        for message in messages:
            if message.to == ["refused@example.com"]:
                raise SMTPRecipientsRefused({message.to[0]: (550, b"no such mailbox")})
        mail.outbox.extend(messages)
        return len(messages)


def test_with_the_mail_worker_a_checkout_sends_nothing_and_the_worker_at_once(
    django_capture_on_commit_callbacks, settings
):
    """SHOP_MAIL_WORKER: the web request only owes the mail; send_confirmations sends
    it without the settling time left to a checkout's thread."""
    settings.SHOP_MAIL_WORKER = True
    settings.SHOP_SITE_URL = "https://shop.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout(email="worker@example.com")
    assert mail.outbox == []
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is None

    assert orders_send_confirmations() == (1, 0)
    assert [m.to for m in mail.outbox] == [["worker@example.com"]]
    assert (
        f"https://shop.example.com/orders/{order.number}/?token=" in mail.outbox[0].body
    )
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None
    assert orders_send_confirmations() == (0, 0)


def test_a_batch_costs_the_same_statements_for_one_mail_and_for_many(
    django_assert_num_queries,
):
    """A worker with a backlog spends its statements per batch, not per mail."""

    def statements_to_send(n):
        for _ in range(n):
            _settled()
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as run:
            assert orders_send_confirmations() == (n, 0)
        assert len(mail.outbox) == n
        return len(run)

    assert statements_to_send(1) == statements_to_send(7)


def test_each_mail_of_a_batch_has_its_own_outcome(settings):
    """One address refused for good in a batch: given up alone; the others are sent."""
    settings.EMAIL_BACKEND = "orders.tests.test_confirmations.RefusingOneBackend"
    first, refused, last = _settled(), _settled(), _settled()
    Order.objects.filter(pk=refused.pk).update(email="refused@example.com")

    assert orders_send_confirmations() == (2, 0)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, last.email])
    refused.refresh_from_db()
    assert refused.confirmation_sent_at is None and refused.confirmation_due_at is None
    for order in (first, last):
        assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None


@postgresql_only
def test_a_batch_skips_the_mail_another_sender_holds_and_sends_the_rest():
    held, free = _settled(), _settled()
    other = _OtherSession(CONFIRMATION_LOCK, held.pk)
    try:
        assert orders_send_confirmations() == (1, 0)
        assert [m.to for m in mail.outbox] == [[free.email]]
        assert Order.objects.get(pk=held.pk).confirmation_sent_at is None
    finally:
        other.close()
    assert orders_send_confirmations() == (1, 0)
    assert Order.objects.filter(confirmation_sent_at=None).count() == 0


def test_a_mail_server_that_cannot_be_reached_leaves_the_batch_owed(settings, caplog):
    """Refused at connecting: every mail of the pass failed, owed again after the
    retry time, and the outage logged once."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        host, port = closed.getsockname()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = host, port, 2
    orders = [_settled(), _settled()]

    assert orders_send_confirmations() == (0, 2)

    for order in orders:
        order.refresh_from_db()
        assert order.confirmation_sent_at is None
        assert order.confirmation_due_at > timezone.now()
    assert caplog.text.count("Could not reach the mail server") == 1


@pytest.fixture
def stop_while_sending(settings):
    """The watch's stop, set by the mail backend as it sends the first mail."""
    settings.EMAIL_BACKEND = "orders.tests.test_confirmations.StoppingBackend"
    settings.SHOP_MAIL_WORKER = True
    StoppingBackend.stop = threading.Event()
    yield StoppingBackend.stop
    StoppingBackend.stop = None


@pytest.mark.django_db(transaction=True)  # a pass starts by recycling old connections
def test_the_watch_stops_after_the_mail_under_way(stop_while_sending):
    """Told to stop while it sends (SIGTERM), the watch finishes that mail, records
    it, and ends: the rest of its batch stays owed, and there is no wait."""
    first, *rest = [_settled() for _ in range(3)]
    confirmations_watch(stop=stop_while_sending, interval=3600)
    assert [m.to for m in mail.outbox] == [[first.email]]
    assert Order.objects.get(pk=first.pk).confirmation_sent_at is not None
    for order in rest:
        assert Order.objects.get(pk=order.pk).confirmation_sent_at is None
        assert Order.objects.get(pk=order.pk).confirmation_due_at < timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_run_told_to_stop_starts_no_further_batch(stop_while_sending, monkeypatch):
    """Batches of one: the stop asked for during the first ends the run before the
    second is even listed."""
    monkeypatch.setattr(orders_services, "CONFIRMATION_BATCH", 1)
    batches = []
    send = orders_services._send_owed_confirmations

    def counted(pks, **kwargs):
        batches.append(pks)
        return send(pks, **kwargs)

    monkeypatch.setattr(orders_services, "_send_owed_confirmations", counted)
    first, _ = _settled(), _settled()
    assert orders_send_confirmations(stop=stop_while_sending) == (1, 0)
    assert batches == [[first.pk]]


@pytest.mark.django_db(transaction=True)
def test_the_watch_lives_through_a_database_outage(monkeypatch, caplog):
    """A pass the database fails is logged; the watch goes on to the next."""
    passes = []

    def failing_pass(**_kwargs):
        passes.append(1)
        raise OperationalError("the database is unreachable")

    class TwoPasses(threading.Event):
        def wait(self, timeout=None):
            return len(passes) >= 2

    monkeypatch.setattr(orders_services, "orders_send_confirmations", failing_pass)
    confirmations_watch(stop=TwoPasses(), interval=0.01)
    assert len(passes) == 2
    assert caplog.text.count("Sending confirmations failed") == 2


def test_the_watch_refuses_a_senseless_interval(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("send_confirmations", "--watch", "--interval", "0")
    assert exit_.value.code == 2
    assert "--interval must be above 0" in capsys.readouterr().err


def test_a_mail_given_up_or_put_off_meanwhile_is_not_sent():
    """Listed as owed, then given up (5xx) or failed and put off by another sender
    before this one's turn: the read under the lock sees its due time."""
    given_up, put_off = _settled(), _settled()
    Order.objects.filter(pk=given_up.pk).update(confirmation_due_at=None)
    Order.objects.filter(pk=put_off.pk).update(
        confirmation_due_at=timezone.now() + CONFIRMATION_RETRY
    )

    assert _send_owed_confirmations([given_up.pk, put_off.pk]).sent == 0
    assert mail.outbox == []


def test_the_run_ends_when_the_mail_server_cannot_be_reached(settings):
    """One connection attempt per run while the server is down, not one per batch:
    the first batch waits its retry time, the rest stay as they were for the next run."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        host, port = closed.getsockname()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = host, port, 2
    orders = [_settled(), _settled(), _settled()]

    with patch.object(orders_services, "CONFIRMATION_BATCH", 1):
        assert orders_send_confirmations() == (0, 1)

    due = [Order.objects.get(pk=o.pk).confirmation_due_at for o in orders]
    assert due[0] > timezone.now()
    assert due[1:] == [o.confirmation_due_at for o in orders[1:]]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_watch_lives_through_a_real_database_outage(settings, caplog):
    """The database ends the sender's session while it sends (a restart): the pass
    fails, is logged, and the next pass, on a new connection, sends the mail again
    (it was not recorded: at least once) and records it."""
    settings.EMAIL_BACKEND = "orders.tests.test_confirmations.OutageBackend"
    settings.SHOP_MAIL_WORKER = True
    order = _settled()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        OutageBackend.victim = cursor.fetchone()[0]

    class TwoMails(threading.Event):
        """Stops once two mails went out, or after ten passes (then the test fails
        rather than hangs)."""

        passes = 0

        def wait(self, timeout=None):
            self.passes += 1
            return len(mail.outbox) >= 2 or self.passes >= 10

    confirmations_watch(stop=TwoMails(), interval=0.01)

    assert [m.to for m in mail.outbox] == [[order.email]] * 2
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None
    assert "Sending confirmations failed" in caplog.text


class OutageBackend(BaseEmailBackend):
    """Sends; the first time, the database then ends the sender's session."""

    victim = None

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        if self.victim is not None:
            other = _OtherSession(CONFIRMATIONS_RUN_LOCK + 1000, 0)
            with other.conn.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [self.victim])
            other.close()
            type(self).victim = None
        return len(messages)


class _FakeSMTPServer:
    """A mail server on loopback, one connection at a time. ``slow``: how many messages
    get the answer to their DATA too late (past the sender's timeout of 1 s), after
    which it drops that connection; ``close_at_rcpt``: how many RCPTs it answers 421
    (closing, as a server shutting down does); ``mail_from``: its answer to MAIL FROM.
    ``delivered``: the recipients of the messages it took."""

    def __init__(self, *, slow=0, close_at_rcpt=0, mail_from="250 ok"):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.delivered, self.connections = [], 0
        self.slow, self.close_at_rcpt, self.mail_from = slow, close_at_rcpt, mail_from
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rb") as lines:
                self._session(conn, lines)

    def _session(self, conn, lines):
        reply = lambda text: conn.sendall(text.encode() + b"\r\n")  # noqa: E731
        reply("220 test")
        to = []
        for raw in lines:
            verb = raw.decode().strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                reply("250 test")
            elif verb.startswith("MAIL"):
                to = []
                reply(self.mail_from)
            elif verb.startswith("RCPT"):
                if self.close_at_rcpt:
                    self.close_at_rcpt -= 1
                    reply("421 shutting down")
                    return
                to.append(raw.decode().strip()[8:].strip("<>"))
                reply("250 ok")
            elif verb == "DATA":
                reply("354 go on")
                while lines.readline() not in (b".\r\n", b""):
                    pass
                self.delivered.append(to)
                if self.slow:
                    self.slow -= 1
                    time.sleep(1.5)  # past the sender's timeout of 1 s
                    return
                reply("250 queued")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("250 ok")

    def close(self):
        self.listener.close()


@pytest.fixture
def smtp_server(settings):
    """Start a _FakeSMTPServer(**options) and send the mail to it."""
    servers = []

    def start(**options):
        server = _FakeSMTPServer(**options)
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_TIMEOUT = 1
        return server

    yield start
    for server in servers:
        server.close()


def test_a_batch_goes_on_over_a_new_connection_after_a_lost_one(smtp_server):
    """A reply that comes too late costs that mail a retry (perhaps delivered: at
    least once), not the rest of the batch: they go over a new connection."""
    server = smtp_server(slow=1)
    orders = [_settled() for _ in range(4)]
    assert orders_send_confirmations() == (3, 1)
    assert server.connections == 2
    assert len(server.delivered) == 4  # the first one taken, its answer lost
    first = Order.objects.get(pk=orders[0].pk)
    assert first.confirmation_sent_at is None
    assert first.confirmation_due_at > timezone.now()
    for order in orders[1:]:
        assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None


def test_a_server_that_fails_again_on_a_new_connection_ends_the_batch(smtp_server):
    """Connected, but every answer too late: one new connection, and when that fails
    too the batch waits its retry time (not a connection and a timeout per mail)."""
    server = smtp_server(slow=100)
    orders = [_settled() for _ in range(4)]
    assert orders_send_confirmations() == (0, 4)
    assert server.connections == 2 and len(server.delivered) == 2
    for order in orders:
        assert Order.objects.get(pk=order.pk).confirmation_due_at > timezone.now()


def test_a_server_closing_with_421_gets_a_new_connection_for_the_rest(smtp_server):
    """421 to a recipient (smtplib closes the connection): that mail is tried again
    later; the next goes over a new connection instead of failing on the closed one."""
    server = smtp_server(close_at_rcpt=1)
    orders = [_settled() for _ in range(3)]
    assert orders_send_confirmations() == (2, 1)
    assert server.connections == 2 and len(server.delivered) == 2
    assert Order.objects.get(pk=orders[0].pk).confirmation_sent_at is None


def test_a_refused_sender_fails_each_mail_without_reconnecting(smtp_server):
    """A refusal of the message (here its sender) leaves the connection usable: no new
    connection, and no login storm, per mail."""
    server = smtp_server(mail_from="550 sender refused")
    orders = [_settled() for _ in range(3)]
    assert orders_send_confirmations() == (0, 3)
    assert server.connections == 1 and server.delivered == []
    for order in orders:
        assert Order.objects.get(pk=order.pk).confirmation_sent_at is None


class CancellingBackend(BaseEmailBackend):
    """Sends; with the first mail, the order ``victim`` is cancelled meanwhile."""

    victim = None

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        if self.victim is not None:
            Order.objects.filter(pk=self.victim).update(status=Order.Status.CANCELLED)
            type(self).victim = None
        return len(messages)


def test_an_order_cancelled_while_its_batch_is_sent_gets_no_mail(settings):
    """The batch looks again at its orders' status each time it records sends (every
    ten): a mail asking to pay is not sent for an order cancelled meanwhile."""
    settings.EMAIL_BACKEND = "orders.tests.test_confirmations.CancellingBackend"
    orders = [_settled() for _ in range(12)]
    CancellingBackend.victim = orders[-1].pk

    assert orders_send_confirmations() == (11, 0)
    assert len(mail.outbox) == 11
    assert Order.objects.get(pk=orders[-1].pk).confirmation_sent_at is None


def test_batches_go_on_past_the_mail_another_sender_holds(monkeypatch):
    """One order per batch, the first held by another sender: the run goes on past it
    (no list of skipped orders carried from batch to batch)."""
    if connection.vendor != "postgresql":
        pytest.skip("the senders' locks are PostgreSQL's")
    monkeypatch.setattr(orders_services, "CONFIRMATION_BATCH", 1)
    held, *free = [_settled() for _ in range(3)]
    other = _OtherSession(CONFIRMATION_LOCK, held.pk)
    try:
        assert orders_send_confirmations() == (2, 0)
    finally:
        other.close()
    assert len(mail.outbox) == 2
    assert Order.objects.get(pk=held.pk).confirmation_sent_at is None


def test_the_commands_stop_flag_is_set_by_a_signal_and_ends_the_wait():
    """SIGTERM's handler only sets an attribute (an Event's set can deadlock with the
    interrupted main thread); the wait sees it within a step."""
    flag = StopFlag()
    previous = signal.signal(signal.SIGALRM, flag.set)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        started = time.monotonic()
        assert flag.wait(30) is True
        # Far below the 30 s asked for: the wait saw the flag (not its end).
        assert time.monotonic() - started < 10
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert flag.is_set()


@pytest.mark.parametrize(
    ("exc", "lost"),
    [
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (BrokenPipeError(32, "Broken pipe"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPResponseException(421, b"closing"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (421, b"closing")}), True),
        # A refusal of this one message leaves the connection usable.
        (
            smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}),
            False,
        ),
        (smtplib.SMTPSenderRefused(553, b"bad sender", "shop@example.com"), False),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (ValueError("not the connection's"), False),
    ],
)
def test_which_send_failures_lose_the_connection(exc, lost):
    """The sender replaces the mail connection after these, and only these: the socket's
    own errors (a reset, a broken pipe, a timeout), a disconnect and a 421."""
    assert orders_services._connection_lost(exc) is lost


def test_recording_a_send_keeps_the_first_time_recorded():
    """Two records of one mail (a sender killed after sending, before recording, and
    another that sent it again) keep when it first went out."""
    first = timezone.now() - timedelta(minutes=3)
    order = OrderFactory(confirmation_sent_at=first)
    cancelled = OrderFactory(status=Order.Status.CANCELLED)

    found = orders_services._record_sent(
        [order.pk], timezone.now(), then_cancelled=[order.pk, cancelled.pk]
    )

    order.refresh_from_db()
    assert order.confirmation_sent_at == first
    assert found == {cancelled.pk}


def test_the_mail_templates_show_only_what_their_context_holds():
    """The confirmation's context holds plain dicts of named fields: a template that
    came to show another field of the order or an item would show nothing."""
    folder = Path(orders_services.__file__).parent / "templates" / "orders" / "email"
    shown = {"order": set(), "item": set()}
    for template in folder.glob("confirmation.*"):
        for kind, name in re.findall(r"\b(order|item)\.(\w+)", template.read_text()):
            shown[kind].add(name)
    assert shown["order"] and shown["item"]
    assert shown["order"] <= set(orders_services._MAILED_ORDER_FIELDS)
    assert shown["item"] <= set(orders_services._MAILED_ITEM_FIELDS)
