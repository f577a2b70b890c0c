"""The Stripe gateway through the real ``stripe`` library against localstripe: one
PaymentIntent per order, its minor units, the pay page's Payment Element, cancelling a
pending order's intent, and refunds at Stripe."""

from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order, Payment
from orders.payments import to_minor_units
from orders.status import order_cancel, order_pay
from orders.tests import localstripe_server as ls
from orders.tests.contract import detail, order_json
from orders.tests.factories import order_with

D = Decimal
S = Order.Status


@pytest.mark.parametrize(
    "amount,currency,minor",
    [
        ("42.53", "USD", 4253),
        ("0.10", "eur", 10),
        ("1999", "JPY", 1999),
        ("19.90", "GBP", 1990),
        ("100000000.00", "USD", 10000000000),
    ],
)
def test_minor_units_are_exact(amount, currency, minor):
    """Cents from the Decimal, whole yen for a zero-decimal currency: no float."""
    assert to_minor_units(D(amount), currency) == minor


def test_a_fraction_of_a_yen_is_refused():
    with pytest.raises(ValueError):
        to_minor_units(D("10.50"), "JPY")


@pytest.mark.django_db
def test_pay_twice_makes_one_payment_intent(stripe_shop, customer):
    """POST pay answers 200 with the order still pending and its PaymentIntent; asking
    again returns the same intent (one per order), and Stripe holds its amount in cents,
    its currency lower-case and the order's number."""
    order = order_with(
        products_and_quantities=[(ProductFactory(price=D("21.27")), 2)],
        user=customer,
        email=customer.email,
    )
    api = client_for(customer)
    first = api.post(detail(order, "pay"), {}, format="json")
    assert first.status_code == 200, first.json()
    body = first.json()
    payment = Payment.objects.get(order=order)
    assert body == order_json(order)
    assert body["status"] == "pending"
    assert body["payment"] == {
        "provider": "stripe",
        "status": "requires_payment",
        "payment_intent": payment.reference,
        "client_secret": payment.client_secret,
        "publishable_key": ls.PUBLISHABLE_KEY,
    }
    again = api.post(detail(order, "pay"), {}, format="json").json()
    assert again["payment"] == body["payment"]
    assert Payment.objects.filter(order=order).count() == 1
    intent = ls.client(stripe_shop).v1.payment_intents.retrieve(payment.reference)
    assert (intent.amount, intent.currency) == (4254, "usd")
    assert intent.metadata["order"] == order.number


@pytest.mark.django_db
def test_paying_a_cancelled_order_is_409(stripe_shop, customer):
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)],
        user=customer,
        status=S.CANCELLED,
    )
    response = client_for(customer).post(detail(order, "pay"), {}, format="json")
    assert response.status_code == 409
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_zero_total_is_paid_without_stripe(stripe_shop, customer):
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    Order.objects.filter(pk=order.pk).update(total=D("0.00"))
    response = client_for(customer).post(detail(order, "pay"), {}, format="json")
    assert response.json()["status"] == "paid" and response.json()["payment"] is None


@pytest.mark.django_db
def test_cancelling_a_pending_order_cancels_its_intent(
    stripe_shop, django_capture_on_commit_callbacks
):
    """The customer cancels: the PaymentIntent is cancelled at Stripe too."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    order_pay(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order)
    intent = ls.client(stripe_shop).v1.payment_intents.retrieve(order.payment.reference)
    assert intent.status == "canceled"


@pytest.mark.django_db
def test_staff_cancel_of_a_stripe_paid_order_refunds_at_stripe(
    stripe_shop, django_capture_on_commit_callbacks
):
    """Paid through Stripe (the buyer confirmed, the webhook came), then cancelled by
    staff: Stripe refunds the whole amount and the refund is recorded."""
    order = order_with(products_and_quantities=[(ProductFactory(price=D("12.34")), 1)])
    order_pay(order=order)
    reference = Payment.objects.get(order=order).reference
    ls.buyer_confirms(stripe_shop, reference)
    Order.objects.filter(pk=order.pk).update(status=S.PAID)
    Payment.objects.filter(order=order).update(status="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, staff=True)
    refund = order.refunds.get()
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.reference.startswith("re_")
    at_stripe = ls.client(stripe_shop).v1.refunds.retrieve(refund.reference)
    assert (at_stripe.amount, at_stripe.payment_intent) == (1234, reference)


# --- the pay page -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pay_page_mounts_the_payment_element(stripe_shop, client, customer):
    """Pay creates the intent; the order page then loads Stripe.js from STRIPE_JS_URL
    with the publishable key, the client secret and the order page as return_url."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    client.force_login(customer)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'action="/orders/' in page and "by card" in page  # no intent yet: a button
    client.post(f"/orders/{order.number}/pay/")
    payment = Payment.objects.get(order=order)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'<script src="{stripe_shop}/js.stripe.com/v3/"></script>' in page
    assert f'data-client-secret="{payment.client_secret}"' in page
    assert f'data-stripe-key="{ls.PUBLISHABLE_KEY}"' in page
    assert f'data-return-url="http://testserver/orders/{order.number}/"' in page
    assert 'id="payment-element"' in page


@pytest.mark.django_db
def test_back_from_stripe_the_payment_shows_processing(stripe_shop, client, customer):
    """Back on return_url after confirming, before the webhook: Stripe is asked, and the
    page says the payment is processing; the order is still pending."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    client.force_login(customer)
    client.post(f"/orders/{order.number}/pay/")
    payment = Payment.objects.get(order=order)
    ls.buyer_confirms(stripe_shop, payment.reference)
    page = client.get(
        order.get_absolute_url(),
        {"payment_intent": payment.reference, "redirect_status": "succeeded"},
    ).content.decode()
    assert "payment processing" in page
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("processing", S.PENDING)


@pytest.mark.django_db
def test_a_forged_return_changes_nothing(stripe_shop, client, customer):
    """A made-up payment_intent on the return address is not asked about."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    client.force_login(customer)
    client.post(f"/orders/{order.number}/pay/")
    client.get(order.get_absolute_url(), {"payment_intent": "pi_forged"})
    assert Payment.objects.get(order=order).status == "requires_payment"
