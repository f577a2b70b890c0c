"""The catalog API contract of API.md: shapes, filters, permissions and failure paths."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Category, Product, ProductImage, StockMovement, Variant
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
CATEGORIES = "/api/v1/categories/"
SELLERS = "/api/v1/sellers/"


def product_url(product) -> str:
    return f"{PRODUCTS}{product.pk}/"


def adjust_url(product) -> str:
    return f"{PRODUCTS}{product.pk}/adjust-stock/"


def ids(response) -> list[int]:
    return [p["id"] for p in response.json()["results"]]


@pytest.fixture
def category():
    return CategoryFactory(name="Kitchen", slug="kitchen")


@pytest.fixture
def product(seller, category):
    return ProductFactory(
        seller=seller,
        category=category,
        name="Blue Mug",
        slug="blue-mug",
        description="A mug.",
        price=Decimal("12.50"),
        stock=7,
    )


# --- Shapes ---------------------------------------------------------------------------


def test_product_detail_has_exact_shape(api_client, product):
    """A product renders exactly the API.md fields, price as a 2-place string."""
    response = api_client.get(product_url(product))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "slug",
        "name",
        "description",
        "price",
        "stock",
        "in_stock",
        "category",
        "seller",
        "is_active",
        "image_url",
        "images",
        "options",
        "variants",
        "created_at",
        "updated_at",
    }
    assert body["id"] == product.pk
    assert body["slug"] == "blue-mug"
    assert body["price"] == "12.50"
    assert body["stock"] == 7
    assert body["in_stock"] is True
    assert body["category"] == "kitchen"
    assert body["seller"] == product.seller_id
    assert body["is_active"] is True
    assert body["image_url"] is None
    assert body["images"] == [] and body["options"] == []
    variant = product.variants.get()
    assert body["variants"] == [
        {
            "id": variant.pk,
            "sku": variant.sku,
            "options": {},
            "price": "12.50",
            "stock": 7,
            "in_stock": True,
            "weight_grams": 0,
            "image_url": None,
            "is_active": True,
        }
    ]


def test_image_url_is_absolute(api_client, product):
    """A product with images shows absolute URLs to them, the first as image_url."""
    first = ProductImage.objects.create(
        product=product, image="products/blue-mug.png", alt="Front", position=0
    )
    ProductImage.objects.create(
        product=product, image="products/blue-mug-2.png", position=1
    )
    body = api_client.get(product_url(product)).json()
    assert body["image_url"] == "http://testserver/media/products/blue-mug.png"
    assert body["images"][0] == {
        "id": first.pk,
        "url": "http://testserver/media/products/blue-mug.png",
        "alt": "Front",
        "position": 0,
    }
    assert [i["position"] for i in body["images"]] == [0, 1]


def test_list_is_paginated(api_client, product):
    """Lists answer {count, next, previous, results}."""
    response = api_client.get(PRODUCTS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert body["results"][0]["slug"] == "blue-mug"


# --- Visibility -----------------------------------------------------------------------


def test_inactive_product_is_hidden_from_public(
    api_client, customer_client, other_seller_client, product
):
    """An archived product is 404 for anyone but its seller and staff, and not listed."""
    Product.objects.filter(pk=product.pk).update(is_active=False)
    for client in (api_client, customer_client, other_seller_client):
        response = client.get(product_url(product))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert client.get(PRODUCTS).json()["count"] == 0


def test_seller_and_staff_still_see_archived_product(
    seller_client, staff_client, product
):
    """The product's own seller and staff can read an archived product."""
    Product.objects.filter(pk=product.pk).update(is_active=False)
    assert seller_client.get(product_url(product)).json()["is_active"] is False
    assert staff_client.get(product_url(product)).status_code == 200


def test_include_inactive_for_staff_only(api_client, staff_client, product):
    """?include_inactive=true lists archived products for staff; others still see active only."""
    archived = ProductFactory(is_active=False)
    assert ids(staff_client.get(PRODUCTS)) == [product.pk]
    assert set(ids(staff_client.get(PRODUCTS, {"include_inactive": "true"}))) == {
        product.pk,
        archived.pk,
    }
    assert ids(api_client.get(PRODUCTS, {"include_inactive": "true"})) == [product.pk]


