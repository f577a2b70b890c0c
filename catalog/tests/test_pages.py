"""The catalog pages: list, search, category, sort, pagination, product, 404."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [p.name for p in response.context["products"]]


def test_catalog_lists_active_products_with_price_and_sold_out_badge(client):
    """Active products show with their price in the currency; sold-out ones are marked."""
    ProductFactory(name="Blue Mug", price=Decimal("12.50"), stock=3)
    ProductFactory(name="Red Mug", stock=0)
    ProductFactory(name="Hidden Mug", is_active=False)

    response = client.get(reverse("shop:catalog"))

    assert response.status_code == 200
    assert sorted(_names(response)) == ["Blue Mug", "Red Mug"]
    html = response.content.decode()
    assert "$12.50" in html
    assert "Sold out" in html
    assert "Hidden Mug" not in html


def test_catalog_search_matches_name_and_description(client):
    """?q= finds products by a word of their name or description, case-insensitively."""
    ProductFactory(name="Espresso cup", description="Porcelain")
    ProductFactory(name="Teapot", description="Holds one litre of ESPRESSO-free tea")
    ProductFactory(name="Chair", description="Oak")

    response = client.get(reverse("shop:catalog"), {"q": "espresso"})

    assert response.status_code == 200
    assert sorted(_names(response)) == ["Espresso cup", "Teapot"]
    assert "Results for" in response.content.decode()


def test_catalog_search_without_results_says_so(client):
    """A search that matches nothing answers 200 with a friendly empty state."""
    ProductFactory(name="Chair")

    response = client.get(reverse("shop:catalog"), {"q": "zzz-nothing"})

    assert response.status_code == 200
    assert _names(response) == []
    assert "No products found" in response.content.decode()


def test_category_page_includes_sub_categories(client):
    """A category's page lists its own products and those of its sub-categories only."""
    kitchen = CategoryFactory(name="Kitchen")
    cups = CategoryFactory(name="Cups", parent=kitchen)
    garden = CategoryFactory(name="Garden")
    ProductFactory(name="Pan", category=kitchen)
    ProductFactory(name="Cup", category=cups)
    ProductFactory(name="Rake", category=garden)

    response = client.get(reverse("shop:category", args=["kitchen"]))

    assert response.status_code == 200
    assert sorted(_names(response)) == ["Cup", "Pan"]
    html = response.content.decode()
    # The header's category menu shows the sub-category under its parent.
    assert 'href="/c/cups/"' in html
    assert 'href="/c/garden/"' in html


def test_unknown_category_is_the_shops_404_page(client):
    """An unknown category slug answers 404 with the shop's own page."""
    response = client.get("/c/no-such-category/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert "css/shop.css" in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Cheap", "Mid", "Dear"]),
        ("-price", ["Dear", "Mid", "Cheap"]),
        ("name", ["Cheap", "Dear", "Mid"]),
    ],
)
def test_catalog_sorts_by_price_and_name(client, sort, expected):
    """?sort=price / -price / name orders the products."""
    ProductFactory(name="Mid", price=Decimal("5.00"))
    ProductFactory(name="Dear", price=Decimal("9.00"))
    ProductFactory(name="Cheap", price=Decimal("1.00"))

    response = client.get(reverse("shop:catalog"), {"sort": sort})

    assert response.status_code == 200
    assert _names(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "DROP TABLE"},
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1"},
        {"q": "x" * 500},
        {"q": "\x00"},
    ],
)
def test_catalog_bad_query_values_never_fail(client, params):
    """Unknown sorts, bad or huge page numbers and absurd searches answer 200, not a 500."""
    ProductFactory(name="Only")

    response = client.get(reverse("shop:catalog"), params)

    assert response.status_code == 200


def test_catalog_paginates_twelve_per_page_and_keeps_the_query(client):
    """Products come twelve to a page, and the next link keeps the search and sort."""
    for i in range(14):
        ProductFactory(name=f"Lamp {i:02d}")

    first = client.get(reverse("shop:catalog"), {"q": "lamp", "sort": "name"})
    second = client.get(
        reverse("shop:catalog"), {"q": "lamp", "sort": "name", "page": 2}
    )

    assert len(_names(first)) == 12
    assert "q=lamp&amp;sort=name&amp;page=2" in first.content.decode()
    assert _names(second) == ["Lamp 12", "Lamp 13"]


def test_product_page_shows_details_and_add_to_cart_form(client):
    """A product's page shows its name, price, stock state and an Add to cart form with CSRF."""
    product = ProductFactory(
        name="Walnut Board",
        price=Decimal("45.00"),
        stock=2,
        description="Oiled walnut.",
    )

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Walnut Board" in html
    assert "$45.00" in html
    assert "Only 2 left in stock" in html
    assert "Oiled walnut." in html
    assert 'action="/cart/add/"' in html
    assert "csrfmiddlewaretoken" in html
    assert '<label for="id_quantity">Quantity</label>' in html
    assert "Add to cart" in html


def test_sold_out_product_has_no_add_to_cart_button(client):
    """A product with no stock says it is sold out and offers no Add to cart button."""
    product = ProductFactory(stock=0)

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    assert "Sold out" in response.content.decode()
    assert "Add to cart" not in response.content.decode()


def test_archived_product_page_is_404(client):
    """An archived (inactive) product's page is 404 in the shop's look."""
    product = ProductFactory(is_active=False)

    response = client.get(product.get_absolute_url())

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_header_shows_sign_in_search_and_empty_cart_badge(client):
    """Every page's header has the shop name, search box, sign-in link and the cart count."""
    response = client.get(reverse("shop:catalog"))

    html = response.content.decode()
    assert "Corner Shop" in html
    assert 'role="search"' in html
    assert 'href="/accounts/login/"' in html
    assert 'data-testid="cart-count">0<' in html


def test_catalog_works_while_the_cart_store_is_down(client, settings):
    """With the carts' Redis unreachable the catalog and a product page still render;
    the badge just shows no count."""
    from cart.cart import SESSION_KEY, new_token

    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    product = ProductFactory(name="Still here")
    # A session cart token makes the badge ask the store.
    session = client.session
    session[SESSION_KEY] = new_token()
    session.save()

    for url in (reverse("shop:catalog"), product.get_absolute_url()):
        response = client.get(url)

        assert response.status_code == 200
        assert "Still here" in response.content.decode()
        assert 'data-testid="cart-count"' not in response.content.decode()
