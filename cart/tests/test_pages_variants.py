"""The cart page with variants: a variant is added by the product page's form, each
line shows its option values and its variant's picture, and each line's forms act on
that variant only."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cart.tests.factories import tee, variant
from catalog.tests.factories import ProductFactory, ProductImageFactory
from catalog.variants import variant_archive, variant_update

pytestmark = pytest.mark.django_db


def _add(client, **fields):
    return client.post(reverse("shop:cart-add"), {"quantity": 1, **fields})


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _lines(client) -> dict[int, int]:
    summary = client.get(reverse("shop:cart")).context["summary"]
    return {item["variant_id"]: item["quantity"] for item in summary["items"]}


def _text(html: str) -> str:
    """What a reader sees (tags out, spaces collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_product_pages_form_adds_the_variant_chosen(client):
    """variant_id from the product page's form: that variant, named with its options."""
    shirt = tee(price=Decimal("20.00"))
    red = variant(shirt, Size="M", Colour="Red")

    response = _add(client, variant_id=red.pk, quantity=2)

    assert response["Location"] == reverse("shop:cart")
    assert _messages(response) == ["Added 2 × Tee — M / Red to your cart."]
    assert _lines(client) == {red.pk: 2}


def test_each_line_shows_its_options_and_its_own_forms(client):
    """Two variants of one tee: two lines, each with its option values and update and
    remove forms (and labels) of its own variant; updating one leaves the other."""
    shirt = tee(price=Decimal("20.00"))
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    _add(client, variant_id=red.pk)
    _add(client, variant_id=blue.pk, quantity=2)

    html = client.get(reverse("shop:cart")).content.decode()

    text = _text(html)
    assert "Size: M / Colour: Red" in text and "Size: S / Colour: Blue" in text
    for line in (red, blue):
        assert f'action="{reverse("shop:cart-update", args=[line.pk])}"' in html
        assert f'action="{reverse("shop:cart-remove", args=[line.pk])}"' in html
        assert f'name="line{line.pk}-quantity"' in html
    assert 'aria-label="Remove Tee — M / Red from the cart"' in html
    assert 'aria-label="Update quantity of Tee — S / Blue"' in html
    assert f'href="/p/{shirt.slug}/?Size=M&amp;Colour=Red"' in html

    client.post(
        reverse("shop:cart-update", args=[red.pk]), {f"line{red.pk}-quantity": "3"}
    )
    client.post(reverse("shop:cart-remove", args=[blue.pk]))
    assert _lines(client) == {red.pk: 3}


def test_a_line_shows_its_variants_picture_else_its_products(client):
    """A variant with its own image shows a thumbnail of it; its sibling without one
    shows the product's first image; a product without images a placeholder."""
    shirt = tee()
    cover = ProductImageFactory(product=shirt, alt="The tee, folded")
    red_picture = ProductImageFactory(product=shirt, alt="The red tee")
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="M", Colour="Blue"),
    )
    variant_update(variant=red, image=red_picture)
    mug = ProductFactory(name="Mug", stock=5)
    for fields in (
        {"variant_id": red.pk},
        {"variant_id": blue.pk},
        {"product_id": mug.pk},
    ):
        _add(client, **fields)

    html = client.get(reverse("shop:cart")).content.decode()

    pictures = re.findall(r'<img src="([^"]+)"[^>]* alt="([^"]+)"', html)
    assert [alt for _, alt in pictures] == ["The red tee", "The tee, folded"]
    assert all(src.startswith("/media/cache/") for src, _ in pictures), pictures
    assert cover.image.url not in html  # a thumbnail, not the upload itself
    assert 'role="img" aria-label="Mug"' in html


def test_an_archived_variant_leaves_the_cart_with_a_message(client):
    """A variant archived after it was added: the cart page says so once, by its name,
    and keeps its sibling."""
    shirt = tee()
    gone, kept = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    _add(client, variant_id=gone.pk)
    _add(client, variant_id=kept.pk)
    client.get(reverse("shop:cart"))  # shows (and so consumes) the "added" messages
    variant_archive(variant=gone)

    response = client.get(reverse("shop:cart"))

    assert [str(m) for m in response.context["messages"]] == [
        "Tee — S / Red is no longer available. It was removed from your cart."
    ]
    assert _lines(client) == {kept.pk: 1}


@pytest.mark.parametrize(
    "case", ["several variants", "archived variant", "other product"]
)
def test_a_variant_that_cannot_be_added_is_a_message(client, case):
    """The product of a tee without a variant named, an archived variant, a variant
    posted with another product: a message on the page the shopper was on, nothing
    added, never a 500."""
    shirt, mug = tee(), ProductFactory(stock=5)
    red = variant(shirt, Size="M", Colour="Red")
    fields = {"next": shirt.get_absolute_url()}
    if case == "several variants":
        fields["product_id"] = shirt.pk
    elif case == "archived variant":
        variant_archive(variant=red)
        fields["variant_id"] = red.pk
    else:
        fields.update(variant_id=red.pk, product_id=mug.pk)

    response = _add(client, **fields)

    assert response["Location"] == shirt.get_absolute_url()
    assert _messages(response) == [
        "Choose the options you want first."
        if case == "several variants"
        else f"Variant {red.pk} does not exist."
    ]
    assert _lines(client) == {}
