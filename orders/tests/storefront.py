"""The storefront's checkout driven as a shopper does, through the pages."""

from decimal import Decimal

from django.contrib.messages import get_messages
from django.urls import reverse

from catalog.models import Variant
from catalog.tests.factories import ProductFactory
from orders.models import Order

SHIPPING = {
    "email": "guest@example.com",
    "shipping_name": "Ada Lovelace",
    "shipping_address": "12 St James's Square\nLondon SW1Y 4JH",
}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fill_cart(client, item, quantity=1):
    """Add a variant (or a one-variant product) through the cart page's form."""
    field = "variant_id" if isinstance(item, Variant) else "product_id"
    response = client.post(
        reverse("shop:cart-add"), {field: item.pk, "quantity": quantity}
    )
    assert response.status_code == 302


def checkout_token(client) -> str:
    response = client.get(reverse("shop:checkout"))
    assert response.status_code == 200
    return response.context["form"].initial["token"]


def cart_lines(client) -> dict[int, int]:
    summary = client.get(reverse("shop:cart")).context["summary"]
    return {item["product_id"]: item["quantity"] for item in summary["items"]}


def placed_order(client) -> Order:
    """A guest's (or the signed-in client's) order of one product at 25.00, placed
    through the checkout page."""
    fill_cart(client, ProductFactory(price=Decimal("25.00"), stock=5))
    response = client.post(
        reverse("shop:checkout"), {**SHIPPING, "token": checkout_token(client)}
    )
    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    client.get(response["Location"])  # shows (and so consumes) "order placed"
    return order
