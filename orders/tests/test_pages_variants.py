"""What a buyer of a variant sees on the pages: the checkout page names each line with
its option values and pictures it, and the order page shows "Tee — M / Red"."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cart.tests.factories import tee, variant
from catalog.tests.factories import ProductFactory, ProductImageFactory
from catalog.variants import variant_update
from orders.models import Order
from orders.tests.storefront import SHIPPING, checkout_token, fill_cart

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    """What a reader sees (tags out, spaces collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_checkout_page_shows_each_variant_with_its_options_and_picture(client):
    """Two variants of a tee and a mug: each summary line has its option values and a
    thumbnail of its variant's picture (else the product's, else a placeholder)."""
    shirt = tee(price=Decimal("20.00"))
    ProductImageFactory(product=shirt, alt="The tee")
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    variant_update(variant=red, image=ProductImageFactory(product=shirt, alt="Red tee"))
    mug = ProductFactory(name="Mug", price=Decimal("8.00"), stock=3)
    fill_cart(client, red, 2)
    fill_cart(client, blue)
    fill_cart(client, mug)

    html = client.get(reverse("shop:checkout")).content.decode()

    lines = re.findall(
        r'<li class="summary-item" data-variant-id="(\d+)">(.*?)</li>', html, re.S
    )
    # In the cart's order: by variant (the S / Blue was made before the M / Red).
    assert [int(pk) for pk, _ in lines] == [blue.pk, red.pk, mug.variants.get().pk]
    texts = [_text(body) for _, body in lines]
    assert texts == [
        "1 × Tee Size: S / Colour: Blue $20.00",
        "2 × Tee Size: M / Colour: Red $40.00",
        "M 1 × Mug $8.00",
    ]
    alts = [re.search(r'<img [^>]*alt="([^"]+)"', body) for _, body in lines]
    assert [alt and alt.group(1) for alt in alts] == ["The tee", "Red tee", None]
    assert 'role="img" aria-label="Mug"' in lines[2][1]


def test_a_variant_bought_through_the_pages_is_named_on_the_order_page(
    client, django_capture_on_commit_callbacks
):
    """Checkout of the tee in M / Red: the order holds that variant, its SKU and
    options; the order page names it "Tee — M / Red"; only its stock is taken."""
    shirt = tee(price=Decimal("20.00"), stock=5)
    red = variant(shirt, Size="M", Colour="Red")
    fill_cart(client, red, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("shop:checkout"), {**SHIPPING, "token": checkout_token(client)}
        )

    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    item = order.items.get()
    assert (item.variant_id, item.sku, item.options, item.name) == (
        red.pk, red.sku, {"Size": "M", "Colour": "Red"}, "Tee — M / Red"
    )  # fmt: skip
    assert dict(shirt.variants.values_list("pk", "stock"))[red.pk] == 3
    assert sum(shirt.variants.values_list("stock", flat=True)) == 18
    page = client.get(order.get_absolute_url()).content.decode()
    assert "<td>Tee — M / Red" in page
    assert red.sku in page
