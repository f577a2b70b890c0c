"""Full-text product search on PostgreSQL (catalog.selectors.product_text_search)."""

import pytest
from django.db import connection

from catalog.models import Product
from catalog.selectors import product_text_search
from catalog.tests.factories import ProductFactory

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


def test_list_count_is_exact_up_to_the_threshold_then_estimated(
    monkeypatch, api_client
):
    """Up to EXACT_COUNT_UP_TO matches the count is exact; above it, a planner estimate
    that is never below the threshold (the list still pages)."""
    from catalog import selectors

    ProductFactory.create_batch(5)
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 10)
    assert api_client.get("/api/v1/products/").json()["count"] == 5
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 2)
    estimated = api_client.get("/api/v1/products/?page_size=2").json()
    assert estimated["count"] >= 3 and len(estimated["results"]) == 2


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
    """Prefixes are stored in the vector, so the query is an exact lexeme match ("ket"
    is in the kettle's vector) and the planner has real statistics for it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ plainto_tsquery('english', 'ket'), "
            "search_vector @@ plainto_tsquery('english', 'kettles') FROM catalog_product "
            "WHERE id = %s",
            [catalog["kettle"].pk],
        )
        assert cursor.fetchone() == (True, True)
    sql, params = product_text_search(
        Product.objects.all(), "ket"
    ).query.sql_with_params()
    assert ":*" not in sql % tuple(params)


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


def test_list_count_trusts_the_estimate_only_well_above_the_threshold(
    monkeypatch, api_client
):
    """The planner's estimate replaces counting only when it expects at least
    TRUST_ESTIMATE_FACTOR x EXACT_COUNT_UP_TO rows; below, the count is exact."""
    from catalog import selectors

    ProductFactory.create_batch(7)
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 5)
    monkeypatch.setattr(selectors, "_planner_rows", lambda queryset: 9)  # < 2 x 5
    assert (
        selectors.product_count(Product.objects.all()) == 9
    )  # above 5: max(estimate, 6)
    monkeypatch.setattr(selectors, "_planner_rows", lambda queryset: 4)
    assert selectors.product_count(Product.objects.all()) == 6  # capped count wins
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 10)
    assert selectors.product_count(Product.objects.all()) == 7  # exact
    monkeypatch.setattr(selectors, "_planner_rows", lambda queryset: 20)  # >= 2 x 10
    assert selectors.product_count(Product.objects.all()) == 20


def test_list_count_overestimated_is_corrected_by_the_short_last_page(
    monkeypatch, api_client
):
    """When the estimate promises more rows than there are (a search and a filter that
    rarely meet), the short page is the last one: count exact, no empty pages offered."""
    from catalog import selectors
    from catalog.api import pagination

    ProductFactory.create_batch(3)
    monkeypatch.setattr(pagination, "products_are_few", lambda: False)  # a big catalog
    monkeypatch.setattr(selectors, "_planner_rows", lambda queryset: 50_000)
    body = api_client.get("/api/v1/products/?page_size=2").json()
    assert body["count"] == 50_000 and len(body["results"]) == 2 and body["next"]
    last = api_client.get("/api/v1/products/?page_size=2&page=2").json()
    assert last["count"] == 3 and len(last["results"]) == 1 and last["next"] is None
    gone = api_client.get("/api/v1/products/?page_size=2&page=3")
    assert gone.status_code == 404
    assert api_client.get("/api/v1/products/").json()["count"] == 3