def test_include_inactive_for_seller_shows_only_own_archived(
    seller_client, seller, product
):
    """A seller asking include_inactive sees its own archived products, not others'."""
    mine = ProductFactory(seller=seller, is_active=False)
    ProductFactory(is_active=False)
    assert set(ids(seller_client.get(PRODUCTS, {"include_inactive": "true"}))) == {
        product.pk,
        mine.pk,
    }


@pytest.mark.parametrize("path", ["999999/", "abc/", "99999999999999999999999/"])
def test_unknown_product_is_404(api_client, path):
    """Unknown, non-numeric and huge ids are a 404, never a 500."""
    assert api_client.get(PRODUCTS + path).status_code == 404


# --- Create ---------------------------------------------------------------------------


def valid_payload(**overrides) -> dict:
    payload = {
        "name": "Green Teapot",
        "description": "Holds tea.",
        "price": "24.00",
        "category": "kitchen",
        "stock": 5,
    }
    payload.update(overrides)
    return payload


def test_seller_creates_product(seller_client, seller, category):
    """A seller creates a product it sells; slug from the name; initial stock as a movement."""
    response = seller_client.post(PRODUCTS, valid_payload(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "green-teapot"
    assert body["seller"] == seller.pk
    assert body["price"] == "24.00"
    assert body["stock"] == 5
    variant = Variant.objects.get(product_id=body["id"])
    assert [v["id"] for v in body["variants"]] == [variant.pk]
    assert (variant.price, variant.stock, variant.options) == (Decimal("24.00"), 5, {})
    movement = StockMovement.objects.get(variant=variant)
    assert (movement.delta, movement.stock_after, movement.reason) == (5, 5, "initial")
    assert movement.user == seller


def test_duplicate_names_get_unique_slugs(seller_client, category):
    """Two products with the same name get distinct slugs."""
    first = seller_client.post(PRODUCTS, valid_payload(), format="json").json()
    second = seller_client.post(PRODUCTS, valid_payload(), format="json").json()
    third = seller_client.post(PRODUCTS, valid_payload(), format="json").json()
    assert [first["slug"], second["slug"], third["slug"]] == [
        "green-teapot",
        "green-teapot-2",
        "green-teapot-3",
    ]


def test_create_without_stock_writes_no_movement(seller_client, category):
    """Stock defaults to 0 and no movement is written for nothing."""
    payload = valid_payload()
    del payload["stock"]
    response = seller_client.post(PRODUCTS, payload, format="json")
    assert response.status_code == 201
    assert response.json()["stock"] == 0
    assert response.json()["in_stock"] is False
    assert not StockMovement.objects.exists()


def test_staff_creates_for_a_named_seller(staff_client, seller, category):
    """Staff may name the seller of a new product."""
    response = staff_client.post(
        PRODUCTS, valid_payload(seller=seller.pk), format="json"
    )
    assert response.status_code == 201
    assert response.json()["seller"] == seller.pk


def test_seller_cannot_create_for_another_seller(seller_client, other_seller, category):
    """A seller naming another seller gets a 400 on the seller field."""
    response = seller_client.post(
        PRODUCTS, valid_payload(seller=other_seller.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "seller": ["Only staff may create products for another seller."]
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": "0.00"}, "price"),
        ({"price": "-1"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"price": "10000000000"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": None}, "price"),
        ({"price": True}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": 1_000_001}, "stock"),
        ({"stock": "5"}, "stock"),
        ({"stock": 5.5}, "stock"),
        ({"stock": True}, "stock"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"category": "no-such-category"}, "category"),
        ({"category": 1}, "category"),
        ({"seller": 999999}, "seller"),
        ({"is_active": "maybe"}, "is_active"),
    ],
)
def test_create_rejects_bad_fields(seller_client, category, overrides, field):
    """Bad, wrong-typed, negative or absurd values are a 400 naming the field."""
    response = seller_client.post(PRODUCTS, valid_payload(**overrides), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Product.objects.exists()


@pytest.mark.parametrize("missing", ["name", "price", "category"])
def test_create_requires_fields(seller_client, category, missing):
    """name, price and category are required."""
    payload = valid_payload()
    del payload[missing]
    response = seller_client.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


def test_create_rejects_non_json(seller_client, category):
    """A form-encoded or malformed body is a 4xx, not a 500."""
    response = seller_client.post(
        PRODUCTS, "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    response = seller_client.post(
        PRODUCTS, "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    response = seller_client.post(PRODUCTS, [1, 2], format="json")
    assert response.status_code == 400


def test_unicode_name_gets_ascii_slug(seller_client, category):
    """A name without ASCII letters still gets a usable slug."""
    response = seller_client.post(PRODUCTS, valid_payload(name="日本茶"), format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "product"
    assert response.json()["name"] == "日本茶"


# --- Update, archive ------------------------------------------------------------------


def test_seller_patches_own_product(seller_client, product):
    """The product's seller changes its price and name; the slug stays."""
    response = seller_client.patch(
        product_url(product), {"price": "15.00", "name": "Big Blue Mug"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["price"] == "15.00"
    assert response.json()["name"] == "Big Blue Mug"
    assert response.json()["slug"] == "blue-mug"
    product.refresh_from_db()
    assert product.price == Decimal("15.00")


def test_put_replaces_product(staff_client, product, category):
    """PUT with every field replaces the product (stock sent unchanged is accepted)."""
    payload = {
        "name": "Mug",
        "description": "",
        "price": "9.99",
        "category": "kitchen",
        "stock": 7,
        "is_active": True,
    }
    response = staff_client.put(product_url(product), payload, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Mug"
    assert response.json()["description"] == ""


def test_patch_refuses_stock_change(seller_client, product):
    """Stock is not writable by PATCH: it changes only through adjust-stock."""
    response = seller_client.patch(product_url(product), {"stock": 100}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "stock": ["Stock is read-only here; use POST .../adjust-stock/."]
    }
    product.refresh_from_db()
    assert product.stock == 7


def test_patch_refuses_seller_change(staff_client, product, other_seller):
    """A product's seller cannot be changed."""
    response = staff_client.patch(
        product_url(product), {"seller": other_seller.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"seller": ["The seller of a product cannot be changed."]}


def test_patch_rejects_bad_price(seller_client, product):
    """A bad price on update is a 400 and nothing changes."""
    response = seller_client.patch(product_url(product), {"price": "0"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["price"]


def test_delete_archives(seller_client, api_client, product):
    """DELETE hides the product (is_active false) but keeps the row."""
    response = seller_client.delete(product_url(product))
    assert response.status_code == 204
    product.refresh_from_db()
    assert product.is_active is False
    assert api_client.get(product_url(product)).status_code == 404
    # The seller can bring it back.
    response = seller_client.patch(
        product_url(product), {"is_active": True}, format="json"
    )
    assert response.status_code == 200
    assert api_client.get(product_url(product)).status_code == 200


# --- Permission matrix ---------------------------------------------------------------

CLIENTS = [
    "api_client",
    "customer_client",
    "seller_client",
    "other_seller_client",
    "staff_client",
]


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 201, 201, 201], strict=True),
)
def test_permissions_create(request, category, client_name, expected):
    """Create: anonymous 401, customer 403, sellers and staff 201."""
    client = request.getfixturevalue(client_name)
    assert client.post(PRODUCTS, valid_payload(), format="json").status_code == expected


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 200, 403, 200], strict=True),
)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_permissions_update(request, product, client_name, expected, method):
    """Update: only the product's seller and staff; others 403, anonymous 401."""
    client = request.getfixturevalue(client_name)
    payload = {"name": "Renamed", "price": "1.00", "category": "kitchen"}
    response = getattr(client, method)(product_url(product), payload, format="json")
    assert response.status_code == expected
    product.refresh_from_db()
    assert (product.name == "Renamed") is (expected == 200)


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 204, 403, 204], strict=True),
)
def test_permissions_delete(request, product, client_name, expected):
    """Delete (archive): only the product's seller and staff."""
    client = request.getfixturevalue(client_name)
    assert client.delete(product_url(product)).status_code == expected
    product.refresh_from_db()
    assert product.is_active is (expected != 204)


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 200, 403, 200], strict=True),
)
def test_permissions_adjust_stock(request, product, client_name, expected):
    """Adjust stock: only the product's seller and staff."""
    client = request.getfixturevalue(client_name)
    response = client.post(
        adjust_url(product), {"delta": 1, "reason": "found"}, format="json"
    )
    assert response.status_code == expected
    product.refresh_from_db()
    assert product.stock == (8 if expected == 200 else 7)


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 404, 200, 404, 200], strict=True),
)
def test_permissions_on_archived_product(request, product, client_name, expected):
    """Writes to an archived product: those who cannot see it get 404, not 403."""
    Product.objects.filter(pk=product.pk).update(is_active=False)
    client = request.getfixturevalue(client_name)
    response = client.patch(product_url(product), {"name": "X"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 403, 403, 201], strict=True),
)
def test_permissions_category_create(request, client_name, expected):
    """Category writes: staff only."""
    client = request.getfixturevalue(client_name)
    response = client.post(CATEGORIES, {"name": "Garden"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 403, 403, 200], strict=True),
)
def test_permissions_category_update(request, category, client_name, expected):
    """Category update: staff only."""
    client = request.getfixturevalue(client_name)
    response = client.patch(f"{CATEGORIES}kitchen/", {"name": "Cooking"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 403, 403, 204], strict=True),
)
def test_permissions_category_delete(request, client_name, expected):
    """Category delete: staff only."""
    CategoryFactory(name="Empty", slug="empty")
    client = request.getfixturevalue(client_name)
    assert client.delete(f"{CATEGORIES}empty/").status_code == expected


