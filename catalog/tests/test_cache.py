"""The shared cache of the public catalog's JSON (catalog.cache): what it serves, when it
stops serving a copy, and what it never shares.

The cache is off in tests (SHOP_CATALOG_CACHE_SECONDS=0); these tests turn it on and
run against the tests' real Redis. A copy is replaced when a write commits, so the
writes here commit for real (``django_db(transaction=True)``) or run their on-commit
callbacks (``django_capture_on_commit_callbacks(execute=True)``). Whether a read was
served from a copy is seen by changing a row behind the cache's back
(``QuerySet.update`` sends no signal): a copy still shows the old value. With Redis
down the catalog is built as if nothing were cached: shop/tests/test_outages.py.
"""

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from catalog.cache import cached_json
from catalog.models import Product, ProductOption, Variant
from catalog.stock import StockChange, stock_adjust, stock_apply
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
)
from conftest import client_for

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.SHOP_CATALOG_CACHE_SECONDS = 60


@pytest.fixture
def product(seller):
    return ProductFactory(
        seller=seller,
        category=CategoryFactory(slug="kitchen"),
        name="Blue Mug",
        price=Decimal("12.50"),
        stock=7,
    )


def warm(client, url):
    """Two reads: the first makes the version token, the second stores the copy."""
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    return second.json()


def behind_the_caches_back(product, price: str) -> None:
    """Change a price without telling the cache (no signal, no catalog_changed)."""
    Product.objects.filter(pk=product.pk).update(price=Decimal(price))


def first_price(client) -> str:
    return client.get(PRODUCTS).json()["results"][0]["price"]


def copies() -> list:
    return cache.keys("catalog:json:*")


# --- what is served ---------------------------------------------------------------------


def test_a_list_page_is_served_from_its_copy(api_client, product):
    """Once warm, the list is the stored copy: a change nobody announced is not seen,
    and the copy is the same JSON the view built."""
    data = warm(api_client, PRODUCTS)
    behind_the_caches_back(product, "1.00")
    response = api_client.get(PRODUCTS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == data and data["results"][0]["price"] == "12.50"


def test_a_product_is_served_from_its_copy(api_client, product):
    """A product's detail is kept the same way."""
    url = f"{PRODUCTS}{product.pk}/"
    data = warm(api_client, url)
    behind_the_caches_back(product, "1.00")
    assert api_client.get(url).json() == data


def test_the_first_read_only_makes_the_token(api_client, product):
    """With no token yet (first use, Redis emptied) a read stores nothing: the copy is
    made by the next read."""
    api_client.get(PRODUCTS)
    behind_the_caches_back(product, "2.00")
    assert first_price(api_client) == "2.00"  # built again, and now kept
    behind_the_caches_back(product, "3.00")
    assert first_price(api_client) == "2.00"


def test_off_when_configured_off(api_client, product, settings):
    """SHOP_CATALOG_CACHE_SECONDS=0: every read is built, nothing is stored."""
    settings.SHOP_CATALOG_CACHE_SECONDS = 0
    warm(api_client, PRODUCTS)
    behind_the_caches_back(product, "1.00")
    assert first_price(api_client) == "1.00"
    assert copies() == []


# --- when a copy stops being served ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_product_change_is_seen_once_it_commits(api_client, product, staff_user):
    """A PATCH through the API commits and replaces the token: list and detail show
    the new price at once."""
    url = f"{PRODUCTS}{product.pk}/"
    warm(api_client, PRODUCTS)
    warm(api_client, url)
    response = client_for(staff_user).patch(url, {"price": "9.99"}, format="json")
    assert response.status_code == 200
    assert first_price(api_client) == "9.99"
    assert api_client.get(url).json()["price"] == "9.99"


def test_a_stock_change_is_seen_once_it_commits(
    api_client, product, staff_user, django_capture_on_commit_callbacks
):
    """The stock service writes in bulk (no model signal): its commit still replaces
    the token, for an adjustment and for a checkout's kind of change alike."""
    url = f"{PRODUCTS}{product.pk}/"
    variant = product.variants.get()
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(variant=variant, delta=-5, reason="adjustment", user=staff_user)
    assert api_client.get(url).json()["stock"] == 2
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        stock_apply(changes=[StockChange(variant.pk, -2)], reason="checkout")
    data = api_client.get(url).json()
    assert (data["stock"], data["in_stock"]) == (0, False)
    assert data["variants"][0]["stock"] == 0


def test_the_copy_holds_the_variants_and_images(api_client, product):
    """A product's stored JSON is the whole product: its variants, options, images."""
    url = f"{PRODUCTS}{product.pk}/"
    data = warm(api_client, url)
    assert [v["id"] for v in data["variants"]] == [product.variants.get().pk]
    Variant.objects.filter(product=product).update(price=Decimal("1.00"))
    assert api_client.get(url).json()["variants"][0]["price"] == "12.50"
    assert api_client.get(url).json() == data


def test_variant_writes_are_seen_once_they_commit(
    api_client, product, seller, django_capture_on_commit_callbacks
):
    """A variant's new price, a new variant, an archived variant and a variant's stock
    adjusted through the API each replace the token: list and detail show them."""
    owner = client_for(seller)
    url = f"{PRODUCTS}{product.pk}/"
    variant = product.variants.get()
    warm(api_client, url)
    warm(api_client, PRODUCTS)
    with django_capture_on_commit_callbacks(execute=True):
        answer = owner.patch(
            f"/api/v1/variants/{variant.pk}/", {"price": "3.00"}, format="json"
        )
    assert answer.status_code == 200
    assert api_client.get(url).json()["variants"][0]["price"] == "3.00"
    assert first_price(api_client) == "3.00"
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/api/v1/variants/{variant.pk}/adjust-stock/", {"delta": 2},
                   format="json")  # fmt: skip
    assert api_client.get(url).json()["variants"][0]["stock"] == 9
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete(f"/api/v1/variants/{variant.pk}/")
    data = api_client.get(url).json()
    assert (data["variants"][0]["is_active"], data["in_stock"]) == (False, False)


