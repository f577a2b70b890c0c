"""The shared cache of the public catalog's JSON (catalog.cache): what it serves, when it
stops serving a copy, and what it never shares. Runs against the real Redis of the tests
(the cache is on with REDIS_URL). With Redis down the catalog is built as if nothing
were cached: shop/tests/test_outages.py."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache

from catalog.cache import VERSION_KEY, catalog_changed
from catalog.models import Product
from catalog.stock import StockChange, stock_adjust, stock_apply
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import client_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.SHOP_CATALOG_CACHE_SECONDS, reason="the catalog cache is off"
    ),
]

PRODUCTS = "/api/v1/products/"


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


def test_a_cached_list_page_costs_no_query(
    api_client, product, django_assert_num_queries
):
    data = warm(api_client, PRODUCTS)
    with django_assert_num_queries(0):
        response = api_client.get(PRODUCTS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == data and data["results"][0]["price"] == "12.50"


def test_a_cached_product_costs_no_query(
    api_client, product, django_assert_num_queries
):
    url = f"{PRODUCTS}{product.pk}/"
    data = warm(api_client, url)
    with django_assert_num_queries(0):
        assert api_client.get(url).json() == data


def test_a_product_change_is_seen_at_once(api_client, product, staff_user):
    url = f"{PRODUCTS}{product.pk}/"
    warm(api_client, PRODUCTS)
    warm(api_client, url)
    response = client_for(staff_user).patch(url, {"price": "9.99"}, format="json")
    assert response.status_code == 200
    assert api_client.get(PRODUCTS).json()["results"][0]["price"] == "9.99"
    assert api_client.get(url).json()["price"] == "9.99"


def test_a_stock_change_is_seen_at_once(api_client, product, staff_user):
    """The stock service writes with a raw UPDATE (no model signal): it still
    replaces the token."""
    url = f"{PRODUCTS}{product.pk}/"
    warm(api_client, url)
    stock_adjust(product=product, delta=-5, reason="adjustment", user=staff_user)
    assert api_client.get(url).json()["stock"] == 2
    stock_apply(changes=[StockChange(product.pk, -2)], reason="adjustment")
    data = api_client.get(url).json()
    assert (data["stock"], data["in_stock"]) == (0, False)


def test_a_category_rename_is_seen_at_once(api_client, product):
    warm(api_client, PRODUCTS)
    category = product.category
    category.slug = "mugs"
    category.save()
    assert api_client.get(PRODUCTS).json()["results"][0]["category"] == "mugs"


def test_a_deleted_or_archived_product_leaves_the_cached_list(
    api_client, product, seller
):
    other = ProductFactory(seller=seller)
    assert len(warm(api_client, PRODUCTS)["results"]) == 2
    client_for(seller).delete(f"{PRODUCTS}{product.pk}/")  # archives
    assert [p["id"] for p in api_client.get(PRODUCTS).json()["results"]] == [other.pk]
    Product.objects.get(pk=other.pk).delete()
    assert api_client.get(PRODUCTS).json()["results"] == []


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
    owner = client_for(seller)
    owner.delete(f"{PRODUCTS}{product.pk}/")
    url = f"{PRODUCTS}?include_inactive=true"
    for _ in range(2):
        assert [p["id"] for p in owner.get(url).json()["results"]] == [product.pk]
        assert api_client.get(url).json()["results"] == []


def test_errors_are_not_cached(api_client, product, django_assert_max_num_queries):
    for _ in range(3):
        assert api_client.get(f"{PRODUCTS}?min_price=abc").status_code == 400
        assert api_client.get(f"{PRODUCTS}999999/").status_code == 404
    url = f"{PRODUCTS}{product.pk}/"
    Product.objects.filter(pk=product.pk).delete()
    assert api_client.get(url).status_code == 404


@pytest.mark.parametrize("status", [201, 204, 301, 404, 500])
def test_an_answer_other_than_200_is_never_kept(status):
    """The rule itself, on ``cached_json`` with a view that returns (not raises) its
    answer: anything but a 200 is built again on every read; a 200 is kept."""
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from catalog.cache import cached_json

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
    assert (
        len(built) == 3 + 2
    )  # the first read makes the token, the second keeps a copy
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
def test_only_canonical_query_strings_are_shared(
    api_client, product, query, django_assert_max_num_queries
):
    """A client cannot mint new copies by inventing URLs: other query strings are
    answered (correctly) without being stored."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"{PRODUCTS}?{query}"
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(url)
        assert response.status_code == 200
        assert len(queries.captured_queries) >= 1
    assert cache.keys("catalog:json:*") == []
    warm(api_client, f"{PRODUCTS}?in_stock=true&ordering=-price&page_size=20")
    assert len(cache.keys("catalog:json:*")) == 1


def test_a_product_url_with_a_query_string_is_not_shared(api_client, product):
    url = f"{PRODUCTS}{product.pk}/?x=1"
    for _ in range(3):
        assert api_client.get(url).json()["id"] == product.pk
    assert cache.keys("catalog:json:*") == []


def test_a_copy_built_across_a_write_is_not_served(
    api_client, product, monkeypatch, django_assert_max_num_queries
):
    """A copy is stored under the token read before building it: when a write replaces
    the token meanwhile, that copy is never served as current."""
    from catalog.api import views

    warm(api_client, PRODUCTS)
    cache.delete_pattern("catalog:json:*")
    built = views.ProductViewSet._list

    def build_while_a_write_commits(self):
        response = built(self)
        Product.objects.filter(pk=product.pk).update(price=Decimal("1.00"))
        catalog_changed()
        return response

    monkeypatch.setattr(views.ProductViewSet, "_list", build_while_a_write_commits)
    assert api_client.get(PRODUCTS).json()["results"][0]["price"] == "12.50"
    monkeypatch.setattr(views.ProductViewSet, "_list", built)
    assert api_client.get(PRODUCTS).json()["results"][0]["price"] == "1.00"


def test_off_when_configured_off(
    api_client, product, settings, django_assert_num_queries
):
    settings.SHOP_CATALOG_CACHE_SECONDS = 0
    cache.delete(VERSION_KEY)
    api_client.get(PRODUCTS)
    api_client.get(PRODUCTS)
    assert cache.get(VERSION_KEY) is None
    with django_assert_num_queries(1):  # the page (the list fits: no count query)
        assert api_client.get(PRODUCTS).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_token_changes_when_the_write_commits_not_before(monkeypatch, product):
    """Outside tests the token is replaced by transaction.on_commit: a read between the
    write and its commit must not store old rows under a new token."""
    from django.db import transaction

    from catalog import cache as catalog_cache

    monkeypatch.setattr(catalog_cache, "_after_commit", transaction.on_commit)
    before = cache.get(VERSION_KEY)
    with transaction.atomic():
        product.name = "Red Mug"
        product.save()
        assert cache.get(VERSION_KEY) == before
    after = cache.get(VERSION_KEY)
    assert after is not None and after != before
    with transaction.atomic():
        stock_apply(changes=[StockChange(product.pk, -1)], reason="adjustment")
        assert cache.get(VERSION_KEY) == after
    assert cache.get(VERSION_KEY) != after
