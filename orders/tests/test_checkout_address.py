"""POST /api/v1/orders/ with a structured address and a shipping method: the price of
shipping, the tax of the country, the address snapshot, and every refusal changing
nothing."""

from decimal import Decimal as D

import pytest
from django.core import mail

from accounts.addresses import address_create
from accounts.models import Address
from accounts.tests.factories import UserFactory
from cart.store import get_store
from catalog.tests.factories import VariantFactory
from coupons.tests.factories import CouponFactory
from orders.models import Order
from orders.tests.carts import cart_with
from orders.tests.contract import URL, order_json
from orders.tests.shipping import address, by_weight, flat, tax, zone

pytestmark = pytest.mark.django_db

QUOTES = "/api/v1/cart/shipping-methods/"


@pytest.fixture
def shop(settings):
    """A shop that ships: US flat 4.90 (free over 50), EU by weight; FR taxed 20 %."""
    settings.SHOP_TAX_RATE = D("0")
    us, eu = zone(), zone("EU", ["FR", "DE"])
    standard = flat(us, "4.90", free_over="50.00")
    express = by_weight(eu, [(1000, "8.00"), (3000, "12.00")], name="EU express")
    tax("FR", "0.2")
    return {"standard": standard, "express": express}


def variant(price="10.00", weight=400, stock=10):
    return VariantFactory(price=D(price), weight_grams=weight, stock=stock)


def state(cart, *variants):
    """What a refused checkout must leave as it was."""
    lines = sorted(
        (line.variant_id, line.quantity) for line in get_store().read(cart.id).lines
    )
    stock = [v.__class__.objects.get(pk=v.pk).stock for v in variants]
    return Order.objects.count(), Address.objects.count(), lines, stock


