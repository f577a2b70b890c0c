"""The product list's filters over variants: ``option=<name>:<value>`` (repeatable),
``in_stock``, ``min_stock``, the price bounds on the "from" price, search by SKU and
the ordering."""

from decimal import Decimal

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.models import Product, Variant
from catalog.selectors import product_list, with_option_values
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    product_with_variants,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {p["id"] for p in response.json()["results"]}


@pytest.fixture
def shop(seller):
    """A tee: S/Red out of stock, M/Red 2 left, M/Blue archived with stock, L/Blue 4 at
    30.00; a mug in two sizes (one sold out); a plain lamp (no options)."""
    clothes = CategoryFactory(slug="clothes")
    tee = product_with_variants(
        seller=seller, category=clothes, name="Tee", description="Cotton.",
        options={"Size": ["S", "M", "L"], "Colour": ["Red", "Blue"]},
        variants=[
            {"sku": "TEE-S-RED", "options": {"Size": "S", "Colour": "Red"},
             "price": Decimal("10.00"), "stock": 0},
            {"sku": "TEE-M-RED", "options": {"Size": "M", "Colour": "Red"},
             "price": Decimal("12.00"), "stock": 2},
            {"sku": "TEE-M-BLUE", "options": {"Size": "M", "Colour": "Blue"},
             "price": Decimal("12.00"), "stock": 9, "is_active": False},
            {"sku": "TEE-L-BLUE", "options": {"Size": "L", "Colour": "Blue"},
             "price": Decimal("30.00"), "stock": 4},
        ],
    )  # fmt: skip
    mug = product_with_variants(
        seller=seller, name="Mug", description="Stoneware.",
        options={"Size": ["Small", "Large"]},
        variants=[
            {"sku": "MUG-S", "options": {"Size": "Small"}, "price": Decimal("8.00"),
             "stock": 0},
            {"sku": "MUG-L", "options": {"Size": "Large"}, "price": Decimal("11.00"),
             "stock": 1},
        ],
    )  # fmt: skip
    lamp = ProductFactory(seller=seller, name="Lamp", description="Bright.",
                          price=Decimal("25.00"), stock=0, variant__sku="LAMP-1")  # fmt: skip
    return {"tee": tee, "mug": mug, "lamp": lamp}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["Size:M"], {"tee"}),
        (["Size:L"], {"tee"}),
        (["Size:S"], set()),  # out of stock
        (["Colour:Red", "Size:M"], {"tee"}),
        (["Colour:Blue", "Size:M"], set()),  # that variant is archived
        (["Colour:Blue"], {"tee"}),  # L/Blue
        (["Size:S", "Colour:Blue"], set()),  # no one variant has both
        (["Size:M", "Size:L"], set()),  # one variant has one value of an option
        (["Size:Large"], {"mug"}),
        (["Size:Small"], set()),
        (["Size:m"], set()),  # values are exact
        (["Material:Wool"], set()),
        (["a__b:c"], set()),  # an odd name is a name, not a lookup path
        (["Size:M:Slim"], set()),  # the value is everything after the first colon
    ],
)
def test_option_filter(api_client, shop, options, expected):
    """Products with an active variant in stock that has every value named."""
    found = ids(api_client.get(PRODUCTS, {"option": options}))
    assert found == {shop[name].pk for name in expected}


@pytest.mark.parametrize("value", ["Size", ":M", "Size:", " : ", "", "x" * 60 + ":" +
                                   "y" * 50])  # fmt: skip
def test_a_malformed_option_is_a_400(api_client, shop, value):
    response = api_client.get(PRODUCTS, {"option": ["Size:M", value]})
    assert response.status_code == 400
    assert list(response.json()) == ["option"]


