"""The cart page and its actions (add, update, remove, coupon), driven like a browser."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cart.tests.factories import set_price, set_stock, variant_of
from catalog.tests.factories import ProductFactory
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def _add(client, product_id, quantity=1, **extra):
    return client.post(
        reverse("shop:cart-add"),
        {"product_id": product_id, "quantity": quantity, **extra},
    )


def _put_in_cart(client, product_id, quantity=1):
    """Set-up step: add, then read the cart page (which shows and so consumes the message)."""
    assert _add(client, product_id, quantity).status_code == 302
    _cart(client)


def _cart(client) -> dict:
    response = client.get(reverse("shop:cart"))
    assert response.status_code == 200
    return response.context["summary"]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _lines(client) -> dict[int, int]:
    return {item["product_id"]: item["quantity"] for item in _cart(client)["items"]}


def test_empty_cart_page(client):
    """A visitor without a cart sees the empty cart page and a way back to the shop."""
    response = client.get(reverse("shop:cart"))

    assert response.status_code == 200
    assert "Your cart is empty" in response.content.decode()


def test_add_to_cart_redirects_to_the_cart_with_a_message(client):
    """Adding a product puts it in the visitor's session cart and says so."""
    product = ProductFactory(name="Lamp", price=Decimal("20.00"), stock=5)

    response = _add(client, product.pk, 2)

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert _messages(response) == ["Added 2 × Lamp to your cart."]
    assert _lines(client) == {product.pk: 2}
    page = client.get(reverse("shop:cart")).content.decode()
    assert "$40.00" in page
    assert 'data-testid="cart-count">2<' in page


def test_adding_again_adds_to_the_quantity(client):
    """A second add of the same product adds to the quantity already in the cart."""
    product = ProductFactory(stock=10)
    _put_in_cart(client, product.pk, 2)
    _add(client, product.pk, 3)

    assert _lines(client) == {product.pk: 5}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Choose a quantity from 1 to 999."),
        ("-1", "Choose a quantity from 1 to 999."),
        ("abc", "Enter a whole number for the quantity."),
        ("1000000000", "Choose a quantity from 1 to 999."),
        ("", "Enter a quantity."),
        ("1.5", "Enter a whole number for the quantity."),
    ],
)
def test_add_with_bad_quantity_is_refused_with_a_message(client, quantity, message):
    """Bad quantities go back to the product page with a clear message; nothing is added."""
    product = ProductFactory(stock=5)

    response = _add(client, product.pk, quantity, next=product.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert _messages(response) == [message]
    assert _lines(client) == {}


@pytest.mark.parametrize(
    "product_id", ["999999", "abc", "", "-3", "99999999999999999999999"]
)
def test_add_unknown_product_gives_a_message(client, product_id):
    """An unknown, malformed or absurd product id is a message, never a 500."""
    response = _add(client, product_id, 1)

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:catalog")
    assert len(_messages(response)) == 1
    assert _lines(client) == {}


def test_add_archived_product_gives_a_message(client):
    """An archived product cannot be added."""
    product = ProductFactory(is_active=False)

    response = _add(client, product.pk, 1)

    assert _messages(response) == [f"Product {product.pk} does not exist."]
    assert _lines(client) == {}


def test_add_more_than_the_stock_says_how_many_are_left(client):
    """Asking for more than the stock is refused with the number left."""
    product = ProductFactory(name="Vase", stock=2)

    response = _add(client, product.pk, 3, next=product.get_absolute_url())

    assert response["Location"] == product.get_absolute_url()
    assert _messages(response) == ["Only 2 of Vase left."]
    assert _lines(client) == {}


def test_next_pointing_off_site_is_ignored(client):
    """A ``next`` to another host is never followed (no open redirect)."""
    product = ProductFactory(stock=2)

    response = _add(client, product.pk, 0, next="https://evil.example/")

    assert response["Location"] == reverse("shop:catalog")


def test_update_quantity_and_zero_removes(client):
    """Update sets a line's quantity; 0 removes the line."""
    product = ProductFactory(stock=10)
    _put_in_cart(client, product.pk, 1)
    line = variant_of(product).pk
    url = reverse("shop:cart-update", args=[line])
    field = f"line{line}-quantity"

    response = client.post(url, {field: "4"})
    assert response.status_code == 302
    assert _messages(response) == ["Quantity updated."]
    assert _lines(client) == {product.pk: 4}

    response = client.post(url, {field: "0"})
    assert _messages(response) == ["The item was removed from your cart."]
    assert _lines(client) == {}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "Choose a quantity from 0 to 999."),
        ("abc", "Enter a whole number for the quantity."),
        ("1000000000", "Choose a quantity from 0 to 999."),
        ("", "Enter a quantity."),
    ],
)
def test_update_with_bad_quantity_keeps_the_line(client, quantity, message):
    """A bad quantity in the cart is a message and the line stays as it was."""
    product = ProductFactory(stock=10)
    _put_in_cart(client, product.pk, 2)
    line = variant_of(product).pk

    response = client.post(
        reverse("shop:cart-update", args=[line]), {f"line{line}-quantity": quantity}
    )

    assert response.status_code == 302
    assert _messages(response) == [message]
    assert _lines(client) == {product.pk: 2}


def test_update_above_stock_is_refused(client):
    """Setting a quantity above the stock says how many are left and keeps the line."""
    product = ProductFactory(name="Bowl", stock=3)
    _put_in_cart(client, product.pk, 1)
    line = variant_of(product).pk

    response = client.post(
        reverse("shop:cart-update", args=[line]), {f"line{line}-quantity": "5"}
    )

    assert _messages(response) == ["Only 3 of Bowl left."]
    assert _lines(client) == {product.pk: 1}


