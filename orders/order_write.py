"""A checkout's writes as one PostgreSQL statement: its own transaction, one round trip.

A checkout that locks its products, reads them, and then writes the order, its items, the
stock and the stock movements spends seven round trips on PostgreSQL (BEGIN, the row
lock, the writes, COMMIT), each costing the web worker more than the database spends on
the rows (bench/README.md). When the cart's lines can be priced without reading the
products (the cart holds the unit price each line was added at, and no coupon needs the
categories), the whole write is one statement, run outside any transaction block, so
that PostgreSQL makes it a transaction of its own:

- the products are locked in primary-key order (the order every locker of them uses, so
  two checkouts never deadlock) and their stock taken in one UPDATE, which takes only a
  product that is still on sale at the price the line was priced at;
- the order and its items are inserted, each item named after its product as it is now;
- a stock movement is written for each line, with the stock it left.

The statement is all or nothing. A line it cannot take fails the whole of it, so nothing
is written: stock that would go below zero breaks the ``product_stock_not_negative``
check; a product that is gone, off sale, or priced otherwise leaves its item without a
name and its movement without a stock level, which the columns refuse (NOT NULL). Every
such failure is an ``IntegrityError``: :func:`write_order` answers ``False``, and the
caller places the order the long way (locks, reads, a problem list for the buyer).

The SQL is built once per process from the models' metadata, as ``shop.statements``
builds its statements, and runs as a prepared statement.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections

from catalog.models import Product, StockMovement
from orders.models import IdempotencyKey, Order, OrderItem
from shop.statements import base_type, execute_prepared, set_saved


def write_order(
    order: Order,
    items: list[OrderItem],
    *,
    movement: dict,
    now,
    idempotency: tuple[str, str] | None = None,
) -> bool:
    """Insert ``order`` and ``items`` (one per product, at the price each was priced at)
    and take each item's quantity from its product's stock, with a movement each
    (``movement``: the fields they share: reason, note, user_id), all in one statement,
    which also records the checkout's Idempotency-Key (``idempotency``: owner, key).
    ``False``: some line could not be taken as priced, or the key is taken already
    (a twin's), and nothing was written."""
    sql, types, order_fields, item_fields = _write_sql()
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: see insert_with_children
    by_pk = sorted(items, key=lambda item: item.product_id)
    params = [
        now,
        [item.product_id for item in by_pk],
        [item.product_id for item in by_pk],
        [item.quantity for item in by_pk],
        [item.unit_price for item in by_pk],
        *(f.get_db_prep_save(f.pre_save(order, True), db) for f in order_fields),
        *(
            [f.get_db_prep_save(f.pre_save(item, True), db) for item in items]
            for f in item_fields
        ),
        movement["reason"],
        movement["note"],
        movement["user_id"],
        now,
        *(idempotency or (None, None)),
        now,
    ]
    try:
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, types, params)
            order_pk, item_pks, names = cursor.fetchone()
    except IntegrityError:
        return False
    set_saved(order, order_pk)
    for item, pk, name in zip(items, item_pks, names, strict=True):
        item.order = order
        item.product_name = name
        set_saved(item, pk)
    return True


