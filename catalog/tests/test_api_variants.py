"""The catalog API's variants (API.md, Catalog): a product created with options and
variants, the rules of a variant (failure paths as 400 field maps), the one-variant
rules of the product's price and adjust-stock, and the variant endpoints with their
permission matrix."""

from decimal import Decimal

import pytest

from catalog.models import Product, StockMovement, Variant
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
    product_with_variants,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
CLIENTS = ["api_client", "customer_client", "seller_client", "other_seller_client",
           "staff_client"]  # fmt: skip


def variant_url(variant, action: str = "") -> str:
    return f"/api/v1/variants/{variant.pk}/{action}"


@pytest.fixture
def category():
    return CategoryFactory(name="Clothes", slug="clothes")


@pytest.fixture
def tee(seller, category):
    """A tee in S and M, both red, and M in blue (10.00, 12.00, 12.00)."""
    return product_with_variants(
        seller=seller,
        category=category,
        name="Tee",
        options={"Size": ["S", "M"], "Colour": ["Red", "Blue"]},
        variants=[
            {"sku": "TEE-S-RED", "options": {"Size": "S", "Colour": "Red"},
             "price": Decimal("10.00"), "stock": 3},
            {"sku": "TEE-M-RED", "options": {"Size": "M", "Colour": "Red"},
             "price": Decimal("12.00"), "stock": 0},
            {"sku": "TEE-M-BLUE", "options": {"Size": "M", "Colour": "Blue"},
             "price": Decimal("12.00"), "stock": 5},
        ],
    )  # fmt: skip


def tee_payload(**overrides) -> dict:
    payload = {
        "name": "Tee",
        "description": "Cotton.",
        "category": "clothes",
        "options": [
            {"name": "Size", "values": ["S", "M"]},
            {"name": "Colour", "values": ["Red", "Blue"]},
        ],
        "variants": [
            {"sku": "TEE-S-RED", "options": {"Size": "S", "Colour": "Red"},
             "price": "10.00", "stock": 3, "weight_grams": 150},
            {"sku": "TEE-M-BLUE", "options": {"Colour": "Blue", "Size": "M"},
             "price": "12.00", "stock": 0},
        ],
    }  # fmt: skip
    payload.update(overrides)
    return payload


# --- create with options and variants ----------------------------------------------