def test_option_filter_combines_with_the_others(api_client, shop):
    """option with category, price bounds and search narrows the same list."""
    tee = shop["tee"].pk
    assert ids(
        api_client.get(PRODUCTS, {"option": "Size:M", "category": "clothes"})
    ) == {tee}
    assert (
        ids(api_client.get(PRODUCTS, {"option": "Size:M", "max_price": "9"})) == set()
    )
    assert ids(api_client.get(PRODUCTS, {"option": "Size:L", "search": "cotton"})) == {
        tee
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"in_stock": "true"}, {"tee", "mug"}),
        ({"in_stock": "false"}, {"lamp"}),
        ({"min_stock": "6"}, {"tee"}),  # 2 + 4: the archived variant's 9 not counted
        ({"min_stock": "7"}, set()),
        ({"min_stock": "1"}, {"tee", "mug"}),
        ({"min_price": "10.00", "max_price": "10.00"}, {"tee"}),  # "from" 10.00
        ({"min_price": "11.00"}, {"lamp"}),  # the mug is "from" 8.00, sold out
        ({"max_price": "8.00"}, {"mug"}),
    ],
)
def test_stock_and_price_filters_read_the_variants(api_client, shop, params, expected):
    """in_stock: an active variant in stock; min_stock: the active variants' sum; the
    price bounds: the lowest active variant's price, in stock or not."""
    assert ids(api_client.get(PRODUCTS, params)) == {shop[n].pk for n in expected}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("TEE-M-RED", {"tee"}),
        ("tee-l-blue", {"tee"}),
        ("mug-l", {"mug"}),
        ("LAMP-1", {"lamp"}),
        ("TEE-XL", set()),
    ],
)
def test_search_finds_a_sku(api_client, shop, term, expected):
    """A SKU typed whole, in any case, finds its product."""
    assert ids(api_client.get(PRODUCTS, {"search": term})) == {
        shop[n].pk for n in expected
    }


def test_the_list_shows_derived_price_and_stock(api_client, shop):
    """Each product of the list: the "from" price, the active variants' stock."""
    rows = {p["id"]: p for p in api_client.get(PRODUCTS).json()["results"]}
    tee = rows[shop["tee"].pk]
    assert (tee["price"], tee["stock"], tee["in_stock"]) == ("10.00", 6, True)
    assert len(tee["variants"]) == 4 and len(tee["options"]) == 2
    lamp = rows[shop["lamp"].pk]
    assert (lamp["price"], lamp["stock"], lamp["in_stock"]) == ("25.00", 0, False)


def test_ordering_by_price_uses_the_from_price(api_client, shop):
    order = [p["id"] for p in api_client.get(PRODUCTS, {"ordering": "price"}).json()
             ["results"]]  # fmt: skip
    assert order == [shop["mug"].pk, shop["tee"].pk, shop["lamp"].pk]
    order = [p["id"] for p in api_client.get(PRODUCTS, {"ordering": "-price"}).json()
             ["results"]]  # fmt: skip
    assert order == [shop["lamp"].pk, shop["tee"].pk, shop["mug"].pk]


# --- the index ---------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
@pytest.mark.django_db(transaction=True)  # committed, ANALYZEd, then truncated
def test_a_rare_option_value_is_found_through_the_gin_index(api_client):
    """On a catalog of 3,000 variants, the option filter's containment test is answered
    by the GIN index of migration catalog.0007 (variant_options_gin_idx), not by reading
    every variant; the answer is right."""
    seller, category = UserFactory(role="seller"), CategoryFactory()
    products = Product.objects.bulk_create(
        Product(seller=seller, category=category, name=f"Tee {n}", slug=f"tee-{n}",
                price=Decimal("5.00"))
        for n in range(1000)
    )  # fmt: skip
    sizes, colours = ["S", "M", "L"], ["Red", "Blue", "Black", "White"]
    Variant.objects.bulk_create(
        Variant(product=p, sku=f"T-{p.pk}-{i}", price=Decimal("5.00"), stock=3,
                options={"Size": sizes[i], "Colour": colours[p.pk % 4]},
                signature=f"{sizes[i]}\x1f{colours[p.pk % 4]}")
        for p in products for i in range(3)
    )  # fmt: skip
    rare = Variant.objects.filter(product=products[7]).first()
    Variant.objects.filter(pk=rare.pk).update(options={"Size": "S", "Colour": "Mauve"})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_variant")
        query = with_option_values(product_list(), {"Colour": "Mauve"})
        sql, params = query.order_by("-created_at", "-id")[:20].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "variant_options_gin_idx" in plan, plan
    assert ids(api_client.get(PRODUCTS, {"option": "Colour:Mauve"})) == {products[7].pk}
