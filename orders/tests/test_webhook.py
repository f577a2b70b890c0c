"""POST /payments/stripe/webhook/: Stripe's signed events, acted on once. Events are
signed here with STRIPE_WEBHOOK_SECRET as Stripe signs them; the PaymentIntents are
localstripe's, through the real stripe library."""

import logging
import time
from decimal import Decimal

import pytest
from django.core import mail

from catalog.tests.factories import ProductFactory
from orders.models import Order, Payment, PaymentEvent
from orders.status import order_cancel, order_pay
from orders.tests import localstripe_server as ls
from orders.tests.factories import order_with

D = Decimal
S = Order.Status
URL = "/payments/stripe/webhook/"


@pytest.fixture
def intent_order(stripe_shop):
    """A pending order of 12.34 USD with its PaymentIntent, which the buyer confirmed."""
    order = order_with(products_and_quantities=[(ProductFactory(price=D("12.34")), 1)])
    order_pay(order=order)
    payment = Payment.objects.get(order=order)
    intent = ls.buyer_confirms(stripe_shop, payment.reference)
    order.intent = intent.to_dict()
    return order


def post(client, payload: bytes, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        signature = ls.signature(payload)
    if signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return client.post(URL, payload, content_type="application/json", **headers)


def _state(order):
    order.refresh_from_db()
    return order.status, Payment.objects.get(order=order).status


@pytest.mark.django_db
def test_succeeded_marks_the_order_paid_once(client, intent_order):
    """payment_intent.succeeded with the intent's amount and currency: paid. The same
    event again (a replay), and a second event of the same success: 200, no change."""
    event = ls.event("payment_intent.succeeded", intent_order.intent, "evt_1")
    response = post(client, event)
    assert response.status_code == 200 and response.json()["outcome"] == "paid"
    assert _state(intent_order) == (S.PAID, "succeeded")
    paid_at = intent_order.paid_at
    assert post(client, event).json()["outcome"] == "duplicate"
    other = ls.event("payment_intent.succeeded", intent_order.intent, "evt_2")
    assert post(client, other).json()["outcome"] == "ignored"
    intent_order.refresh_from_db()
    assert intent_order.paid_at == paid_at
    assert PaymentEvent.objects.filter(order=intent_order).count() == 2


@pytest.mark.django_db
def test_failed_after_succeeded_changes_nothing(client, intent_order):
    """Out of order: a failure arriving after the success leaves the order paid."""
    post(client, ls.event("payment_intent.succeeded", intent_order.intent))
    late = post(client, ls.event("payment_intent.payment_failed", intent_order.intent))
    assert late.status_code == 200
    assert _state(intent_order) == (S.PAID, "succeeded")


@pytest.mark.django_db
def test_payment_failed_leaves_the_order_pending_to_pay_again(
    client, intent_order, customer
):
    """payment_failed: the order stays pending, payment failed; paying again returns
    the same intent, ready to be confirmed again, and then its success pays."""
    post(client, ls.event("payment_intent.payment_failed", intent_order.intent))
    assert _state(intent_order) == (S.PENDING, "failed")
    reference = Payment.objects.get(order=intent_order).reference
    order_pay(order=intent_order)
    payment = Payment.objects.get(order=intent_order)
    assert (payment.reference, payment.status) == (reference, "requires_payment")
    post(client, ls.event("payment_intent.succeeded", intent_order.intent))
    assert _state(intent_order) == (S.PAID, "succeeded")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change", [{"amount": 1233, "amount_received": 1233}, {"currency": "eur"}]
)
def test_a_wrong_amount_or_currency_changes_nothing(
    client, intent_order, caplog, change
):
    """A success for another amount or currency than the order's: 200, logged as an
    error, the order still pending."""
    intent = {**intent_order.intent, **change}
    with caplog.at_level(logging.ERROR, logger="orders.payments.events"):
        response = post(client, ls.event("payment_intent.succeeded", intent))
    assert response.status_code == 200 and response.json()["outcome"] == "mismatch"
    assert _state(intent_order) == (S.PENDING, "requires_payment")
    assert intent_order.number in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "t=1,v1=00",
        "garbage",
        ls.signature(b"another body"),
        ls.signature(b"x", secret="whsec_someone_else"),
    ],
    # Fixed ids: the signed ones hold a timestamp, and xdist's workers must agree.
    ids=["missing", "empty", "wrong", "garbage", "other-body", "other-secret"],
)
def test_a_bad_or_missing_signature_is_400(client, intent_order, signature):
    """Unsigned, signed for another body or with another secret: 400, nothing done."""
    payload = ls.event("payment_intent.succeeded", intent_order.intent)
    response = post(client, payload, signature)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"
    assert _state(intent_order) == (S.PENDING, "requires_payment")
    assert not PaymentEvent.objects.exists()


