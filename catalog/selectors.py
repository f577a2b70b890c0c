"""Reads of the catalog shared by the API, the pages, the cart and checkout."""

import json
import re
import time

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from catalog.models import Category, Product


def category_parents() -> dict[int, int | None]:
    """Every category's parent id, in one query (the tree is small)."""
    return dict(Category.objects.values_list("id", "parent_id"))


def category_lineage_map() -> dict[int, frozenset[int]]:
    """For each category id: itself and all its ancestors (what a coupon's scope matches)."""
    parents = category_parents()
    lineage: dict[int, frozenset[int]] = {}
    for category_id in parents:
        seen: list[int] = []
        current: int | None = category_id
        while current is not None and current not in seen:  # guards against a cycle
            seen.append(current)
            current = parents.get(current)
        lineage[category_id] = frozenset(seen)
    return lineage


def category_descendant_ids(category: Category) -> set[int]:
    """A category and all categories below it (what the ``category`` filter shows)."""
    children: dict[int | None, list[int]] = {}
    for category_id, parent_id in category_parents().items():
        children.setdefault(parent_id, []).append(category_id)
    found, stack = set(), [category.pk]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def product_list(*, include_inactive: bool = False) -> QuerySet[Product]:
    """Products with what their cards and serializers show, in a fixed number of queries."""
    products = Product.objects.select_related("category", "seller")
    return products if include_inactive else products.filter(is_active=True)


# --- Full-text search --------------------------------------------------------------

SEARCH_CONFIG = "english"
# Letters and digits only: what is left can never be a tsquery operator or a quote.
SEARCH_WORD_RE = re.compile(r"[^\W_]+")
MAX_SEARCH_WORDS = 10
MAX_SEARCH_WORD_LENGTH = 100


class ProductDocument(Func):
    """A product's search document: the stored, GIN-indexed column ``search_vector`` of
    migration ``catalog.0004`` (English lexemes of name + description and every prefix
    of each). The model does not declare the column (SQLite has no ``tsvector``)."""

    template = '%(table)s."search_vector"'
    output_field = SearchVectorField()

    def as_sql(self, compiler, connection, **extra_context):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return super().as_sql(compiler, connection, table=table, **extra_context)


# --- Storefront reads (the HTML pages) --------------------------------------------
STOREFRONT_ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "name": ("name", "id"),
}


