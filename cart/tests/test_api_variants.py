"""The cart API with products of several variants (API.md "Cart"): lines keyed by
variant, product_id refused for them, and the failure paths of a variant."""

from decimal import Decimal

import pytest

from cart.store import get_store
from cart.tests.factories import set_stock, tee, variant
from catalog.models import Variant
from catalog.variants import variant_archive

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/cart/items/"


@pytest.fixture
def shirt():
    return tee(price=Decimal("20.00"), stock=5)


def add(client, quantity=1, **ids):
    return client.post(ITEMS, {**ids, "quantity": quantity}, format="json")


def test_a_variant_is_added_and_shown_with_its_sku_and_options(anon, shirt):
    """POST {variant_id}: the line is that variant, with its product, SKU and options;
    two variants of one tee are two lines of one product."""
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )

    response = add(anon, 2, variant_id=red.pk)
    body = add(anon, 1, variant_id=blue.pk).json()

    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "variant_id": red.pk,
            "product_id": shirt.pk,
            "sku": red.sku,
            "options": {"Size": "M", "Colour": "Red"},
            "slug": shirt.slug,
            "name": "Tee",
            "unit_price": "20.00",
            "quantity": 2,
            "line_total": "40.00",
            "available": 5,
            "status": "ok",
            "price_changed": False,
        }
    ]
    assert {i["variant_id"]: i["quantity"] for i in body["items"]} == {
        red.pk: 2,
        blue.pk: 1,
    }
    assert (body["count"], body["quantity"], body["total"]) == (1, 3, "60.00")


def test_the_product_id_of_a_product_with_several_variants_is_400(anon, shirt):
    """Which tee? 400 variant_required; the cart is unchanged."""
    response = add(anon, product_id=shirt.pk)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Tee has several variants: name one (variant_id).",
        "code": "variant_required",
    }
    assert get_store().read(f"anon:{anon.token}").lines == ()


@pytest.mark.parametrize("body", [{"quantity": 1}, {}, "both"])
def test_naming_both_or_neither_is_400(anon, shirt, body):
    """A variant and a product at once, or neither: 400, nothing added."""
    red = variant(shirt, Size="M", Colour="Red")
    if body == "both":
        body = {"variant_id": red.pk, "product_id": shirt.pk}

    response = anon.post(ITEMS, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["variant_id"]
    assert get_store().read(f"anon:{anon.token}").lines == ()


def test_an_archived_variant_cannot_be_added_or_set(anon, shirt):
    """An archived variant is 404 to add and to set; its siblings still sell."""
    gone, sibling = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    variant_archive(variant=gone)

    added = add(anon, variant_id=gone.pk)
    put = anon.put(f"{ITEMS}{gone.pk}/", {"quantity": 1}, format="json")

    assert (added.status_code, added.json()["code"]) == (404, "variant_not_found")
    assert (put.status_code, put.json()["code"]) == (404, "variant_not_found")
    assert add(anon, variant_id=sibling.pk).status_code == 200


def test_an_archived_variant_in_a_cart_leaves_it_with_a_warning(anon, shirt):
    """A variant archived after it was added: the next read drops its line with one
    product_unavailable warning naming the variant; the sibling line stays."""
    gone, sibling = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="M", Colour="Red"),
    )
    add(anon, variant_id=gone.pk)
    add(anon, 2, variant_id=sibling.pk)
    variant_archive(variant=gone)

    body = anon.get("/api/v1/cart/").json()

    assert body["warnings"] == [
        {
            "code": "product_unavailable",
            "product_id": shirt.pk,
            "variant_id": gone.pk,
            "message": "Tee — S / Red is no longer available. It was removed from "
            "your cart.",
        }
    ]
    assert [(i["variant_id"], i["quantity"]) for i in body["items"]] == [
        (sibling.pk, 2)
    ]
    assert anon.get("/api/v1/cart/").json()["warnings"] == []
    removed = anon.delete(f"{ITEMS}{gone.pk}/")
    assert (removed.status_code, removed.json()["code"]) == (404, "not_in_cart")


def test_a_deleted_variant_in_a_cart_leaves_it_with_a_warning(anon, shirt):
    """A variant deleted after it was added: dropped with a warning naming the variant
    (its product no longer known)."""
    gone = variant(shirt, Size="S", Colour="Red")
    add(anon, variant_id=gone.pk)
    gone_id = gone.pk
    Variant.objects.filter(pk=gone_id).delete()

    body = anon.get("/api/v1/cart/").json()

    assert [
        (w["code"], w["variant_id"], "product_id" in w) for w in body["warnings"]
    ] == [("product_unavailable", gone_id, False)]
    assert body["items"] == []


def test_stock_is_the_variants_own(anon, shirt):
    """409 insufficient_stock names the variant and its stock, while another variant of
    the same tee can still be had in full; setting above it is 409 too."""
    short, other = (
        variant(shirt, Size="S", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    set_stock(short, 2)

    refused = add(anon, 3, variant_id=short.pk)
    fine = add(anon, 5, variant_id=other.pk)
    add(anon, 1, variant_id=short.pk)
    too_many = anon.patch(f"{ITEMS}{short.pk}/", {"quantity": 3}, format="json")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "Only 2 of Tee — S / Red left.",
        "code": "insufficient_stock",
        "available": 2,
        "product_id": shirt.pk,
        "variant_id": short.pk,
    }
    assert fine.status_code == 200
    assert too_many.status_code == 409 and too_many.json()["available"] == 2
    items = anon.get("/api/v1/cart/").json()["items"]
    assert {i["variant_id"]: i["quantity"] for i in items} == {short.pk: 1, other.pk: 5}


def test_lines_are_set_and_removed_per_variant(anon, shirt):
    """PUT, PATCH and DELETE cart/items/{variant_id}/ touch that variant's line only."""
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="M", Colour="Blue"),
    )
    add(anon, 1, variant_id=red.pk)
    add(anon, 1, variant_id=blue.pk)

    anon.put(f"{ITEMS}{red.pk}/", {"quantity": 4}, format="json")
    anon.patch(f"{ITEMS}{blue.pk}/", {"quantity": 3}, format="json")
    assert {
        i["variant_id"]: i["quantity"]
        for i in anon.get("/api/v1/cart/").json()["items"]
    } == {red.pk: 4, blue.pk: 3}

    body = anon.delete(f"{ITEMS}{red.pk}/").json()
    assert [(i["variant_id"], i["quantity"]) for i in body["items"]] == [(blue.pk, 3)]
    assert anon.delete(f"{ITEMS}{red.pk}/").status_code == 404