def test_seller_creates_a_product_with_options_and_variants(seller_client, category):
    """201: the options in order, each variant with its values (in option order), the
    product's price the lowest, its stock the sum; initial stock as movements."""
    response = seller_client.post(PRODUCTS, tee_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["options"] == [
        {"name": "Size", "values": ["S", "M"]},
        {"name": "Colour", "values": ["Red", "Blue"]},
    ]
    small, medium = Variant.objects.filter(product_id=body["id"]).order_by("id")
    assert body["variants"] == [
        {"id": small.pk, "sku": "TEE-S-RED", "options": {"Size": "S", "Colour": "Red"},
         "price": "10.00", "stock": 3, "in_stock": True, "weight_grams": 150,
         "image_url": None, "is_active": True},
        {"id": medium.pk, "sku": "TEE-M-BLUE",
         "options": {"Size": "M", "Colour": "Blue"}, "price": "12.00", "stock": 0,
         "in_stock": False, "weight_grams": 0, "image_url": None, "is_active": True},
    ]  # fmt: skip
    assert (body["price"], body["stock"], body["in_stock"]) == ("10.00", 3, True)
    movement = StockMovement.objects.get()
    assert (movement.variant, movement.delta, movement.reason) == (small, 3, "initial")


def test_a_variant_without_a_sku_gets_one(seller_client, category):
    """A SKU left out is made from the product's slug and the values."""
    payload = tee_payload()
    del payload["variants"][0]["sku"]
    body = seller_client.post(PRODUCTS, payload, format="json").json()
    assert body["variants"][0]["sku"] == "TEE-S-RED"


def with_variant(**changes) -> dict:
    """A payload whose first variant has ``changes`` (None removes a key)."""
    payload = tee_payload()
    first = payload["variants"][0]
    for key, value in changes.items():
        if value is None:
            first.pop(key)
        else:
            first[key] = value
    return payload


def four_options() -> dict:
    names = ["Size", "Colour", "Fit", "Sleeve"]
    return tee_payload(
        options=[{"name": n, "values": ["A"]} for n in names],
        variants=[{"options": dict.fromkeys(names[:3], "A"), "price": "1.00"}],
    )


def options_of(*options) -> dict:
    return tee_payload(options=[{"name": n, "values": v} for n, v in options])


BAD_CREATES = [
    # The option set.
    (four_options(), {"options": ["A product has at most 3 options."]}),
    (options_of(("Size", ["S", "M"]), ("size", ["Red", "Blue"])),
     {"options": ["The option 'size' is named twice."]}),
    (options_of(("Size", ["S", "S"]), ("Colour", ["Red", "Blue"])),
     {"options": ["The option 'Size' names a value twice."]}),
    (options_of(("Size", ["S", "m", "M"]), ("Colour", ["Red", "Blue"])),
     {"options": ["The option 'Size' names a value twice."]}),
    (tee_payload(variants=None), None),  # options without variants
    (tee_payload(variants=[]), {"variants": ["A product needs at least one variant."]}),
    # A variant against the option set.
    (with_variant(options={"Size": "S"}),
     {"variants": ["Variant 1: A variant names one value of every option "
                   "(Size, Colour)."]}),
    (with_variant(options={"Size": "S", "Colour": "Red", "Fit": "Slim"}),
     {"variants": ["Variant 1: A variant names one value of every option "
                   "(Size, Colour)."]}),
    (with_variant(options={"Size": "XL", "Colour": "Red"}),
     {"variants": ["Variant 1: 'XL' is not a value of Size."]}),
    (with_variant(options={"Size": "M", "Colour": "Blue"}, sku="OTHER"),
     {"variants": ["Variant 2: The product already has a variant with these "
                   "options."]}),
    (with_variant(sku="tee-m-blue"),
     {"variants": ["Variant 2: The SKU 'TEE-M-BLUE' is already in use."]}),
    (with_variant(options={"a": "1", "b": "2", "c": "3", "d": "4"}), None),
    (with_variant(options=["S", "Red"]), None),
    # A variant's own fields.
    (with_variant(price="0.00"), None),
    (with_variant(price="-1"), None),
    (with_variant(price=None), None),
    (with_variant(stock=-1), None),
    (with_variant(stock="3"), None),
    (with_variant(weight_grams=-5), None),
    (with_variant(sku=""), None),
    # The two forms mixed.
    (tee_payload(price="5.00"),
     {"price": ["Give it per variant when the product has variants."]}),
    (tee_payload(stock=4),
     {"stock": ["Give it per variant when the product has variants."]}),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "expected"), BAD_CREATES)
def test_a_bad_option_set_or_variant_is_a_400_field_map(
    seller_client, category, payload, expected
):
    """Every rule of options and variants refused at create: a 400 naming the field
    (``variants`` for a variant, with its number), nothing written."""
    payload = {k: v for k, v in payload.items() if v is not None}
    response = seller_client.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    if expected is None:
        assert len(body) == 1 and set(body) <= {"options", "variants"}, body
    else:
        assert body == expected
    assert not Product.objects.exists() and not Variant.objects.exists()
    assert not StockMovement.objects.exists()