def category_tree() -> list[tuple[Category, list[Category]]]:
    """Top-level categories with their direct sub-categories, in two levels (the menu)."""
    categories = list(Category.objects.only("id", "name", "slug", "parent_id"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    return [(c, children.get(c.pk, [])) for c in categories if c.parent_id is None]


def product_search(
    *, query: str = "", category: Category | None = None, ordering: str = "newest"
) -> QuerySet[Product]:
    """Active products matching a search in name and description, a category with its
    sub-categories, in one of :data:`STOREFRONT_ORDERINGS` (unknown: newest first)."""
    products = product_list()
    if query and query.strip():
        products = product_text_search(products, query)
    if category is not None:
        products = products.filter(category_id__in=category_descendant_ids(category))
    return products.order_by(
        *STOREFRONT_ORDERINGS.get(ordering, STOREFRONT_ORDERINGS["newest"])
    )


def product_text_search(queryset: QuerySet[Product], term: str) -> QuerySet[Product]:
    """Products of ``queryset`` whose name or description match every word of ``term``.

    The one place search is defined (API ``search`` and the storefront's ``q``). On
    PostgreSQL it is full-text search over :class:`ProductDocument`, served by the GIN
    index of migration ``catalog.0004``: English stems (``mugs`` finds ``mug``) and each
    word as a prefix (``mu`` finds ``mug``); words that are only stop words (``the``)
    match nothing. Elsewhere (SQLite) every word must appear in the name or description.

    Each word is an exact lexeme of the query because the stored vector holds every
    prefix of every stem: ``to_tsquery('lan')`` in the vector of a lantern is what
    ``lan:*`` matched before, without GIN's partial-match scan and with real word
    statistics for the planner.
    """
    words = SEARCH_WORD_RE.findall(term.replace("\x00", ""))[:MAX_SEARCH_WORDS]
    if not words:
        return queryset.none() if term.strip() else queryset
    if connection.vendor != "postgresql":
        for word in words:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(description__icontains=word)
            )
        return queryset
    # plainto_tsquery: every lexeme of the words ANDed (a word the parser splits, like
    # "foo½bar", gives two lexemes, never a phrase: the stored vector has no positions).
    # The vector holds the prefixes, so each lexeme matches as a prefix without ``:*``.
    plain = " ".join(word[:MAX_SEARCH_WORD_LENGTH] for word in words)
    query = SearchQuery(plain, search_type="plain", config=SEARCH_CONFIG)
    return queryset.alias(document=ProductDocument()).filter(document=query)


def product_visible_to(user, *, include_inactive: bool = False) -> QuerySet[Product]:
    """What ``user`` may see: active products; staff everything, sellers also their own."""
    products = product_list(include_inactive=True)
    if getattr(user, "is_staff", False):
        return products if include_inactive else products.filter(is_active=True)
    if getattr(user, "is_authenticated", False) and include_inactive:
        return products.filter(Q(is_active=True) | Q(seller=user))
    return products.filter(is_active=True)


def seller_list() -> QuerySet:
    """Sellers with the number of their active products, in one query."""
    from accounts.models import User

    return (
        User.objects.filter(role=User.Role.SELLER, is_active=True)
        .annotate(product_count=Count("products", filter=Q(products__is_active=True)))
        .order_by("id")
    )


# --- counting large lists -------------------------------------------------------------

EXACT_COUNT_UP_TO = 1000
# The planner's estimate is taken without counting only when it expects at least this
# many times EXACT_COUNT_UP_TO rows: a margin for estimation error, so a list that
# really has fewer than EXACT_COUNT_UP_TO rows is still counted exactly unless the
# estimate is off by more than this factor (and then the paginator's short last page
# corrects it: catalog.api.pagination).
TRUST_ESTIMATE_FACTOR = 2


def product_count(queryset: QuerySet) -> int:
    """How many rows ``queryset`` has: exact up to :data:`EXACT_COUNT_UP_TO`, above that
    (PostgreSQL) the planner's estimate.

    ``count(*)`` reads every matching row, so over a million products it costs more than
    the page itself. The planner is asked first (``EXPLAIN``, from the statistics
    ``ANALYZE`` keeps, about a millisecond): when it expects well above the threshold
    (:data:`TRUST_ESTIMATE_FACTOR`), its estimate is the answer, which is what
    paginators of large catalogs show. Otherwise a capped count (``LIMIT`` in a
    subquery) stops after the threshold. Even a capped count of a common search word
    reads a thousand matching rows at a million products, several times the cost of
    its page, which walks the newest-first index and stops after twenty.
    """
    # Only the ids: the planner need not plan (nor the ORM compile) select_related joins
    # and columns that change neither the estimate nor the count.
    queryset = queryset.order_by().select_related(None).values("pk")
    if connection.vendor != "postgresql":
        capped = queryset.order_by()[: EXACT_COUNT_UP_TO + 1].count()
        return capped if capped <= EXACT_COUNT_UP_TO else queryset.count()
    estimate = _planner_rows(queryset.order_by())
    if estimate >= TRUST_ESTIMATE_FACTOR * EXACT_COUNT_UP_TO:
        return estimate
    capped = queryset.order_by()[: EXACT_COUNT_UP_TO + 1].count()
    return capped if capped <= EXACT_COUNT_UP_TO else max(estimate, capped)


CAPPED_COUNT = "_capped_count"  # the annotation with_capped_count adds


def with_capped_count(queryset: QuerySet) -> QuerySet:
    """``queryset`` with :data:`CAPPED_COUNT` on every row: how many rows it has, counted
    up to ``EXACT_COUNT_UP_TO + 1``, by a scalar subquery of the same query (one round
    trip for a page and its count; PostgreSQL runs the subquery once)."""
    ids = queryset.order_by().select_related(None).values("pk")[: EXACT_COUNT_UP_TO + 1]
    try:
        sql, params = ids.query.sql_with_params()
    except EmptyResultSet:  # e.g. .none(): no rows, and the page query reads none
        return queryset.annotate(**{CAPPED_COUNT: Value(0)})
    return queryset.annotate(
        **{CAPPED_COUNT: RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)}
    )


FEW_PRODUCTS = TRUST_ESTIMATE_FACTOR * EXACT_COUNT_UP_TO
_FEW_FOR_SECONDS = 60
_few: tuple[float, bool] = (0.0, True)  # (valid until, answer)


def products_are_few() -> bool:
    """Whether the products table is small enough that every list of it is counted
    exactly, in the page's own query (:func:`with_capped_count`): fewer rows than
    ``TRUST_ESTIMATE_FACTOR * EXACT_COUNT_UP_TO`` by PostgreSQL's statistics (unknown
    before the first ANALYZE: counted, the count is capped anyway), read at most once a
    minute per process. Always true on other databases."""
    global _few
    if connection.vendor != "postgresql":
        return True
    until, answer = _few
    if time.monotonic() < until:
        return answer
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [Product._meta.db_table],
        )
        row = cursor.fetchone()
    rows = row[0] if row else -1
    answer = rows < FEW_PRODUCTS
    _few = (time.monotonic() + _FEW_FOR_SECONDS, answer)
    return answer


def _planner_rows(queryset: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects ``queryset`` to return."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. .none(): nothing to ask
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