def test_option_and_image_writes_are_seen_once_they_commit(
    api_client, product, django_capture_on_commit_callbacks
):
    """An image added or removed, an option saved: the copy is replaced."""
    url = f"{PRODUCTS}{product.pk}/"
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        image = ProductImageFactory(product=product)
    assert [i["id"] for i in api_client.get(url).json()["images"]] == [image.pk]
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert api_client.get(url).json()["image_url"] is None
    warm(api_client, url)
    with django_capture_on_commit_callbacks(execute=True):
        ProductOption.objects.create(product=product, name="Size", position=0,
                                     values=["S"])  # fmt: skip
    assert api_client.get(url).json()["options"] == [{"name": "Size", "values": ["S"]}]


def test_a_category_rename_is_seen_once_it_commits(
    api_client, product, django_capture_on_commit_callbacks
):
    """A category's new slug shows in the cached list once saved."""
    warm(api_client, PRODUCTS)
    category = product.category
    category.slug = "mugs"
    with django_capture_on_commit_callbacks(execute=True):
        category.save()
    assert api_client.get(PRODUCTS).json()["results"][0]["category"] == "mugs"


def test_a_deleted_or_archived_product_leaves_the_cached_list(
    api_client, product, seller, django_capture_on_commit_callbacks
):
    """Archived through the API or deleted: the product is gone from the list."""
    other = ProductFactory(seller=seller)
    assert len(warm(api_client, PRODUCTS)["results"]) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client_for(seller).delete(f"{PRODUCTS}{product.pk}/")  # archives
    assert [p["id"] for p in api_client.get(PRODUCTS).json()["results"]] == [other.pk]
    warm(api_client, PRODUCTS)
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.get(pk=other.pk).delete()
    assert api_client.get(PRODUCTS).json()["results"] == []


def test_a_write_that_rolls_back_keeps_the_copy(api_client, product):
    """A write undone by its transaction announces nothing: the copy stays current."""
    warm(api_client, PRODUCTS)
    with pytest.raises(RuntimeError), transaction.atomic():
        product.price = Decimal("5.00")
        product.save()
        raise RuntimeError("undone")
    behind_the_caches_back(product, "1.00")
    assert first_price(api_client) == "12.50"


@pytest.mark.django_db(transaction=True)
def test_a_read_during_a_write_cannot_outlive_its_commit(api_client, product):
    """The token is replaced after the commit, not before: a read while the write is
    uncommitted (it still sees the old rows) never leaves a copy that is served after
    the commit."""
    warm(api_client, PRODUCTS)
    seen = []

    def read_elsewhere():  # another connection: the write is not visible to it yet
        try:
            seen.append(first_price(APIClient()))
            seen.append(first_price(APIClient()))
        finally:
            connection.close()

    with transaction.atomic():
        product.price = Decimal("9.99")
        product.save()
        reader = threading.Thread(target=read_elsewhere)
        reader.start()
        reader.join(10)
    assert seen == ["12.50", "12.50"]
    assert first_price(api_client) == "9.99"


@pytest.mark.django_db(transaction=True)
def test_a_copy_built_across_a_write_is_not_served(product):
    """A copy is stored under the token read before building it: when a write commits
    while the answer is being built, that copy is never served as current."""
    builds = []

    class PriceView(APIView):
        authentication_classes, permission_classes = [], []

        def get(self, request):
            def build():
                builds.append(1)
                price = Product.objects.get(pk=product.pk).price
                if len(builds) == 1:  # a write commits while this answer is built
                    changed = Product.objects.get(pk=product.pk)
                    changed.price = Decimal("1.00")
                    changed.save()
                return Response({"price": str(price)})

            return cached_json(self, build)

    view, factory = PriceView.as_view(), APIRequestFactory()

    def read() -> str:
        response = view(factory.get("/price/"))
        if hasattr(response, "render"):  # built now (a kept copy comes rendered)
            response.render()
        return response.content.decode()

    # The product's creation (cache on) made the token: the first answer is stored.
    assert read() == '{"price":"12.50"}'  # built across the write
    assert read() == '{"price":"1.00"}'  # that copy is not served
    assert read() == '{"price":"1.00"}'
    assert len(builds) == 2  # the last read was the new copy


