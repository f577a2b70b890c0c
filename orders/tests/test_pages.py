"""Checkout, the order page with its Pay form, and the order history."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cart.tests.factories import variant_of
from catalog.models import StockMovement
from catalog.stock import stock_adjust
from catalog.tests.factories import ProductFactory
from coupons.tests.factories import CouponFactory
from orders.models import Order
from orders.tests.storefront import (
    SHIPPING,
    cart_lines,
    checkout_token,
    fill_cart,
    messages_of,
    placed_order,
)

pytestmark = pytest.mark.django_db


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client):
    """Checkout of an empty cart sends the shopper to the cart with a message."""
    response = client.get(reverse("shop:checkout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert messages_of(response) == [
        "Your cart is empty: add something before checking out."
    ]


def test_checkout_form_prefills_the_signed_in_users_email(client):
    """A signed-in shopper's email and name are prefilled; the form carries a one-time token."""
    user = UserFactory(email="ada@example.com", name="Ada")
    client.force_login(user)
    fill_cart(client, ProductFactory(stock=3))

    response = client.get(reverse("shop:checkout"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="ada@example.com"' in html
    assert 'name="token"' in html
    assert "Place order" in html


def test_guest_checkout_places_the_order_and_empties_the_cart(
    client, django_capture_on_commit_callbacks
):
    """Place order makes one pending order with the cart's totals, takes the stock and
    empties the cart; the guest can see the order."""
    product = ProductFactory(price=Decimal("15.00"), stock=5)
    fill_cart(client, product, 2)
    token = checkout_token(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shop:checkout"), {**SHIPPING, "token": token})

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert (order.status, order.total, order.email) == (
        "pending",
        Decimal("30.00"),
        "guest@example.com",
    )
    assert variant_of(product).stock == 3
    assert cart_lines(client) == {}
    page = client.get(order.get_absolute_url())
    assert page.status_code == 200
    assert "Pending payment" in page.content.decode()
    assert "$30.00" in page.content.decode()


def test_resubmitted_checkout_form_never_makes_a_second_order(client):
    """Posting the same form twice (double click, back and resubmit) gives one order."""
    product = ProductFactory(stock=5)
    fill_cart(client, product, 1)
    token = checkout_token(client)

    first = client.post(reverse("shop:checkout"), {**SHIPPING, "token": token})
    second = client.post(reverse("shop:checkout"), {**SHIPPING, "token": token})

    assert Order.objects.count() == 1
    assert (
        first["Location"]
        == second["Location"]
        == Order.objects.get().get_absolute_url()
    )
    assert variant_of(product).stock == 4


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("email", "This field is required."),
        ("shipping_name", "This field is required."),
        ("shipping_address", "This field is required."),
    ],
)
def test_checkout_with_a_missing_field_shows_form_errors(client, missing, message):
    """A missing field is a form error on the same page; nothing is ordered."""
    fill_cart(client, ProductFactory(stock=5))
    data = {**SHIPPING, "token": checkout_token(client), missing: ""}

    response = client.post(reverse("shop:checkout"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {missing: [message]}
    assert Order.objects.count() == 0


def test_checkout_with_a_bad_email_or_token_shows_form_errors(client):
    """A malformed email and a missing form token are form errors, not a 500."""
    fill_cart(client, ProductFactory(stock=5))

    response = client.post(
        reverse("shop:checkout"), {**SHIPPING, "email": "not-an-email"}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "token"}
    assert Order.objects.count() == 0


def test_stock_problem_at_checkout_is_a_message_on_the_cart_and_nothing_is_lost(client):
    """If stock ran out since the cart was filled, the shopper lands on the cart with the
    reason; the cart keeps its lines and no stock is taken."""
    keep = ProductFactory(name="Kept", stock=5)
    scarce = ProductFactory(name="Scarce", stock=3)
    fill_cart(client, keep, 1)
    fill_cart(client, scarce, 3)
    token = checkout_token(client)
    # Sold elsewhere meanwhile.
    stock_adjust(
        variant=variant_of(scarce), delta=-2, reason=StockMovement.Reason.ADJUSTMENT
    )

    response = client.post(reverse("shop:checkout"), {**SHIPPING, "token": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert messages_of(response) == [
        "Only 1 of Scarce left.",
        "Nothing was ordered and your cart is as you left it.",
    ]
    assert Order.objects.count() == 0
    assert variant_of(keep).stock == 5
    assert cart_lines(client) == {
        keep.pk: 1,
        scarce.pk: 1,
    }  # lowered by reconciliation


def test_checkout_keeps_the_coupon_discount(client):
    """The order's totals include the cart's coupon."""
    product = ProductFactory(price=Decimal("40.00"), stock=5)
    CouponFactory(code="TENOFF", percent_off=Decimal("0"), amount_off=Decimal("10.00"))
    fill_cart(client, product, 1)
    client.post(reverse("shop:cart-coupon"), {"code": "tenoff"})

    client.post(reverse("shop:checkout"), {**SHIPPING, "token": checkout_token(client)})

    order = Order.objects.get()
    assert (order.coupon_code, order.discount, order.total) == (
        "TENOFF",
        Decimal("10.00"),
        Decimal("30.00"),
    )


def test_pay_with_tok_success_marks_the_order_paid(client):
    """Paying with the test gateway's success token makes the order paid."""
    order = placed_order(client)

    response = client.post(
        reverse("shop:order-pay", args=[order.number]), {"payment_token": "tok_success"}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Payment received. Thank you for your order!"]
    order.refresh_from_db()
    assert order.status == "paid"
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="order-status">Paid<' in page
    assert "Pay $25.00" not in page


def test_pay_with_tok_decline_leaves_the_order_pending(client):
    """A declined card is a message and the order stays pending (and payable)."""
    order = placed_order(client)

    response = client.post(
        reverse("shop:order-pay", args=[order.number]), {"payment_token": "tok_decline"}
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "Payment failed: The card was declined. Your order is still waiting."
    ]
    order.refresh_from_db()
    assert order.status == "pending"
    assert "Pay $25.00" in client.get(order.get_absolute_url()).content.decode()


@pytest.mark.parametrize("token", ["", "tok_nonsense", "x" * 500])
def test_pay_with_an_empty_or_unknown_card_is_a_message(client, token):
    """An empty, unknown or absurd card token is a message, not a 500."""
    order = placed_order(client)

    response = client.post(
        reverse("shop:order-pay", args=[order.number]), {"payment_token": token}
    )

    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    order.refresh_from_db()
    assert order.status == "pending"


def test_someone_elses_order_is_404(client):
    """Another visitor cannot see or pay an order (404, never revealing it exists)."""
    order = placed_order(client)
    stranger = type(client)()

    assert stranger.get(order.get_absolute_url()).status_code == 404
    response = stranger.post(
        reverse("shop:order-pay", args=[order.number]), {"payment_token": "tok_success"}
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "pending"
    assert stranger.get("/orders/NOSUCHORDER/").status_code == 404


def test_order_history_lists_the_users_own_orders(client):
    """/orders/ needs a sign-in and lists only the signed-in user's orders."""
    assert client.get(reverse("shop:orders"))["Location"].startswith("/accounts/login/")
    user = UserFactory()
    client.force_login(user)
    mine = placed_order(client)
    other = type(client)()
    other.force_login(UserFactory())
    fill_cart(other, ProductFactory(stock=2))
    other.post(reverse("shop:checkout"), {**SHIPPING, "token": checkout_token(other)})

    response = client.get(reverse("shop:orders"))

    assert response.status_code == 200
    assert [o.number for o in response.context["orders"]] == [mine.number]
    assert mine.user_id == user.pk


def test_order_page_links_from_the_history(client):
    """A signed-in user's order page shows items, address and a Pay form."""
    client.force_login(UserFactory())
    order = placed_order(client)

    response = client.get(order.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in html
    assert 'for="id_payment_token">Card<' in html


def test_staff_cannot_pay_a_customers_order_on_the_page(client, staff_user):
    """As in the API (403): staff may open a customer's order, only the customer pays."""
    order = placed_order(client)
    staff = Client()
    staff.force_login(staff_user)
    response = staff.post(
        reverse("shop:order-pay", args=[order.number]), {"payment_token": "tok_success"}
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Only the customer can pay an order."]
    order.refresh_from_db()
    assert order.status == "pending"