def test_structured_address_and_method(customer, customer_client, shop):
    """The order keeps the method's price and name, the country's tax, the address as
    an object (and as text), and each item's discount and tax shares."""
    mug, pot = variant("12.00", 300), variant("7.25", 450)
    CouponFactory(code="FIVE", percent_off=D("0"), amount_off=D("5.00"))
    cart_with([(mug, 2), (pot, 1)], user=customer, coupon="FIVE")  # 1050 g, 31.25
    fr = address(country="FR", city="Paris", postcode="75001", region="",
                 phone="+33 1 42 68 53 00")  # fmt: skip

    response = customer_client.post(
        URL, {"shipping_address": fr, "shipping_method": shop["express"].pk},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    body = response.json()
    assert body == {**order_json(order), "order_token": None}
    # 31.25 − 5.00 + 12.00 = 38.25; tax 20 % = 7.65
    assert (body["subtotal"], body["discount"], body["shipping"], body["tax"],
            body["total"]) == ("31.25", "5.00", "12.00", "7.65", "45.90")  # fmt: skip
    assert body["shipping_method"] == "EU express"
    assert body["shipping_address"] == {**fr, "phone": "+33142685300"}
    assert body["shipping_name"] == "Grace Hopper"
    assert order.shipping_country == "FR" and order.tax_rate == D("0.2")
    assert order.shipping_address.splitlines() == [
        "1 Harbour Way", "75001 Paris", "France", "+33142685300",
    ]  # fmt: skip
    items = list(order.items.order_by("pk"))
    assert sum(i.discount for i in items) == D("5.00")
    assert sum(i.tax for i in items) + order.shipping_tax == order.tax
    assert order.shipping_tax == D("2.40")
    assert not Address.objects.exists()  # not asked to save it


def test_tax_with_coupon_and_shipping_rounds_half_up(customer, customer_client, shop):
    """Tax = rate × (subtotal − discount + shipping), rounded once, half-up: at 7.25 %
    on 19.99 − 2.00 + 4.90 = 22.89 it is 1.659525 → 1.66."""
    tax("US", "0.0725")
    cart_with([(variant("19.99"), 1)], user=customer, coupon="TWO")
    CouponFactory(code="TWO", percent_off=D("0"), amount_off=D("2.00"))
    response = customer_client.post(
        URL, {"shipping_address": address(), "shipping_method": shop["standard"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["shipping"], body["tax"], body["total"]) == ("4.90", "1.66", "24.55")


def test_tax_inclusive_prices(customer, customer_client, shop, settings):
    """With SHOP_PRICES_INCLUDE_TAX the total is subtotal − discount + shipping, and tax
    is rate/(1+rate) of it."""
    settings.SHOP_PRICES_INCLUDE_TAX = True
    cart_with([(variant("20.00", 100), 1)], user=customer)
    response = customer_client.post(
        URL,
        {"shipping_address": address(country="FR"),
         "shipping_method": shop["express"].pk},
        format="json",
    )  # fmt: skip
    body = response.json()
    assert (body["total"], body["tax"]) == ("28.00", "4.67")


def test_free_over_and_country_without_rate(customer, customer_client, shop, settings):
    """US has no staff rate: SHOP_TAX_RATE applies; free shipping once goods reach 50."""
    settings.SHOP_TAX_RATE = D("0.1")
    cart_with([(variant("25.00"), 2)], user=customer)
    response = customer_client.post(
        URL, {"shipping_address": address(), "shipping_method": shop["standard"].pk},
        format="json",
    )  # fmt: skip
    body = response.json()
    assert (body["shipping"], body["tax"], body["total"]) == ("0.00", "5.00", "55.00")


def test_the_order_equals_the_quote(customer, customer_client, shop):
    """What cart/shipping-methods/ quotes is what the order charges."""
    cart_with([(variant("9.99", 900), 2)], user=customer)
    quote = customer_client.get(QUOTES, {"country": "DE"}).json()
    assert [q["name"] for q in quote] == ["EU express"]
    response = customer_client.post(
        URL, {"shipping_address": address(country="DE"),
              "shipping_method": quote[0]["id"]},
        format="json",
    )  # fmt: skip
    assert response.json()["shipping"] == quote[0]["price"] == "12.00"


def test_saved_address_and_save_address(customer, customer_client, shop):
    """A signed-in user may name a saved address; save_address adds the one given to
    their book, in the checkout's transaction."""
    saved = address_create(user=customer, **address(name="Ada", city="Boston"))
    cart_with([(variant(), 1)], user=customer)
    response = customer_client.post(
        URL, {"address_id": saved.pk, "shipping_method": shop["standard"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["shipping_address"]["city"] == "Boston"
    assert response.json()["shipping_name"] == "Ada"

    cart_with([(variant(), 1)], user=customer)
    response = customer_client.post(
        URL,
        {"shipping_address": address(line1="9 New Road"),
         "shipping_method": shop["standard"].pk, "save_address": True},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert customer.addresses.filter(line1="9 New Road").exists()


def test_another_users_address_is_404(customer, customer_client, shop):
    theirs = address_create(user=UserFactory(), **address())
    mug = variant()
    cart = cart_with([(mug, 1)], user=customer)
    before = state(cart, mug)
    response = customer_client.post(
        URL, {"address_id": theirs.pk, "shipping_method": shop["standard"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 404
    assert state(cart, mug) == before


def test_guest_checkout_with_an_address(
    api_client, shop, django_capture_on_commit_callbacks
):
    """A guest's order with an address; the confirmation shows the method and address."""
    mug = variant()
    cart = cart_with([(mug, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
        URL,
            {"email": "guest@example.com", "shipping_address": address(),
             "shipping_method": shop["standard"].pk, "save_address": True},
            format="json", HTTP_X_CART_TOKEN=cart.token,
        )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["shipping"] == "4.90"
    assert not Address.objects.exists()  # a guest has no address book
    assert "4.90" in mail.outbox[0].body and "Standard" in mail.outbox[0].body
    assert "1 Harbour Way" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        # The US method does not serve France.
        ({"shipping_address": address(country="FR"), "shipping_method": "standard"},
         400, "shipping_unavailable"),
        # Over the express method's last band (3 kg).
        ({"shipping_address": address(country="FR"), "shipping_method": "express",
          "heavy": True}, 400, "shipping_unavailable"),
        ({"shipping_address": address(), "shipping_method": 999999},
         400, "shipping_unavailable"),
        ({"shipping_address": address()}, 400, "shipping_method_required"),
        ({"shipping_name": "Grace", "shipping_address": "1 Harbour Way"},
         400, "shipping_method_required"),
    ],
)  # fmt: skip
def test_refusals_change_nothing(customer, customer_client, shop, body, status, code):
    """A refused checkout writes nothing: no order, stock and cart unchanged."""
    mug = variant(weight=2000 if body.pop("heavy", False) else 400)
    cart = cart_with([(mug, 2)], user=customer)
    method = body.get("shipping_method")
    if isinstance(method, str):
        body["shipping_method"] = shop[method].pk
    before = state(cart, mug)
    response = customer_client.post(URL, {**body, "save_address": True}, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert state(cart, mug) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"country": "ZZ"},
        {"country": "USA"},
        {"line1": ""},
        {"phone": "not a phone"},
    ],
)
def test_bad_address_fields_are_400(customer, customer_client, shop, bad):
    mug = variant()
    cart = cart_with([(mug, 1)], user=customer)
    before = state(cart, mug)
    response = customer_client.post(
        URL, {"shipping_address": address(**bad),
              "shipping_method": shop["standard"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "shipping_address" in response.json()
    assert state(cart, mug) == before


def test_the_old_body_while_the_shop_does_not_ship(customer, customer_client):
    """No active method: the text body works (shipping 0); a structured address too."""
    flat(zone(), is_active=False)
    cart_with([(variant(), 1)], user=customer)
    old = customer_client.post(
        URL, {"shipping_name": "Grace", "shipping_address": "1 Harbour Way"},
        format="json",
    )  # fmt: skip
    assert old.status_code == 201, old.json()
    assert old.json()["shipping_address"] == "1 Harbour Way"
    assert old.json()["shipping"] == "0.00" and old.json()["shipping_method"] == ""
    cart_with([(variant(), 1)], user=customer)
    new = customer_client.post(URL, {"shipping_address": address()}, format="json")
    assert new.status_code == 201, new.json()
    assert new.json()["shipping_address"]["country"] == "US"


def test_text_address_needs_a_name(customer, customer_client):
    cart_with([(variant(), 1)], user=customer)
    response = customer_client.post(
        URL, {"shipping_address": "1 Harbour Way"}, format="json"
    )
    assert response.status_code == 400 and "shipping_name" in response.json()
    assert customer_client.post(URL, {}, format="json").status_code == 400