@pytest.mark.django_db
def test_an_old_signature_is_400(client, intent_order):
    """A correctly signed event from long ago (a replayed capture) is refused."""
    payload = ls.event("payment_intent.succeeded", intent_order.intent)
    response = post(client, payload, ls.signature(payload, at=int(time.time()) - 3600))
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"id": "evt_x"}', b"\xff"])
def test_a_malformed_body_is_400(client, stripe_shop, body):
    """Signed but not an event: 400, never a 500."""
    assert post(client, body).status_code == 400


@pytest.mark.django_db
def test_the_webhook_takes_only_post(client, stripe_shop):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db
def test_events_the_shop_does_not_act_on_are_200(client, intent_order):
    """Another type, an unknown PaymentIntent: 200, recorded, nothing changes."""
    other = post(
        client, ls.event("charge.refunded", {"id": "ch_1", "object": "charge"})
    )
    unknown = post(
        client,
        ls.event("payment_intent.succeeded", {**intent_order.intent, "id": "pi_nope"}),
    )
    assert (other.status_code, unknown.status_code) == (200, 200)
    assert _state(intent_order) == (S.PENDING, "requires_payment")


@pytest.mark.django_db(transaction=True)
def test_success_after_cancel_is_refunded(client, intent_order, stripe_shop):
    """The order was cancelled (or expired) while the buyer paid: the success refunds
    the payment at Stripe, recorded as a refund; the order stays cancelled."""
    order_cancel(order=intent_order)  # its intent's cancel fails: confirmed already
    mail.outbox = []
    response = post(client, ls.event("payment_intent.succeeded", intent_order.intent))
    assert response.json()["outcome"] == "refunded"
    intent_order.refresh_from_db()
    assert intent_order.status == S.CANCELLED
    assert intent_order.refunded_total == intent_order.total == D("12.34")
    refund = intent_order.refunds.get()
    assert (refund.amount, refund.status) == (D("12.34"), "succeeded")
    at_stripe = ls.client(stripe_shop).v1.refunds.retrieve(refund.reference)
    assert at_stripe.amount == 1234
    assert [m.subject for m in mail.outbox] == [
        f"Corner Shop: a refund on order {intent_order.number}"
    ]


@pytest.mark.django_db
def test_the_webhook_is_not_throttled_or_csrf_checked(stripe_shop, intent_order):
    """No CSRF token, many events in a row: every one is answered."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for _ in range(40):
        event = ls.event("payment_intent.payment_failed", intent_order.intent)
        assert post(client, event).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_same_event_twice_at_once_acts_once(intent_order):
    """Stripe delivers an event twice at the same moment: one request acts, the other
    waits on the event's unique row and then changes nothing."""
    from django.test import Client

    from orders.tests.threads import run_concurrently

    event = ls.event("payment_intent.succeeded", intent_order.intent, "evt_twice")
    results = run_concurrently(2, lambda i: post(Client(), event).json()["outcome"])
    assert sorted(results) == ["duplicate", "paid"], results
    assert _state(intent_order) == (S.PAID, "succeeded")
    assert PaymentEvent.objects.filter(event_id="evt_twice").count() == 1