# --- Adjust stock ---------------------------------------------------------------------


def test_adjust_stock_changes_stock_and_records_movement(
    seller_client, seller, product
):
    """adjust-stock answers the product with the new stock and writes a movement."""
    response = seller_client.post(
        adjust_url(product), {"delta": -3, "reason": "broken"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["stock"] == 4
    assert response.json()["id"] == product.pk
    movement = StockMovement.objects.get(variant__product=product)
    assert (movement.delta, movement.stock_after, movement.reason, movement.note) == (
        -3,
        4,
        "adjustment",
        "broken",
    )
    assert movement.user == seller


def test_adjust_stock_below_zero_is_409(seller_client, product):
    """Taking more than is there is a 409 with what is available; nothing changes."""
    response = seller_client.post(adjust_url(product), {"delta": -8}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["available"] == 7
    product.refresh_from_db()
    assert product.stock == 7
    assert not StockMovement.objects.exists()


def test_adjust_stock_to_exactly_zero(seller_client, product):
    """Stock may reach 0 exactly; the product is then out of stock."""
    response = seller_client.post(adjust_url(product), {"delta": -7}, format="json")
    assert response.status_code == 200
    assert response.json()["stock"] == 0
    assert response.json()["in_stock"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"delta": 0},
        {"delta": 1_000_001},
        {"delta": -1_000_001},
        {"delta": "5"},
        {"delta": 2.5},
        {"delta": 2.0},
        {"delta": True},
        {"delta": None},
        {"delta": [1]},
        {},
        {"delta": 1, "reason": "x" * 256},
    ],
)
def test_adjust_stock_rejects_bad_delta(seller_client, product, body):
    """Zero, absurd or non-integer deltas are a 400; nothing changes."""
    response = seller_client.post(adjust_url(product), body, format="json")
    assert response.status_code == 400
    product.refresh_from_db()
    assert product.stock == 7
    assert not StockMovement.objects.exists()


def test_adjust_stock_unknown_product(staff_client):
    """Adjusting an unknown product is a 404."""
    response = staff_client.post(
        f"{PRODUCTS}999999/adjust-stock/", {"delta": 1}, format="json"
    )
    assert response.status_code == 404


# --- Filters, ordering, pagination ----------------------------------------------------


@pytest.fixture
def catalog_tree(seller, other_seller):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=kitchen)
    garden = CategoryFactory(name="Garden", slug="garden")
    return {
        "mug": ProductFactory(
            name="Blue Mug",
            slug="blue-mug",
            description="Ceramic.",
            category=mugs,
            price=Decimal("10.00"),
            stock=0,
            seller=seller,
        ),
        "pan": ProductFactory(
            name="Iron Pan",
            slug="iron-pan",
            description="Heavy iron.",
            category=kitchen,
            price=Decimal("40.00"),
            stock=3,
            seller=seller,
        ),
        "rake": ProductFactory(
            name="Rake",
            slug="rake",
            description="For blue leaves.",
            category=garden,
            price=Decimal("25.50"),
            stock=12,
            seller=other_seller,
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "mug"}, {"mug"}),
        ({"search": "BLUE"}, {"mug", "rake"}),
        ({"search": "blue leaves"}, {"rake"}),
        ({"search": "nothing-like-this"}, set()),
        ({"category": "kitchen"}, {"mug", "pan"}),
        ({"category": "mugs"}, {"mug"}),
        ({"category": "garden"}, {"rake"}),
        ({"category": "unknown"}, set()),
        ({"min_price": "25.50"}, {"pan", "rake"}),
        ({"max_price": "25.50"}, {"mug", "rake"}),
        ({"min_price": "11", "max_price": "30"}, {"rake"}),
        ({"in_stock": "true"}, {"pan", "rake"}),
        ({"in_stock": "false"}, {"mug"}),
        ({"in_stock": "maybe"}, {"mug", "pan", "rake"}),
        ({"min_stock": "3"}, {"pan", "rake"}),
        ({"min_stock": "10"}, {"rake"}),
        ({"category": "kitchen", "in_stock": "true"}, {"pan"}),
    ],
)
def test_filters(api_client, catalog_tree, params, expected):
    """Every product filter narrows the list as documented."""
    response = api_client.get(PRODUCTS, params)
    assert response.status_code == 200
    assert set(ids(response)) == {catalog_tree[k].pk for k in expected}


