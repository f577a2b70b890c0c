"""Full-text product search on PostgreSQL (catalog.selectors.product_text_search), and
the product list's count at scale (catalog.selectors.product_count)."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from catalog.models import Product, Variant
from catalog.selectors import EXACT_COUNT_UP_TO, product_text_search
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
    ),
]


@pytest.fixture
def catalog():
    return {
        "mug": ProductFactory(
            name="Speckled Mug", description="Stoneware, holds hot drinks."
        ),
        "mugs": ProductFactory(
            name="Set of mugs", description="Four cups for running mornings."
        ),
        "lamp": ProductFactory(
            name="Desk lamp", description="Brass; the light runs warm."
        ),
        "kettle": ProductFactory(
            name="Copper kettle", description="Boils water quickly."
        ),
    }


def _found(term):
    return {p.name for p in product_text_search(Product.objects.all(), term)}


def test_search_matches_word_stems(catalog):
    """English stems: "mugs" finds "Mug" and "running" finds "runs"."""
    assert _found("mugs") == {"Speckled Mug", "Set of mugs"}
    assert _found("running") == {"Set of mugs", "Desk lamp"}


def test_search_needs_every_word_in_name_or_description(catalog):
    """Several words must all match, each in the name or the description."""
    assert _found("mug stoneware") == {"Speckled Mug"}
    assert _found("brass desk") == {"Desk lamp"}
    assert _found("copper lamp") == set()


def test_search_matches_a_word_prefix(catalog):
    """A partial word matches as a prefix: "ket" finds the kettle, "bra" the brass lamp."""
    assert _found("ket") == {"Copper kettle"}
    assert _found("BRA") == {"Desk lamp"}


def test_search_is_case_insensitive_and_ignores_punctuation(catalog):
    """Case and punctuation do not matter: "COPPER-kettle!" is the words copper and kettle."""
    assert _found("COPPER-kettle!") == {"Copper kettle"}


@pytest.mark.parametrize(
    "term",
    [
        "a & b",
        "!mug",
        "mug | lamp",
        "'mug'",
        "mug:*",
        "(mug",
        "<->",
        "a\\b",
        "ünïcødé ☃",
        "x" * 500,
    ],
)
def test_search_operators_in_input_are_plain_text(catalog, term):
    """tsquery syntax in the input is never interpreted and never an error."""
    assert _found(term) <= {p.name for p in catalog.values()}


def test_search_operators_are_words_not_logic(catalog):
    """ "!mug" is the word mug (not "no mug"); "mug | lamp" needs both words (not either)."""
    assert _found("!mug") == {"Speckled Mug", "Set of mugs"}
    assert _found("mug | lamp") == set()


def test_search_of_only_stop_words_or_symbols_finds_nothing(catalog):
    """A term without searchable words ("the", "&&") matches no product."""
    assert _found("the") == set()
    assert _found("&&") == set()


def test_search_uses_the_gin_index():
    """The search expression is the indexed one, so the planner can use the GIN index."""
    query = product_text_search(Product.objects.all(), "copper kettle")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "product_search_vector_idx" in plan, plan


def test_search_follows_a_renamed_product(catalog):
    """The stored search vector is regenerated on save: the new name is found, the old
    one no longer is."""
    kettle = catalog["kettle"]
    kettle.name = "Enamel teapot"
    kettle.description = "Pours well."
    kettle.save()
    assert _found("teapot") == {"Enamel teapot"}
    assert _found("enam pour") == {"Enamel teapot"}
    assert _found("copper") == set()
    Product.objects.filter(pk=kettle.pk).update(description="Holds tea leaves.")
    assert _found("leaves teapot") == {"Enamel teapot"}


def test_search_word_split_by_the_parser_needs_both_parts():
    """A word PostgreSQL's parser splits ("foo½bar") needs both parts, anywhere in the
    text (the stored vector has no positions, so it is never a phrase that cannot match)."""
    ProductFactory(name="Foo lamp", description="The bar is included.")
    ProductFactory(name="Foo only", description="Nothing else.")
    assert _found("foo½bar") == {"Foo lamp"}


def test_search_prefix_is_a_stored_lexeme_not_a_partial_match(catalog):
    """Prefixes are stored in the vector (migration 0004), so a plain lexeme query
    matches a prefix ("ket" is in the kettle's vector) without a partial-match scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ plainto_tsquery('english', 'ket'), "
            "search_vector @@ plainto_tsquery('english', 'kettles') FROM catalog_product "
            "WHERE id = %s",
            [catalog["kettle"].pk],
        )
        assert cursor.fetchone() == (True, True)


