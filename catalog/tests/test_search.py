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
        "mug": ProductFactory(name="Speckled Mug", description="Stoneware, holds hot drinks."),
        "mugs": ProductFactory(name="Set of mugs", description="Four cups for running mornings."),
        "lamp": ProductFactory(name="Desk lamp", description="Brass; the light runs warm."),
        "kettle": ProductFactory(name="Copper kettle", description="Boils water quickly."),
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
    assert "product_search_gin_idx" in plan, plan


def test_list_count_is_exact_up_to_the_threshold_then_estimated(monkeypatch, api_client):
    """Up to EXACT_COUNT_UP_TO matches the count is exact; above it, a planner estimate
    that is never below the threshold (the list still pages)."""
    from catalog import selectors

    ProductFactory.create_batch(5)
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 10)
    assert api_client.get("/api/v1/products/").json()["count"] == 5
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 2)
    estimated = api_client.get("/api/v1/products/?page_size=2").json()
    assert estimated["count"] >= 3 and len(estimated["results"]) == 2