def test_seller_filter(api_client, catalog_tree, other_seller):
    """?seller=ID lists that seller's products."""
    assert ids(api_client.get(PRODUCTS, {"seller": other_seller.pk})) == [
        catalog_tree["rake"].pk
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "abc"},
        {"max_price": "1e999999"},
        {"min_price": "-1"},
        {"min_price": "1.999"},
        {"min_stock": "-1"},
        {"min_stock": "abc"},
        {"min_stock": "99999999999999"},
        {"seller": "x"},
        {"seller": "0"},
        {"search": "x" * 201},
    ],
)
def test_bad_filter_values_are_400(api_client, catalog_tree, params):
    """Filter values of the wrong type or out of range are a 400 naming the filter."""
    response = api_client.get(PRODUCTS, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "a\x00b"}, 400),
        ({"category": "\x00"}, 400),
        ({"ordering": "bogus"}, 200),
    ],
)
def test_odd_filter_values_do_not_fail(api_client, catalog_tree, params, expected):
    """NUL bytes are a 400 and unknown orderings are ignored, never a 500."""
    assert api_client.get(PRODUCTS, params).status_code == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["mug", "rake", "pan"]),
        ("-price", ["pan", "rake", "mug"]),
        ("name", ["mug", "pan", "rake"]),
        ("-created_at", ["rake", "pan", "mug"]),
        (None, ["rake", "pan", "mug"]),
    ],
)
def test_ordering(api_client, catalog_tree, ordering, expected):
    """ordering=price,-price,name,-created_at; newest first by default."""
    params = {"ordering": ordering} if ordering else {}
    assert ids(api_client.get(PRODUCTS, params)) == [
        catalog_tree[k].pk for k in expected
    ]


