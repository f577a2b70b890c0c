"""The product list's and detail's fast path renders exactly what ProductSerializer
renders; the list's filters are only built when the query names one."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIRequestFactory

from catalog.api.filters import ProductFilter
from catalog.api.serializers import ProductSerializer
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def test_list_items_equal_the_serializers_json(api_client, tmp_path, settings):
    """Each list item is ProductSerializer's JSON: money strings, dates, slugs, image URLs."""
    settings.MEDIA_ROOT = tmp_path
    parent = CategoryFactory(slug="home")
    with_image = ProductFactory(
        price=Decimal("1234.5"), stock=0, category=CategoryFactory(parent=parent)
    )
    with_image.image.save("lamp.png", ContentFile(b"png"), save=True)
    ProductFactory(price=Decimal("0.01"), stock=7, description="")

    response = api_client.get("/api/v1/products/")

    assert response.status_code == 200
    request = APIRequestFactory().get("/api/v1/products/")
    expected = [
        ProductSerializer(p, context={"request": request}).data
        for p in Product.objects.order_by("-created_at", "-id")
    ]
    assert response.json()["results"] == [dict(item) for item in expected]
    assert response.json()["results"][1]["price"] == "1234.50"
    assert response.json()["results"][1]["image_url"].startswith("http://testserver/")
    assert response.json()["results"][0]["image_url"] is None


def test_detail_equals_the_serializers_json(api_client, tmp_path, settings):
    """A product's detail is ProductSerializer's JSON, also with an image and a zero stock."""
    settings.MEDIA_ROOT = tmp_path
    product = ProductFactory(price=Decimal("7"), stock=0, description="")
    product.image.save("mug ü.png", ContentFile(b"png"), save=True)

    response = api_client.get(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 200
    request = APIRequestFactory().get(f"/api/v1/products/{product.pk}/")
    product.refresh_from_db()
    assert response.json() == dict(
        ProductSerializer(product, context={"request": request}).data
    )
    assert response.json()["price"] == "7.00"
    assert response.json()["in_stock"] is False
    assert response.json()["image_url"].startswith("http://testserver/media/")


def test_detail_of_an_archived_product_is_the_sellers_only(api_client):
    """An archived product: 404 JSON to the public, the full JSON to its own seller."""
    product = ProductFactory(is_active=False)

    hidden = api_client.get(f"/api/v1/products/{product.pk}/")
    shown = client_for(product.seller).get(f"/api/v1/products/{product.pk}/")

    assert hidden.status_code == 404
    assert hidden.json() == {"detail": "Not found.", "code": "not_found"}
    assert shown.status_code == 200
    assert shown.json()["id"] == product.pk
    assert shown.json()["is_active"] is False


@pytest.mark.parametrize(
    "params", ["?min_price=abc", "?in_stock=true&seller=0", "?search=zzz"]
)
def test_list_filters_do_not_apply_to_one_product(api_client, params):
    """The list's query filters are the list's: one product is found by its id alone."""
    product = ProductFactory(stock=0)

    response = api_client.get(f"/api/v1/products/{product.pk}/{params}")

    assert response.status_code == 200
    assert response.json()["id"] == product.pk


def test_filter_backend_builds_no_filterset_without_filter_params(
    api_client, monkeypatch
):
    """Only pagination in the query: no FilterSet is built, and the page is the same."""
    ProductFactory.create_batch(3)
    built = []
    original = ProductFilter.__init__

    def spy(self, *args, **kwargs):
        built.append(kwargs.get("data"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ProductFilter, "__init__", spy)

    plain = api_client.get("/api/v1/products/?page_size=2&page=2")
    filtered = api_client.get("/api/v1/products/?min_price=0")

    assert plain.status_code == 200
    assert [p["id"] for p in plain.json()["results"]] == [
        p.pk for p in Product.objects.order_by("-created_at", "-id")[2:]
    ]
    assert plain.json()["count"] == 3
    assert filtered.status_code == 200
    assert filtered.json()["count"] == 3
    assert len(built) == 1 and built[0]["min_price"] == "0"


def test_filter_backend_still_validates_any_named_filter(api_client):
    """A bad value for any filter is still a 400 field error when it is in the query."""
    ProductFactory()

    response = api_client.get("/api/v1/products/?page_size=5&min_stock=-1")

    assert response.status_code == 400
    assert list(response.json()) == ["min_stock"]


def test_filter_backend_each_filter_reads_its_own_parameter():
    """Every ProductFilter field reads one parameter named like the filter (what lets the
    backend skip the FilterSet when none of those names is in the query)."""
    from django.forms import MultiWidget

    form = ProductFilter(data={}).form
    for name in ProductFilter.base_filters:
        assert not isinstance(form.fields[name].widget, MultiWidget), name
        assert form.add_prefix(name) == name


def test_small_catalog_list_is_one_query_with_an_exact_count(
    api_client, django_assert_num_queries
):
    """In a small catalog a page and its exact count are one query: the count is a
    capped subquery on the product ids alone (no join, no product columns)."""
    from catalog.selectors import products_are_few

    ProductFactory.create_batch(23, category=CategoryFactory())
    assert products_are_few()
    with django_assert_num_queries(1) as queries:
        body = api_client.get("/api/v1/products/?page_size=20").json()
    assert body["count"] == 23 and len(body["results"]) == 20 and body["next"]
    sql = queries.captured_queries[0]["sql"]
    subquery = sql[sql.index("SELECT COUNT(*) FROM (") :]
    subquery = subquery[: subquery.index(") AS capped")]
    assert "JOIN" not in subquery and '"slug"' not in subquery, subquery
    second = api_client.get("/api/v1/products/?page_size=20&page=2").json()
    assert second["count"] == 23 and len(second["results"]) == 3
    assert second["next"] is None
    assert api_client.get("/api/v1/products/?page_size=20&page=3").status_code == 404
    empty = api_client.get("/api/v1/products/?category=no-such-category")
    assert empty.status_code == 200  # an unknown category filters to nothing
    assert empty.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_count_reads_only_product_ids(api_client, monkeypatch):
    """In a large catalog, past one page the count runs (planner estimate, capped
    count) on the product ids alone: no category/seller join, no product columns,
    whatever the page shows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.api import pagination

    monkeypatch.setattr(pagination, "products_are_few", lambda: False)
    ProductFactory.create_batch(23, category=CategoryFactory())

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/products/?page_size=20")

    assert response.status_code == 200
    assert response.json()["count"] == 23
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]
                or q["sql"].startswith("EXPLAIN")]  # fmt: skip
    assert counting
    for sql in counting:
        assert "JOIN" not in sql and '"slug"' not in sql, sql


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 21, 9, 30, 5, tzinfo=datetime.UTC),  # no fraction
        datetime.datetime(2026, 11, 21, 9, 30, tzinfo=ZoneInfo("Europe/Paris")),
        None,
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_row_timestamps_render_as_drf_does(value, zone):
    """The rows' UTC shortcut gives DRF's DateTimeField output, in any current zone."""
    from django.utils import timezone
    from rest_framework import serializers

    from catalog.api.serializers import _utc_renderer

    drf = serializers.DateTimeField()
    with timezone.override(zone):
        expected = None if value is None else drf.to_representation(value)
        assert _utc_renderer(drf.to_representation)(value) == expected