# --- what is never shared ---------------------------------------------------------------


def test_an_archived_product_is_never_shared(api_client, product, seller):
    """Its seller still reads it; an anonymous read right after gets a 404, not the
    seller's copy."""
    url = f"{PRODUCTS}{product.pk}/"
    owner = client_for(seller)
    owner.delete(url)
    for _ in range(2):
        assert owner.get(url).status_code == 200
        assert api_client.get(url).status_code == 404


def test_include_inactive_lists_are_never_shared(api_client, product, seller):
    """A list with include_inactive depends on who asks: never stored."""
    owner = client_for(seller)
    owner.delete(f"{PRODUCTS}{product.pk}/")
    url = f"{PRODUCTS}?include_inactive=true"
    for _ in range(2):
        assert [p["id"] for p in owner.get(url).json()["results"]] == [product.pk]
        assert api_client.get(url).json()["results"] == []
    assert copies() == []


def test_errors_are_not_cached(api_client, product):
    """A 400 or 404 is answered again each time; a product deleted since it was read
    is a 404 at once."""
    for _ in range(3):
        assert api_client.get(f"{PRODUCTS}?min_price=abc").status_code == 400
        assert api_client.get(f"{PRODUCTS}999999/").status_code == 404
    assert copies() == []
    url = f"{PRODUCTS}{product.pk}/"
    Product.objects.filter(pk=product.pk).delete()
    assert api_client.get(url).status_code == 404


@pytest.mark.parametrize("status", [201, 204, 301, 404, 500])
def test_an_answer_other_than_200_is_never_kept(status):
    """The rule itself, on ``cached_json`` with a view that returns (not raises) its
    answer: anything but a 200 is built again on every read; a 200 is kept."""
    built = []

    class Answer(APIView):
        authentication_classes, permission_classes = [], []
        status_code = status

        def get(self, request):
            def build():
                built.append(1)
                return Response({"n": len(built)}, status=self.status_code)

            return cached_json(self, build)

    view, factory = Answer.as_view(), APIRequestFactory()

    def read():
        response = view(factory.get("/answer/"))
        if hasattr(response, "render"):  # built now (a kept copy comes rendered)
            response.render()
        return response

    for _ in range(3):
        assert read().status_code == status
    assert len(built) == 3

    Answer.status_code = 200
    bodies = [read().content for _ in range(3)]
    # The first read makes the token, the second keeps a copy, the third is the copy.
    assert len(built) == 3 + 2
    assert bodies[2] == bodies[1] == b'{"n":5}'


def test_each_url_and_host_has_its_own_copy(api_client, seller):
    """Query strings and hosts (absolute image and page links) are part of the key."""
    for n in range(21):
        ProductFactory(seller=seller, price=Decimal(f"{n + 1}.00"))
    paged = f"{PRODUCTS}?ordering=price&page_size=20"
    assert warm(api_client, paged)["results"][0]["price"] == "1.00"
    expensive = api_client.get(f"{PRODUCTS}?ordering=-price&page_size=20").json()
    assert expensive["results"][0]["price"] == "21.00"
    other_host = api_client.get(paged, HTTP_HOST="localhost").json()
    assert other_host["next"].startswith("http://localhost/")
    assert api_client.get(paged).json()["next"].startswith("http://testserver/")


@pytest.mark.parametrize(
    "query",
    [
        "page_size=020",  # not the canonical spelling
        "page_size=7",  # not one of the shared sizes
        "x=1",  # unknown parameter
        "search=mug",  # free text
        "max_price=99.00",  # a number
        "ordering=price&ordering=name",  # twice
        "include_inactive=false",
        "page=%31",  # percent-encoded
        "page_size=20&ordering=price",  # not in name order
        "category=no-such-category",  # an empty list
        "seller=999999",  # an empty list
    ],
)
def test_only_canonical_query_strings_are_shared(api_client, product, query):
    """A client cannot mint new copies by inventing URLs: other query strings are
    answered (correctly) without being stored."""
    url = f"{PRODUCTS}?{query}"
    for _ in range(3):
        assert api_client.get(url).status_code == 200
    assert copies() == []
    warm(api_client, f"{PRODUCTS}?in_stock=true&ordering=-price&page_size=20")
    assert len(copies()) == 1


def test_a_product_url_with_a_query_string_is_not_shared(api_client, product):
    """A product's URL with any query string is answered fresh, never stored."""
    url = f"{PRODUCTS}{product.pk}/?x=1"
    for _ in range(3):
        assert api_client.get(url).json()["id"] == product.pk
    assert copies() == []
