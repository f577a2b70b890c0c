"""The checkout page of a shop that ships: the country step, the method choice and the
totals without JavaScript, saved addresses, and errors as form errors."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.addresses import address_create
from accounts.models import Address
from catalog.models import Variant
from catalog.tests.factories import VariantFactory
from orders.models import Order
from orders.tests.shipping import address, by_weight, flat, tax, zone
from orders.tests.storefront import cart_lines, fill_cart

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("shop:checkout")


@pytest.fixture
def shop(settings):
    settings.SHOP_TAX_RATE = D("0")
    us, eu = zone(), zone("EU", ["FR"])
    return {
        "standard": flat(us, "4.90", estimated_days=3),
        "courier": flat(us, "15.00", name="Courier"),
        "express": by_weight(eu, [(1000, "8.00")], name="EU express"),
        "tax": tax("FR", "0.2"),
    }


def fields(token, **overrides):
    """The POST of the shipping checkout form: email, the new address, the method."""
    data = {"email": "guest@example.com", "token": token}
    data.update({f"address-{k}": v for k, v in address().items()})
    data.update(overrides)
    return data


def first_token(client):
    response = client.get(CHECKOUT)
    assert response.status_code == 200
    return response.context["form"].initial["token"]


def test_country_step_then_methods_then_order(
    client, shop, django_capture_on_commit_callbacks
):
    """Without a country the page asks for it; "Update shipping options" lists the
    methods for it priced for the cart with the new total; the order has that total."""
    mug = VariantFactory(price=D("20.00"), weight_grams=300, stock=5)
    fill_cart(client, mug, 2)

    first = client.get(CHECKOUT)
    assert first.status_code == 200
    assert "Choose the country" in first.content.decode()
    assert "save_address" not in first.context["form"].fields  # guests have no book
    token = first.context["form"].initial["token"]

    step = client.post(CHECKOUT, fields(token, **{"address-country": "FR",
                                                  "update": "1"}))  # fmt: skip
    page = step.content.decode()
    assert step.status_code == 200 and not Order.objects.exists()
    assert "EU express · $8.00" in page and "Standard" not in page
    # 40.00 + 8.00, tax 20 % = 9.60
    assert step.context["summary"]["total"] == "57.60"
    assert "errorlist" not in page  # a country step shows no errors

    us = client.post(CHECKOUT, fields(token, update="1"))
    assert [q.method.name for q in us.context["quotes"]] == ["Standard", "Courier"]
    chose = client.post(
        CHECKOUT, fields(token, update="1", shipping_method=shop["courier"].pk)
    )
    assert chose.context["summary"]["total"] == "55.00"
    assert chose.context["summary"]["shipping_method"] == "Courier"

    with django_capture_on_commit_callbacks(execute=True):
        placed = client.post(
            CHECKOUT, fields(token, shipping_method=shop["courier"].pk)
        )
    assert placed.status_code == 302, placed.context and placed.context["form"].errors
    order = Order.objects.get()
    assert placed["Location"] == order.get_absolute_url()
    assert (order.shipping, order.total, order.shipping_method) == (
        D("15.00"), D("55.00"), "Courier",
    )  # fmt: skip
    assert order.address["line1"] == "1 Harbour Way"
    shown = client.get(order.get_absolute_url()).content.decode()
    assert "By Courier" in shown and "1 Harbour Way" in shown
    assert cart_lines(client) == {}


def test_a_method_of_another_country_is_a_form_error(client, shop):
    mug = VariantFactory(price=D("5.00"), stock=5)
    fill_cart(client, mug)
    token = first_token(client)
    response = client.post(
        CHECKOUT, fields(token, **{"address-country": "FR"},
                         shipping_method=shop["standard"].pk),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["shipping_method"]
    assert not Order.objects.exists()
    assert Variant.objects.get(pk=mug.pk).stock == 5


def test_no_method_chosen_is_a_form_error(client, shop):
    fill_cart(client, VariantFactory(price=D("5.00")))
    response = client.post(CHECKOUT, fields(first_token(client)))
    assert response.status_code == 200
    assert (
        "Choose a shipping method"
        in response.context["form"].errors["shipping_method"][0]
    )
    assert not Order.objects.exists()


def test_address_errors_are_form_errors(client, shop):
    fill_cart(client, VariantFactory(price=D("5.00")))
    response = client.post(
        CHECKOUT,
        fields(first_token(client), shipping_method=shop["standard"].pk,
               **{"address-line1": "", "address-country": "ZZ"}),
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["address_form"].errors
    assert "line1" in errors and "country" in errors
    assert not Order.objects.exists()


def test_a_signed_in_user_picks_a_saved_address(client, customer, shop):
    """The saved address's country decides the methods; the order copies it."""
    client.force_login(customer)
    home = address_create(user=customer, **address(country="FR", name="Ada"))
    fill_cart(client, VariantFactory(price=D("10.00"), weight_grams=100))
    page = client.get(CHECKOUT)
    assert [q.method.name for q in page.context["quotes"]] == ["EU express"]
    token = page.context["form"].initial["token"]
    placed = client.post(
        CHECKOUT,
        {"email": customer.email, "token": token, "saved_address": str(home.pk),
         "shipping_method": shop["express"].pk},
    )  # fmt: skip
    assert placed.status_code == 302, placed.context["form"].errors
    order = Order.objects.get()
    assert order.shipping_name == "Ada" and order.shipping_country == "FR"
    assert order.total == D("21.60")


def test_save_this_address(client, customer, shop):
    client.force_login(customer)
    fill_cart(client, VariantFactory(price=D("10.00")))
    token = first_token(client)
    placed = client.post(
        CHECKOUT,
        fields(token, email=customer.email, shipping_method=shop["standard"].pk,
               save_address="on"),
    )  # fmt: skip
    assert placed.status_code == 302
    assert Address.objects.get(user=customer).line1 == "1 Harbour Way"


def test_a_shop_without_methods_keeps_the_simple_form(client):
    fill_cart(client, VariantFactory(price=D("10.00")))
    response = client.get(CHECKOUT)
    assert "shipping_address" in response.context["form"].fields
    assert "Update shipping options" not in response.content.decode()
