"""Reads of the catalog shared by the API, the pages, the cart and checkout."""

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import (
    Count,
    Exists,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce

from catalog.models import Category, Product, ProductOption, Variant, variant_name
from shop.db import on_postgresql, planner_rows


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
    """Products with what their cards and serializers show (the category, options,
    variants and images; a seller is shown by id), in a fixed number of queries however
    many variants and images."""
    products = Product.objects.select_related("category").prefetch_related(
        "options",
        Prefetch("variants", queryset=Variant.objects.order_by("id")),
        "images",
    )
    return products if include_inactive else products.filter(is_active=True)


def variant_chosen(product: Product, chosen: Mapping[str, str]) -> Variant | None:
    """The active variant of ``product`` (its variants prefetched) whose options are the
    values ``chosen`` names (a page's picker: ``?Size=M&Colour=Red``); without a full
    choice, the first active variant in stock, else the first active one."""
    active = [v for v in product.variants.all() if v.is_active]
    names = [option.name for option in product.options.all()]
    wanted = {name: chosen.get(name) for name in names}
    if all(wanted.values()):
        return next((v for v in active if v.options == wanted), None)
    return next((v for v in active if v.stock > 0), None) or next(iter(active), None)


def in_stock_filter() -> Exists:
    """Products with an active variant in stock (what ``in_stock`` says)."""
    return Exists(
        Variant.objects.filter(product=OuterRef("pk"), is_active=True, stock__gt=0)
    )


def stock_of() -> Subquery:
    """A product's stock: the sum of its active variants' (what ``stock`` says)."""
    return Coalesce(
        Subquery(
            Variant.objects.filter(product=OuterRef("pk"), is_active=True)
            .order_by()
            .values("product")
            .annotate(total=Sum("stock"))
            .values("total")[:1]
        ),
        0,
    )


def with_option_values(queryset: QuerySet[Product], wanted: dict) -> QuerySet[Product]:
    """Products with an active variant in stock that has every value of ``wanted``
    ({option name: value}).

    On PostgreSQL one containment test (``options @> '{"Size": "M"}'``), which the GIN
    index of migration ``catalog.0007`` (jsonb_path_ops) answers on a large catalog;
    SQLite has no containment, so there each value is read by its key."""
    variants = Variant.objects.filter(is_active=True, stock__gt=0)
    if on_postgresql():
        variants = variants.filter(options__contains=dict(wanted))
    else:
        for i, (name, value) in enumerate(wanted.items()):
            # An alias, not options__<name>: a name holding "__" is no lookup path.
            key = f"_option_{i}"
            variants = variants.alias(**{key: KeyTransform(name, "options")})
            variants = variants.filter(**{key: value})
    return queryset.filter(Exists(variants.filter(product=OuterRef("pk"))))


FACET_PRODUCTS = 1000  # the products whose options make a list page's facets
FACET_VALUES = 30  # values shown per option


def option_facets(products: QuerySet[Product]) -> list[tuple[str, list[str]]]:
    """The options of ``products`` (a list page's, before its option filter) with their
    values, in one query: names in their products' option order, values in the order
    first seen. Read from at most :data:`FACET_PRODUCTS` products, so a page of a large
    catalog stays cheap (a value only rarer products have may be left out)."""
    ids = products.order_by().values("pk")[:FACET_PRODUCTS]
    rows = (
        ProductOption.objects.filter(product__in=ids)
        .order_by("position", "product_id")
        .values_list("name", "values")
    )
    facets: dict[str, list[str]] = {}
    for name, values in rows:
        seen = facets.setdefault(name, [])
        for value in values:
            if value not in seen and len(seen) < FACET_VALUES:
                seen.append(value)
    return list(facets.items())


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
    term = term.replace("\x00", "")
    words = SEARCH_WORD_RE.findall(term)[:MAX_SEARCH_WORDS]
    if not words:
        return queryset.none() if term.strip() else queryset
    # A SKU typed whole finds its product too (an index on UPPER(sku) serves it).
    by_sku = Q(pk__in=list(_sku_products(term.strip())))
    if not on_postgresql():
        words_match = Q()
        for word in words:
            words_match &= Q(name__icontains=word) | Q(description__icontains=word)
        return queryset.filter(words_match | by_sku)
    # plainto_tsquery: every lexeme of the words ANDed (a word the parser splits, like
    # "foo½bar", gives two lexemes, never a phrase: the stored vector has no positions).
    # The vector holds the prefixes, so each lexeme matches as a prefix without ``:*``.
    plain = " ".join(word[:MAX_SEARCH_WORD_LENGTH] for word in words)
    query = SearchQuery(plain, search_type="plain", config=SEARCH_CONFIG)
    return queryset.alias(document=ProductDocument()).filter(Q(document=query) | by_sku)


def _sku_products(term: str) -> list[int]:
    if not term or len(term) > 64:
        return []
    return list(
        Variant.objects.filter(sku__iexact=term).values_list("product_id", flat=True)[
            :10
        ]
    )


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


def product_count(queryset: QuerySet) -> int:
    """How many rows ``queryset`` has: exact up to :data:`EXACT_COUNT_UP_TO`, above that
    the planner's estimate (PostgreSQL), what paginators of large catalogs show.

    ``count(*)`` reads every matching row: over a million products it costs more than
    the page itself, and even a count capped by ``LIMIT`` reads a thousand matches of a
    common word. So the planner is asked first, and the capped count runs only when it
    expects fewer than twice the threshold (docs/decisions/0003-catalog-at-scale.md).
    """
    ids = queryset.order_by().select_related(None).values("pk")
    estimate = planner_rows(ids)
    if estimate is not None and estimate >= 2 * EXACT_COUNT_UP_TO:
        return estimate
    capped = ids[: EXACT_COUNT_UP_TO + 1].count()
    if capped <= EXACT_COUNT_UP_TO:
        return capped
    return ids.count() if estimate is None else max(estimate, capped)


class VariantRow(NamedTuple):
    """What the cart, the merge and the checkout read of a variant: one row with what
    they need of its product, no model instance."""

    id: int
    product_id: int
    sku: str
    options: dict
    price: Decimal
    stock: int
    variant_active: bool
    product_active: bool
    product_name: str
    slug: str
    category_id: int

    @property
    def on_sale(self) -> bool:
        """The variant and its product both active."""
        return self.variant_active and self.product_active

    @property
    def name(self) -> str:
        return variant_name(self.product_name, self.options)


_VARIANT_ROW = (
    "id", "product_id", "sku", "options", "price", "stock", "is_active",
    "product__is_active", "product__name", "product__slug", "product__category_id",
)  # fmt: skip


def variant_rows(ids: Iterable[int]) -> dict[int, VariantRow]:
    """The variants with these ids (any state), by id, in one query; ids of no variant
    are left out."""
    ids = list(ids)
    if not ids:
        return {}
    # No ORDER BY: the rows are keyed by id (and the default ordering costs its compile).
    rows = Variant.objects.filter(pk__in=ids).order_by().values_list(*_VARIANT_ROW)
    return {row[0]: VariantRow._make(row) for row in rows}


def product_variant_rows(product_id: int) -> list[VariantRow]:
    """Up to two of a product's variants (any state), in one query: one row is what an
    add by ``product_id`` buys, two say it has several, none that there is no such
    product."""
    rows = Variant.objects.filter(product_id=product_id).order_by("id")
    return [VariantRow._make(row) for row in rows.values_list(*_VARIANT_ROW)[:2]]
