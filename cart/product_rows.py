"""What the cart reads of products: one row per product, from PostgreSQL or, while the
catalog has not changed, from this process's memory.

Every cart read, the API's add (and a coupon's check against the cart) needs the
price, stock and state of the cart's products; the pages' add and every set read the
product they change from the database (``product_rows`` without a token). The catalog's
version token (``catalog.cache``) is replaced whenever a product, category or stock
write commits, and the cart reads it in the same round trip as its snapshot
(``CartSnapshot.also``). Rows fetched under one token are reused while it is current,
so on a catalog that is not changing a cart read costs no query at all; after any write
the first read fetches again.

What this admits, and its bounds:
- The API's add takes the product's state, the price written into the line and the stock
  cap from kept rows without reading the token first: its store step writes only if the
  token it was kept under is still current (``kept_version``), else the row is read again.
  So it is as fresh as the token: a write commits a moment before its new token is set,
  and a step in that moment still sees the old one.
- A write the token does not see (raw SQL; a token write lost while Redis failed, which
  the cache ignores) goes unseen for at most ``SHOP_CATALOG_CACHE_SECONDS``, the lifetime
  of kept rows (the same setting bounds the catalog JSON cache).
- Rows are never kept from inside a transaction: they could be uncommitted writes later
  rolled back, or a snapshot older than the token.
- At most :data:`MAX_ROWS` products are kept per process.

Checkout never uses this: it locks and re-reads its products in PostgreSQL.
"""

from __future__ import annotations

import functools
import time
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from catalog.models import Product

MAX_ROWS = 10_000
_clock = time.monotonic  # the lifetime's clock (a test moves it, and only it)


class ProductRow(NamedTuple):
    """What the cart needs of a product: one ``values_list`` row, no model instance."""

    id: int
    slug: str
    name: str
    price: Decimal
    stock: int
    is_active: bool
    category_id: int | None


class _Kept(NamedTuple):
    """Rows read under one token: ``None`` for an id that is no product."""

    version: bytes
    born: float
    rows: dict[int, ProductRow | None]


_kept: _Kept | None = None


def product_rows(ids, *, version: bytes | None = None) -> dict[int, ProductRow]:
    """The products with these ids (any state), by id; ids of no product are left out.

    ``version``: the catalog token read before this call (not after: rows read after a
    token are at least as new as it). Without one, every id is read from the database.
    """
    if not ids:
        return {}
    if version is None or not _may_keep():
        return _query(ids)
    global _kept
    kept, now = _kept, _clock()
    if (
        kept is None
        or kept.version != version
        or now - kept.born > settings.SHOP_CATALOG_CACHE_SECONDS
    ):
        kept = _kept = _Kept(version, now, {})
    # Fill this token's dict only (``kept``), never a newer one another thread may have
    # started meanwhile: rows read here may predate that newer token.
    rows, found, missing = kept.rows, {}, []
    for product_id in ids:
        row = rows.get(product_id, rows)  # the dict itself: not kept yet
        if row is rows:
            missing.append(product_id)
        elif row is not None:
            found[product_id] = row
    if missing:
        fetched = _query(missing)
        if len(rows) + len(missing) > MAX_ROWS:
            rows.clear()
        for product_id in missing:
            rows[product_id] = fetched.get(product_id)
        found.update(fetched)
    return found


def kept_version() -> bytes | None:
    """The token the rows kept now were read under, while they may still be used (within
    their lifetime, outside a transaction); else None. A caller that checks this token
    in the same atomic step as its write (the API's add) may use those rows without
    reading the token first."""
    kept = _kept
    if (
        kept is None
        or not _may_keep()
        or _clock() - kept.born > settings.SHOP_CATALOG_CACHE_SECONDS
    ):
        return None
    return kept.version


def _outside_transaction() -> bool:
    """Rows may be kept outside a transaction only (see the module)."""
    return not connection.in_atomic_block


# The tests, which run inside a transaction that never commits, replace this as they
# replace the catalog token's on-commit hook.
_may_keep = _outside_transaction


def forget() -> None:
    """Drop every kept row (tests)."""
    global _kept
    _kept = None


def _query(ids) -> dict[int, ProductRow]:
    """The rows of these ids in one query."""
    if connection.vendor == "postgresql":
        # Every cart read and add runs this query when nothing is kept: its SQL is built
        # once (compiling the ORM query cost more than running it; profiled), the ids go
        # in one array.
        with connection.cursor() as cursor:
            cursor.execute(_rows_sql(), [list(ids)])
            rows = cursor.fetchall()
    else:
        rows = Product.objects.filter(pk__in=ids).values_list(*ProductRow._fields)
    return {row[0]: ProductRow._make(row) for row in rows}


@functools.cache
def _rows_sql() -> str:
    """``SELECT <ProductRow columns> FROM catalog_product WHERE id = ANY(%s)``, from the
    model's metadata (PostgreSQL)."""
    quote = connection.ops.quote_name
    meta = Product._meta
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ProductRow._fields
    )
    return (
        f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608
        f"WHERE {quote(meta.pk.column)} = ANY(%s)"
    )