def test_search_of_a_common_word_walks_the_newest_first_index():
    """With many matches, the newest-first page is read from the created-at index and
    stops after a page of matches (no sort of every match)."""
    for number in range(200):
        ProductFactory(name=f"Lamp {number}", description="Brass.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = product_text_search(Product.objects.filter(is_active=True), "lamp")
        sql, params = query.order_by("-created_at", "-id")[:20].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "product_active_created_idx" in plan, plan


# --- the list's count at scale ------------------------------------------------------

PRODUCTS = "/api/v1/products/"


def bulk_products(count: int) -> None:
    """``count`` active products in one INSERT, then fresh planner statistics."""
    seller, category = UserFactory(role="seller"), CategoryFactory()
    products = Product.objects.bulk_create(
        Product(seller=seller, category=category, name=f"Bulk {n}", slug=f"bulk-{n}",
                price=Decimal("1.00"))
        for n in range(count)
    )  # fmt: skip
    Variant.objects.bulk_create(
        Variant(product=p, sku=f"BULK-{p.pk}", price=Decimal("1.00"), stock=1)
        for p in products
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")


def test_list_count_is_exact_up_to_the_threshold(api_client):
    """Up to EXACT_COUNT_UP_TO products the count is exact, with pages to match."""
    bulk_products(EXACT_COUNT_UP_TO)
    body = api_client.get(PRODUCTS, {"page_size": 100}).json()
    assert body["count"] == EXACT_COUNT_UP_TO and len(body["results"]) == 100
    last = api_client.get(PRODUCTS, {"page_size": 100, "page": 10}).json()
    assert (last["count"], len(last["results"]), last["next"]) == (
        EXACT_COUNT_UP_TO, 100, None,
    )  # fmt: skip
    assert api_client.get(PRODUCTS, {"page_size": 100, "page": 11}).status_code == 404


# Statistics are written outside transactions (ANALYZE updates pg_class in place): these
# tests commit, so that the flush after them (TRUNCATE) leaves no stale statistics to
# the next test. The rows they remove stay uncommitted: no autovacuum can see them and
# refresh the statistics halfway.


@pytest.mark.django_db(transaction=True)
def test_a_large_list_shows_the_planners_estimate_not_a_count(api_client):
    """Where the planner expects well above the threshold, its estimate is the count
    (no row is counted); the last page, found short, makes it exact."""
    bulk_products(2500)
    with transaction.atomic():
        # 2000 left; the statistics still say 2500.
        Product.objects.exclude(slug__in=[f"bulk-{n}" for n in range(2000)]).delete()
        first = api_client.get(PRODUCTS, {"page_size": 100}).json()
        assert first["count"] > 2 * EXACT_COUNT_UP_TO
        assert first["count"] != 2000 and len(first["results"]) == 100
        last = api_client.get(PRODUCTS, {"page_size": 100, "page": 20}).json()
        assert (last["count"], len(last["results"]), last["next"]) == (2000, 100, None)
        past = api_client.get(PRODUCTS, {"page_size": 100, "page": 21})
        assert past.status_code == 404
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_an_overestimated_count_is_corrected_by_the_short_last_page(api_client):
    """When the estimate promises far more rows than there are (a search and a filter
    that rarely meet, stale statistics), the short page is the last: its count is exact,
    no empty page is offered, and a list that fits one page is counted exactly."""
    bulk_products(2500)
    with transaction.atomic():
        Product.objects.exclude(slug__in=["bulk-1", "bulk-2", "bulk-3"]).delete()
        body = api_client.get(PRODUCTS, {"page_size": 2}).json()
        assert body["count"] > 2 * EXACT_COUNT_UP_TO  # the planner's 2500
        assert len(body["results"]) == 2 and body["next"]
        last = api_client.get(PRODUCTS, {"page_size": 2, "page": 2}).json()
        assert (last["count"], len(last["results"]), last["next"]) == (3, 1, None)
        assert api_client.get(PRODUCTS, {"page_size": 2, "page": 3}).status_code == 404
        assert api_client.get(PRODUCTS).json()["count"] == 3
        page = api_client.get("/", {"page": 5})  # the storefront: the first page
        assert page.status_code == 200
        assert page.context["page"].paginator.count == 3
        transaction.set_rollback(True)