def test_a_sku_of_another_product_is_refused_in_any_case(seller_client, category):
    """SKUs are unique across the shop, whatever their case: in both create forms."""
    VariantFactory(sku="TEE-S-RED")
    response = seller_client.post(
        PRODUCTS, with_variant(sku="tee-s-red"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "variants": ["Variant 1: The SKU 'tee-s-red' is already in use."]
    }
    one = {"name": "Mug", "category": "clothes", "price": "5.00", "sku": "Tee-S-Red"}
    response = seller_client.post(PRODUCTS, one, format="json")
    assert response.status_code == 400
    assert response.json() == {"sku": ["The SKU 'Tee-S-Red' is already in use."]}
    assert Product.objects.count() == 1


def test_the_one_variant_form_takes_sku_and_weight(seller_client, category):
    """``{name, ..., price, stock, sku?, weight_grams?}`` makes one variant with them."""
    one = {"name": "Mug", "category": "clothes", "price": "5.00", "stock": 2,
           "sku": "MUG-1", "weight_grams": 350}  # fmt: skip
    body = seller_client.post(PRODUCTS, one, format="json").json()
    assert body["options"] == []
    assert [(v["sku"], v["weight_grams"], v["stock"], v["options"])
            for v in body["variants"]] == [("MUG-1", 350, 2, {})]  # fmt: skip
    assert "sku" not in body and "weight_grams" not in body


# --- the product's price, changes and adjust-stock ------------------------------------


def test_price_of_a_product_of_several_variants_is_variant_required(seller_client, tee):
    """PATCH price on a product of several variants: 400 variant_required, nothing
    changes; its name still changes."""
    url = f"{PRODUCTS}{tee.pk}/"
    response = seller_client.patch(url, {"price": "1.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "variant_required"
    assert set(Variant.objects.values_list("price", flat=True)) == {
        Decimal("10.00"),
        Decimal("12.00"),
    }
    response = seller_client.patch(url, {"name": "Shirt"}, format="json")
    assert (response.status_code, response.json()["name"]) == (200, "Shirt")


def test_price_of_a_one_variant_product_is_its_variants(seller_client, seller):
    """PATCH/PUT price of a one-variant product sets its variant's price."""
    product = ProductFactory(seller=seller, price=Decimal("5.00"))
    body = {"name": "Mug", "category": product.category.slug, "price": "6.50"}
    response = seller_client.put(f"{PRODUCTS}{product.pk}/", body, format="json")
    assert response.status_code == 200
    assert response.json()["variants"][0]["price"] == "6.50"
    assert product.variants.get().price == Decimal("6.50")


@pytest.mark.parametrize("field", ["options", "variants", "sku", "weight_grams"])
def test_variants_do_not_change_through_the_product(seller_client, tee, field):
    """Options and variants change through their own endpoints: 400 on the field."""
    value = {"options": [], "variants": [], "sku": "X", "weight_grams": 1}[field]
    response = seller_client.patch(
        f"{PRODUCTS}{tee.pk}/", {field: value}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {field: ["Change variants through their own endpoints."]}


def test_product_adjust_stock_needs_a_one_variant_product(seller_client, tee):
    """adjust-stock on a product of several variants: 400 variant_required."""
    response = seller_client.post(
        f"{PRODUCTS}{tee.pk}/adjust-stock/", {"delta": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "variant_required"
    assert not StockMovement.objects.exists()


def test_product_adjust_stock_below_zero_names_the_variant(seller_client, seller):
    """409 with the units available and the variant's and product's ids."""
    product = ProductFactory(seller=seller, name="Mug", stock=2)
    response = seller_client.post(
        f"{PRODUCTS}{product.pk}/adjust-stock/", {"delta": -3}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 2 of Mug left.",
        "code": "insufficient_stock",
        "available": 2,
        "variant_id": product.variants.get().pk,
        "product_id": product.pk,
    }


# --- products/{id}/variants/ --------------------------------------------------------


def test_a_variant_is_added(seller_client, tee, seller):
    """201 with the variant; the product's price follows a cheaper variant; its stock
    is a movement."""
    body = {"sku": "TEE-S-BLUE", "options": {"Size": "S", "Colour": "Blue"},
            "price": "8.00", "stock": 4, "weight_grams": 140}  # fmt: skip
    response = seller_client.post(f"{PRODUCTS}{tee.pk}/variants/", body, format="json")
    assert response.status_code == 201
    variant = Variant.objects.get(sku="TEE-S-BLUE")
    assert response.json() == {
        "id": variant.pk, "sku": "TEE-S-BLUE",
        "options": {"Size": "S", "Colour": "Blue"}, "price": "8.00", "stock": 4,
        "in_stock": True, "weight_grams": 140, "image_url": None, "is_active": True,
    }  # fmt: skip
    tee.refresh_from_db()
    assert tee.price == Decimal("8.00")
    assert StockMovement.objects.get().user == seller


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"options": {"Size": "S", "Colour": "Red"}, "price": "9.00"}, "options"),
        ({"options": {"Size": "S"}, "price": "9.00"}, "options"),
        ({"options": {"Size": "S", "Colour": "Green"}, "price": "9.00"}, "options"),
        ({"options": {"Size": "S", "Colour": "Blue"}, "price": "9.00",
          "sku": "tee-m-red"}, "sku"),
        ({"options": {"Size": "S", "Colour": "Blue"}, "price": "0.00"}, "price"),
        ({"options": {"Size": "S", "Colour": "Blue"}, "price": "9.00", "stock": -1},
         "stock"),
        ({"options": {"Size": "S", "Colour": "Blue"}}, "price"),
        ({"options": "S", "price": "9.00"}, "options"),
    ],
)  # fmt: skip
def test_a_bad_new_variant_is_a_400(seller_client, tee, body, field):
    """A variant alike another, not naming every option, naming an undeclared value, a
    taken SKU (any case), a bad price or stock: 400 on that field, nothing added."""
    response = seller_client.post(f"{PRODUCTS}{tee.pk}/variants/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert tee.variants.count() == 3


def test_a_product_without_options_takes_no_second_variant(seller_client, seller):
    """A product without options has exactly one variant."""
    product = ProductFactory(seller=seller)
    response = seller_client.post(
        f"{PRODUCTS}{product.pk}/variants/", {"price": "2.00"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "options": ["The product already has a variant with these options."]
    }


# --- variants/{id}/ -----------------------------------------------------------------


def test_a_variant_is_changed(seller_client, tee):
    """PATCH price, SKU, weight and image (one of its product's); the product's price
    follows."""
    variant = tee.variants.get(sku="TEE-S-RED")
    image = ProductImageFactory(product=tee)
    body = {"price": "15.00", "sku": "TEE-S-R", "weight_grams": 160,
            "image_id": image.pk}  # fmt: skip
    response = seller_client.patch(variant_url(variant), body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["price"], data["sku"], data["weight_grams"]) == ("15.00", "TEE-S-R",
                                                                   160)  # fmt: skip
    assert data["image_url"] == f"http://testserver{image.image.url}"
    tee.refresh_from_db()
    assert tee.price == Decimal("12.00")
    product = seller_client.get(f"{PRODUCTS}{tee.pk}/").json()
    assert product["variants"][0]["image_url"] == data["image_url"]
    response = seller_client.patch(variant_url(variant), {"image_id": None},
                                   format="json")  # fmt: skip
    assert response.json()["image_url"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "0"}, "price"),
        ({"price": "abc"}, "price"),
        ({"sku": "tee-m-red"}, "sku"),
        ({"sku": ""}, "sku"),
        ({"weight_grams": -1}, "weight_grams"),
        ({"is_active": "maybe"}, "is_active"),
        ({"image_id": 999999}, "image_id"),
        ({"image_id": "1"}, "image_id"),
        ({"stock": 50}, "stock"),
        ({"options": {"Size": "M"}}, "options"),
    ],
)
def test_a_bad_variant_change_is_a_400(seller_client, tee, body, field):
    """Bad values, a taken SKU, an unknown image, stock or options: 400 on the field."""
    variant = tee.variants.get(sku="TEE-S-RED")
    response = seller_client.patch(variant_url(variant), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    variant.refresh_from_db()
    assert (variant.sku, variant.price, variant.stock) == ("TEE-S-RED",
                                                           Decimal("10.00"), 3)  # fmt: skip


def test_another_products_image_is_refused(seller_client, tee, seller):
    """A variant shows one of its own product's images only."""
    other = ProductImageFactory(product=ProductFactory(seller=seller))
    variant = tee.variants.first()
    response = seller_client.patch(
        variant_url(variant), {"image_id": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"image_id": ["No such image of this product."]}


def test_delete_archives_a_variant(seller_client, api_client, tee):
    """204; the variant stays, inactive; the product's price and stock are its active
    variants'."""
    cheapest = tee.variants.get(sku="TEE-S-RED")
    assert seller_client.delete(variant_url(cheapest)).status_code == 204
    cheapest.refresh_from_db()
    assert cheapest.is_active is False
    body = api_client.get(f"{PRODUCTS}{tee.pk}/").json()
    assert (body["price"], body["stock"]) == ("12.00", 5)
    assert [v["is_active"] for v in body["variants"]] == [False, True, True]
    response = seller_client.patch(variant_url(cheapest), {"is_active": True},
                                   format="json")  # fmt: skip
    assert response.json()["is_active"] is True
    assert api_client.get(f"{PRODUCTS}{tee.pk}/").json()["price"] == "10.00"


def test_variant_adjust_stock(seller_client, tee, seller):
    """200 with the variant; a movement; below zero 409 naming the variant."""
    variant = tee.variants.get(sku="TEE-M-BLUE")
    url = variant_url(variant, "adjust-stock/")
    response = seller_client.post(url, {"delta": -2, "reason": "torn"}, format="json")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["stock"]) == (variant.pk, 3)
    movement = StockMovement.objects.get()
    assert (movement.variant, movement.delta, movement.note, movement.user) == (
        variant, -2, "torn", seller,
    )  # fmt: skip
    response = seller_client.post(url, {"delta": -4}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 3 of Tee — M / Blue left.", "code": "insufficient_stock",
        "available": 3, "variant_id": variant.pk, "product_id": tee.pk,
    }  # fmt: skip
    for bad in ({"delta": 0}, {"delta": "1"}, {}):
        assert seller_client.post(url, bad, format="json").status_code == 400


def test_unknown_variants_are_404(staff_client):
    for path in ("999999/", "abc/", "9999999999999999999999/"):
        assert staff_client.patch(f"/api/v1/variants/{path}", {}).status_code == 404


# --- who may ---------------------------------------------------------------------------


def _add_variant(client, tee):
    body = {"options": {"Size": "S", "Colour": "Blue"}, "price": "9.00"}
    return client.post(f"{PRODUCTS}{tee.pk}/variants/", body, format="json")


def _patch_variant(client, tee):
    variant = tee.variants.first()
    return client.patch(variant_url(variant), {"price": "9.00"}, format="json")


def _delete_variant(client, tee):
    return client.delete(variant_url(tee.variants.first()))


def _adjust_variant(client, tee):
    url = variant_url(tee.variants.first(), "adjust-stock/")
    return client.post(url, {"delta": 1}, format="json")


ENDPOINTS = {"add": (_add_variant, 201), "patch": (_patch_variant, 200),
             "delete": (_delete_variant, 204), "adjust": (_adjust_variant, 200)}  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("client_name", "allowed"), zip(CLIENTS, [401, 403, True, 403, True], strict=True)
)
def test_permissions_of_the_variant_endpoints(request, tee, endpoint, client_name,
                                              allowed):  # fmt: skip
    """The product's seller and staff; another seller or a customer 403; anonymous 401."""
    call, success = ENDPOINTS[endpoint]
    response = call(request.getfixturevalue(client_name), tee)
    assert response.status_code == (success if allowed is True else allowed)
    if allowed is not True:
        assert tee.variants.count() == 3 and not StockMovement.objects.exists()
        assert not tee.variants.filter(price=Decimal("9.00")).exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("client_name", "allowed"), zip(CLIENTS, [401, 404, True, 404, True], strict=True)
)
def test_permissions_on_an_archived_product(request, tee, endpoint, client_name,
                                            allowed):  # fmt: skip
    """Those who cannot see an archived product get 404 for its variants, not 403."""
    Product.objects.filter(pk=tee.pk).update(is_active=False)
    call, success = ENDPOINTS[endpoint]
    response = call(request.getfixturevalue(client_name), tee)
    assert response.status_code == (success if allowed is True else allowed)