@functools.cache
def _write_sql():
    """The statement of :func:`write_order`, its parameters' types, and the order's and
    items' fields whose values it takes (in order)."""
    quote = connection.ops.quote_name
    product, movement = Product._meta, StockMovement._meta
    column = {
        name: quote(product.get_field(name).column)
        for name in ("stock", "name", "price", "is_active", "updated_at")
    }
    p_id, pk_type = quote(product.pk.column), base_type(product.pk)
    item_fk = OrderItem._meta.get_field("order")
    item_name = OrderItem._meta.get_field("product_name")
    order_fields = [f for f in Order._meta.concrete_fields if not f.primary_key]
    item_fields = [
        f
        for f in OrderItem._meta.concrete_fields
        if not f.primary_key and f not in (item_fk, item_name)
    ]
    product_column = OrderItem._meta.get_field("product").column
    quantity_column = OrderItem._meta.get_field("quantity").column
    values = ", ".join(f"v.{quote(f.column)}" for f in item_fields)
    move_columns = ", ".join(
        quote(movement.get_field(name).column)
        for name in ("product", "delta", "stock_after", "reason", "note", "user",
                     "order", "created_at")
    )  # fmt: skip
    keys = IdempotencyKey._meta
    key_columns = ", ".join(
        quote(keys.get_field(name).column)
        for name in ("owner", "key", "order", "created_at")
    )
    products = quote(product.db_table)
    order_pk, item_pk = quote(Order._meta.pk.column), quote(OrderItem._meta.pk.column)
    sql = (
        # Locked in primary-key order first (the sorted sub-select feeds the row
        # locks), then taken only where the product is on sale at the line's price.
        f"WITH stock AS (UPDATE {products} AS p "  # noqa: S608
        f"SET {column['stock']} = p.{column['stock']} - v.quantity, "
        f"{column['updated_at']} = %s "
        f"FROM (SELECT {p_id} FROM {products} WHERE {p_id} = ANY(%s) "
        f"ORDER BY {p_id} FOR UPDATE) AS locked, "
        "unnest(%s, %s, %s) AS v(id, quantity, price) "
        f"WHERE p.{p_id} = locked.{p_id} AND v.id = locked.{p_id} "
        f"AND p.{column['is_active']} AND p.{column['price']} = v.price "
        f"RETURNING p.{p_id} AS id, p.{column['name']} AS name, "
        f"p.{column['stock']} AS stock), "
        f"parent AS (INSERT INTO {quote(Order._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in order_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(order_fields))}) RETURNING {order_pk}), "
        # An item whose product the UPDATE did not take gets no name: refused.
        f"children AS (INSERT INTO {quote(OrderItem._meta.db_table)} "
        f"({quote(item_fk.column)}, {quote(item_name.column)}, "
        f"{', '.join(quote(f.column) for f in item_fields)}) "
        f"SELECT parent.{order_pk}, stock.name, {values} FROM parent "
        f"CROSS JOIN unnest({', '.join(['%s'] * len(item_fields))}) WITH ORDINALITY "
        f"AS v({', '.join(quote(f.column) for f in item_fields)}, n) "
        f"LEFT JOIN stock ON stock.id = v.{quote(product_column)} ORDER BY v.n "
        f"RETURNING {item_pk} AS id, {quote(item_name.column)} AS name, "
        f"{quote(product_column)} AS product, {quote(quantity_column)} AS quantity), "
        # Likewise a movement without the stock it left.
        f"moves AS (INSERT INTO {quote(movement.db_table)} ({move_columns}) "
        "SELECT c.product, -c.quantity, stock.stock, %s, %s, %s, "
        f"parent.{order_pk}, %s FROM parent CROSS JOIN children AS c "
        "LEFT JOIN stock ON stock.id = c.product), "
        # The Idempotency-Key, when there is one: a twin's makes the statement fail.
        f"keyed AS (INSERT INTO {quote(keys.db_table)} ({key_columns}) "
        f"SELECT v.owner, v.key, parent.{order_pk}, v.at FROM parent "
        "CROSS JOIN (SELECT %s AS owner, %s AS key, %s AS at) AS v "
        "WHERE v.key IS NOT NULL) "
        f"SELECT parent.{order_pk}, ARRAY(SELECT id FROM children ORDER BY id), "
        "ARRAY(SELECT name FROM children ORDER BY id) FROM parent"
    )
    types = ("timestamptz", f"{pk_type}[]", f"{pk_type}[]", "integer[]", "numeric[]")
    types += tuple(base_type(f) for f in order_fields)
    types += tuple(f"{base_type(f)}[]" for f in item_fields)
    types += (
        base_type(movement.get_field("reason")),
        base_type(movement.get_field("note")),
        base_type(movement.get_field("user")),
        "timestamptz",
        base_type(keys.get_field("owner")),
        base_type(keys.get_field("key")),
        "timestamptz",
    )
    return sql, types, order_fields, item_fields