def test_pagination_and_max_page_size(api_client, category, seller):
    """page_size is honoured up to 100; pages link to each other; a huge page is a 404."""
    ProductFactory.create_batch(105, category=category, seller=seller)
    body = api_client.get(PRODUCTS, {"page_size": 5}).json()
    assert body["count"] == 105 and len(body["results"]) == 5
    assert "page=2" in body["next"]
    assert len(api_client.get(PRODUCTS, {"page_size": 1000}).json()["results"]) == 100
    assert len(api_client.get(PRODUCTS, {"page_size": "abc"}).json()["results"]) == 20
    second = api_client.get(PRODUCTS, {"page": 2}).json()
    assert second["previous"] is not None
    assert not set(ids(api_client.get(PRODUCTS))) & {p["id"] for p in second["results"]}
    for page in ("999999", "abc", "0", "-1"):
        response = api_client.get(PRODUCTS, {"page": page})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- Categories -----------------------------------------------------------------------


def test_category_list_and_detail(api_client):
    """Categories render {id, slug, name, parent (slug)}; looked up by slug."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=kitchen)
    body = api_client.get(CATEGORIES).json()
    assert body["results"] == [
        {"id": kitchen.pk, "slug": "kitchen", "name": "Kitchen", "parent": None},
        {"id": mugs.pk, "slug": "mugs", "name": "Mugs", "parent": "kitchen"},
    ]
    assert api_client.get(f"{CATEGORIES}mugs/").json()["parent"] == "kitchen"
    assert api_client.get(f"{CATEGORIES}nope/").status_code == 404


def test_staff_creates_category_with_parent(staff_client, category):
    """Staff creates a sub-category; the slug is made from the name."""
    response = staff_client.post(
        CATEGORIES, {"name": "Tea Pots", "parent": "kitchen"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "slug": "tea-pots",
        "name": "Tea Pots",
        "parent": "kitchen",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "X", "parent": "nope"}, "parent"),
        ({"name": "X", "slug": "not a slug"}, "slug"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_category_create_rejects_bad_fields(staff_client, body, field):
    """Bad category fields are a 400 naming the field."""
    response = staff_client.post(CATEGORIES, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_duplicate_category_slug(staff_client, category):
    """A taken category slug is refused (409 slug_taken), not a 500."""
    response = staff_client.post(CATEGORIES, {"name": "Kitchen"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slug_taken"
    assert Category.objects.count() == 1


def test_category_cannot_be_its_own_ancestor(staff_client):
    """Moving a category under its own sub-category is a 400."""
    CategoryFactory(name="A", slug="a")
    CategoryFactory(name="B", slug="b", parent=Category.objects.get(slug="a"))
    response = staff_client.patch(f"{CATEGORIES}a/", {"parent": "b"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "category_cycle"
    response = staff_client.patch(f"{CATEGORIES}a/", {"parent": "a"}, format="json")
    assert response.status_code == 400


def test_delete_category_with_products_is_409(staff_client, product):
    """A category that still has products cannot be deleted: 409 with a clear message."""
    response = staff_client.delete(f"{CATEGORIES}kitchen/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This category still has products (archived ones included); move them first.",
        "code": "category_in_use",
    }


def test_delete_category_with_children_is_409(staff_client, category):
    """A category with sub-categories cannot be deleted."""
    CategoryFactory(name="Mugs", slug="mugs", parent=category)
    response = staff_client.delete(f"{CATEGORIES}kitchen/")
    assert response.status_code == 409
    assert response.json()["code"] == "category_in_use"


# --- Sellers --------------------------------------------------------------------------


def test_sellers_count_active_products(api_client, seller, other_seller, customer):
    """Sellers list only sellers, each with its number of active products."""
    ProductFactory.create_batch(2, seller=seller)
    ProductFactory(seller=seller, is_active=False)
    response = api_client.get(SELLERS)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": seller.pk, "name": seller.name, "product_count": 2},
        {"id": other_seller.pk, "name": other_seller.name, "product_count": 0},
    ]
    assert api_client.get(f"{SELLERS}{seller.pk}/").json()["product_count"] == 2
    assert api_client.get(f"{SELLERS}{customer.pk}/").status_code == 404
    assert api_client.get(f"{SELLERS}abc/").status_code == 404


def test_routes_are_namespaced():
    """The API routes are reachable by their namespaced names."""
    assert reverse("api:product-list") == PRODUCTS
    assert reverse("api:product-adjust-stock", args=[1]) == f"{PRODUCTS}1/adjust-stock/"
    assert reverse("api:category-detail", args=["kitchen"]) == f"{CATEGORIES}kitchen/"
    assert reverse("api:seller-list") == SELLERS


def test_a_fractional_seller_id_is_refused(staff_client, seller, category):
    """A seller id of 1.5 is a 400, not seller 1."""
    body = {"name": "Odd", "price": "1.00", "category": category.slug,
            "seller": seller.pk + 0.5}  # fmt: skip
    response = staff_client.post(PRODUCTS, body, format="json")
    assert response.status_code == 400
    assert "seller" in response.json()