def test_remove_line_and_remove_what_is_not_there(client):
    """Remove takes the line out; removing an item not in the cart is a message."""
    product = ProductFactory(stock=10)
    _put_in_cart(client, product.pk, 1)
    url = reverse("shop:cart-remove", args=[variant_of(product).pk])

    response = client.post(url)
    assert _messages(response) == ["The item was removed from your cart."]
    assert _lines(client) == {}

    response = client.post(url)
    assert response.status_code == 302
    assert _messages(response) == ["This item is not in your cart."]


def test_apply_and_remove_a_coupon(client):
    """A valid coupon shows its discount in the totals; Remove takes it off."""
    product = ProductFactory(price=Decimal("50.00"), stock=10)
    CouponFactory(code="SAVE10", percent_off=Decimal("10"))
    _put_in_cart(client, product.pk, 2)

    response = client.post(reverse("shop:cart-coupon"), {"code": "save10"})
    assert _messages(response) == ["Coupon SAVE10 applied."]
    cart = _cart(client)
    assert cart["coupon"]["code"] == "SAVE10"
    assert (cart["subtotal"], cart["discount"], cart["total"]) == (
        "100.00",
        "10.00",
        "90.00",
    )
    assert "−$10.00" in client.get(reverse("shop:cart")).content.decode()

    response = client.post(reverse("shop:cart-coupon-remove"))
    assert _messages(response) == ["The coupon was removed."]
    assert _cart(client)["coupon"] is None


@pytest.mark.parametrize("code", ["NOPE", "", "x" * 100])
def test_unknown_or_empty_coupon_gives_a_message(client, code):
    """An unknown, empty or absurd coupon code is a message and no coupon is applied."""
    product = ProductFactory(stock=10)
    _put_in_cart(client, product.pk, 1)

    response = client.post(reverse("shop:cart-coupon"), {"code": code})

    assert response.status_code == 302
    assert len(_messages(response)) == 1
    assert _cart(client)["coupon"] is None


def test_expired_coupon_gives_a_message(client):
    """An expired coupon is refused with the reason."""
    product = ProductFactory(stock=10)
    now = timezone.now()
    CouponFactory(
        code="OLD",
        valid_from=now - timedelta(days=9),
        valid_until=now - timedelta(days=1),
    )
    _put_in_cart(client, product.pk, 1)

    response = client.post(reverse("shop:cart-coupon"), {"code": "OLD"})

    [message] = _messages(response)
    assert "OLD" in message
    assert _cart(client)["coupon"] is None


def test_reconciliation_warnings_are_shown_as_messages(client):
    """A price change and a lowered stock after adding are shown as messages on the cart."""
    product = ProductFactory(name="Clock", price=Decimal("10.00"), stock=5)
    _put_in_cart(client, product.pk, 4)
    set_price(variant_of(product), Decimal("12.00"))
    set_stock(variant_of(product), 2)

    response = client.get(reverse("shop:cart"))

    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"]]
    assert len(warnings) == 2
    html = response.content.decode()
    assert "Only 2 left" in html
    assert "$24.00" in html
    assert _lines(client) == {product.pk: 2}


@pytest.mark.parametrize("variant_id", [999999, 2**63, 10**30])
@pytest.mark.parametrize("action", ["shop:cart-update", "shop:cart-remove"])
def test_line_actions_on_unknown_or_absurd_variants_give_a_message(
    client, action, variant_id
):
    """Updating or removing a variant that is not in the cart (or cannot exist) is a
    message on the cart page, never a 500, and the cart is unchanged."""
    product = ProductFactory(stock=5)
    _put_in_cart(client, product.pk, 1)

    response = client.post(
        reverse(action, args=[variant_id]), {f"line{variant_id}-quantity": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    assert len(_messages(response)) == 1
    assert _lines(client) == {product.pk: 1}


def test_cart_forms_enforce_csrf():
    """A cart POST without the CSRF token is refused (403) and changes nothing."""
    product = ProductFactory(stock=5)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("shop:cart-add"), {"product_id": product.pk, "quantity": 1}
    )

    assert response.status_code == 403
    assert _lines(client) == {}


def test_cart_actions_are_post_only(client):
    """GET on an action URL is 405, never a change."""
    product = ProductFactory(stock=5)

    response = client.get(
        reverse("shop:cart-add"), {"product_id": product.pk, "quantity": 1}
    )

    assert response.status_code == 405
    assert _lines(client) == {}


def test_cart_pages_are_a_friendly_503_when_the_store_is_down(client, settings):
    """When the cart store (Redis) is down, the cart page and every cart action answer
    503 with the shop's page, not a traceback, and not a false message."""
    product = ProductFactory(stock=5)
    line = variant_of(product).pk
    CouponFactory(code="DOWN")
    _put_in_cart(client, product.pk, 1)
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"

    responses = [
        client.get(reverse("shop:cart")),
        _add(client, product.pk, 1),
        client.post(
            reverse("shop:cart-update", args=[line]), {f"line{line}-quantity": "2"}
        ),
        client.post(reverse("shop:cart-remove", args=[line])),
        client.post(reverse("shop:cart-coupon"), {"code": "DOWN"}),
        client.post(reverse("shop:cart-coupon-remove")),
    ]

    for response in responses:
        assert response.status_code == 503
        assert "We'll be right back" in response.content.decode()
