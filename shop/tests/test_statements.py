"""shop.statements: one statement each for a row lock and a parent-with-children insert,
giving the same rows and instances as the ORM calls they replace."""

from decimal import Decimal

import pytest
from django.db import (
    DataError,
    IntegrityError,
    InternalError,
    NotSupportedError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models.functions import Now
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext, isolate_apps

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from orders.models import Order, OrderItem
from orders.tests.factories import OrderFactory
from shop import statements
from shop.statements import (
    _plain_insert,
    execute_prepared,
    insert_with_children,
    lock_by_pk,
    statement_sql,
)

pytestmark = pytest.mark.django_db


def test_lock_by_pk_gives_the_rows_as_the_orm_reads_them():
    products = [ProductFactory(price=Decimal("4.50"), stock=i) for i in range(3)]
    wanted = [products[2].pk, products[0].pk, products[2].pk, 10**9]

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            locked = lock_by_pk(Product, wanted)

    assert list(locked) == sorted({products[0].pk, products[2].pk})
    assert len(queries.captured_queries) == 1
    if connection.vendor == "postgresql":
        ran = queries.captured_queries[0]["sql"]
        assert ran.startswith("EXECUTE shop_")  # prepared: see the tests below
        assert statement_sql(ran).endswith("FOR UPDATE")
    for pk, row in locked.items():
        fresh = Product.objects.get(pk=pk)
        assert isinstance(row, Product) and not row._state.adding
        assert {
            f.attname: getattr(row, f.attname) for f in Product._meta.concrete_fields
        } == {
            f.attname: getattr(fresh, f.attname) for f in Product._meta.concrete_fields
        }


def test_insert_with_children_saves_like_save_and_bulk_create():
    template = OrderFactory.build()
    products = [ProductFactory() for _ in range(3)]
    items = [
        OrderItem(product=p, product_name=f"n{i}", unit_price=Decimal("1.10"),
                  quantity=i + 1, line_total=Decimal("1.10") * (i + 1))
        for i, p in enumerate(products)
    ]  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        insert_with_children(template, items, "order")

    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 1
    order = Order.objects.get(pk=template.pk)
    assert not template._state.adding
    assert order.number == template.number and order.created_at == template.created_at
    assert order.updated_at == template.updated_at is not None
    assert order.access_token == template.access_token
    # Keys in list order, each child pointing at the new parent.
    assert [i.pk for i in items] == sorted(i.pk for i in items)
    read = list(OrderItem.objects.filter(order=order).order_by("pk"))
    assert [(i.pk, i.product_id, i.quantity, i.line_total) for i in read] == [
        (i.pk, i.product_id, i.quantity, i.line_total) for i in items
    ]
    assert all(i.order is template for i in items)


def test_insert_with_children_rolls_back_as_one():
    """A child that breaks a constraint leaves no parent behind."""
    template = OrderFactory.build()
    bad = OrderItem(product=None, product_name="x", unit_price=Decimal("1"), quantity=0,
                    line_total=Decimal("0"))  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_with_children(template, [bad], "order")

    assert not Order.objects.filter(number=template.number).exists()


def _item(**fields):
    return OrderItem(**{"product": None, "product_name": "x", "unit_price": Decimal("1"),
                        "quantity": 1, "line_total": Decimal("1"), **fields})  # fmt: skip


@pytest.mark.parametrize(
    ("parent", "child"),
    [
        ({}, {"product_name": "x" * 201}),  # a child's varchar(200)
        ({"email": "a" * 250 + "@x.example"}, {}),  # the parent's varchar(254)
        ({"coupon_code": "C" * 41}, {}),  # the parent's varchar(40)
    ],
)
def test_insert_with_children_refuses_a_value_too_long_as_the_orm_does(parent, child):
    """No silent cut: a string longer than its column, the parent's or a child's, is an
    error, not the column's length of it stored."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce a column's length")
    template = OrderFactory.build(**parent)

    with pytest.raises(DataError), transaction.atomic():
        insert_with_children(template, [_item(**child)], "order")

    assert not Order.objects.filter(number=template.number).exists()


@pytest.mark.django_db(transaction=True)
def test_lock_by_pk_refuses_to_run_outside_a_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: the ORM ignores FOR UPDATE there")
    product = ProductFactory()

    with pytest.raises(TransactionManagementError):
        lock_by_pk(Product, [product.pk])


@isolate_apps("orders")
def test_models_the_statements_cannot_write_go_through_the_orm():
    """A field the database generates or defaults has no plain value to insert: such
    models take the ORM's path (which knows them); the shop's orders do not."""
    from django.db import models

    class Generated(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "orders"

        price = models.IntegerField()
        doubled = models.GeneratedField(
            expression=models.F("price") * 2,
            output_field=models.IntegerField(),
            db_persist=True,
        )

    class Defaulted(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "orders"

        made = models.DateTimeField(db_default=Now())

    assert not _plain_insert(Generated) and not _plain_insert(Defaulted)
    assert _plain_insert(Order) and _plain_insert(OrderItem)


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_on_server() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _run(sql, types, params):
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, types, params)
        return cursor.fetchall()


@on_postgresql
@pytest.mark.django_db(transaction=True)  # closes its connection
def test_a_statement_is_prepared_once_per_connection_and_counted_as_its_execute():
    sql = "SELECT %s::integer + 1, cardinality(%s::bigint[])"  # this test's own
    with CaptureQueriesContext(connection) as queries:
        first = _run(sql, ("integer", "bigint[]"), [1, [None, None]])
        second = _run(sql, ("integer", "bigint[]"), [41, []])

    assert first == [(2, 2)] and second == [(42, 0)]
    assert [statement_sql(q["sql"]) for q in queries.captured_queries] == [sql, sql]
    assert all(q["sql"].startswith("EXECUTE ") for q in queries.captured_queries)
    names = connection.prepared_statements & _prepared_on_server()
    assert any(statement_sql(f"EXECUTE {name}(") == sql for name in names)

    # A new connection is a new server session: it prepares the statement again.
    connection.close()
    assert _run(sql, ("integer", "bigint[]"), [2, [7]]) == [(3, 1)]


@on_postgresql
def test_a_rolled_back_transaction_keeps_the_statement_prepared():
    sql = "SELECT %s::text || 'kept'"
    with transaction.atomic():  # a savepoint inside the test's transaction
        assert _run(sql, ("text",), ["still "]) == [("still kept",)]
        transaction.set_rollback(True)

    assert _run(sql, ("text",), ["still "]) == [("still kept",)]


@on_postgresql
def test_a_prepare_that_fails_is_not_taken_as_done():
    sql = "SELECT %s::integer * 3"
    with transaction.atomic():
        with pytest.raises(DataError), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # the transaction is aborted from here
        with pytest.raises(InternalError):  # so the PREPARE fails
            _run(sql, ("integer",), [5])
        transaction.set_rollback(True)

    assert _run(sql, ("integer",), [5]) == [(15,)]  # prepared now, not "does not exist"


def test_other_backends_run_the_statement_as_it_is():
    class Cursor:
        db = object()  # a connection of another backend: no prepared_statements

        def execute(self, sql, params):
            self.ran = (sql, params)

    cursor = Cursor()
    execute_prepared(cursor, "SELECT %s", ("integer",), [1])
    assert cursor.ran == ("SELECT %s", [1])


def test_a_statement_needs_one_placeholder_per_type():
    with pytest.raises(ValueError):
        execute_prepared(_FakeCursor(), "SELECT %s, %s", ("integer",), [1, 2])
    with pytest.raises(ValueError):
        execute_prepared(_FakeCursor(), "SELECT %s LIKE 'a%%'", ("text",), ["a"])


class _FakeCursor:
    class db:  # noqa: N801
        prepared_statements: set = set()


@pytest.fixture
def changing_table():
    """A table of this session whose column type a test changes, as a migration would."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE shop_changing (a varchar(5))")
        cursor.execute("INSERT INTO shop_changing VALUES ('x')")
    yield
    if connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS shop_changing")


def _change_column_type():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE shop_changing ALTER COLUMN a TYPE varchar(10)")


def _reads_the_table(tag: str) -> str:
    """A statement of its own for each test (its name is its text's hash)."""
    return f"SELECT a AS {tag} FROM shop_changing WHERE a = %s"


@on_postgresql
@pytest.mark.django_db(transaction=True)  # autocommit, as the owner's lock runs
def test_a_statement_whose_table_changed_is_prepared_again(changing_table):
    sql = _reads_the_table("changed_outside")
    assert _run(sql, ("text",), ["x"]) == [("x",)]

    _change_column_type()  # PostgreSQL now refuses the statement prepared before

    assert _run(sql, ("text",), ["x"]) == [("x",)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_a_changed_table_replaces_the_connection(changing_table):
    sql = _reads_the_table("changed_inside")
    assert _run(sql, ("text",), ["x"]) == [("x",)]
    _change_column_type()

    with pytest.raises(NotSupportedError), transaction.atomic():
        _run(sql, ("text",), ["x"])

    # At the end of the request (request_finished), a new connection replaces it.
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    assert _run("SELECT %s::integer + 1", ("integer",), [1]) == [(2,)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_failed_prepare_on_the_retry_leaves_the_statement_to_prepare_again(
    changing_table, monkeypatch
):
    sql = _reads_the_table("retry_fails")
    assert _run(sql, ("text",), ["x"]) == [("x",)]
    _change_column_type()
    raw = statements._raw

    def deallocate_then_fail(db, text):
        if text.startswith("PREPARE"):  # a lock or statement timeout, say
            raise OperationalError("canceling statement due to lock timeout")
        raw(db, text)

    monkeypatch.setattr(statements, "_raw", deallocate_then_fail)
    with pytest.raises(OperationalError):
        _run(sql, ("text",), ["x"])
    monkeypatch.setattr(statements, "_raw", raw)

    # Deallocated on the server, so not noted as prepared: the next use prepares it
    # (not an EXECUTE first that would fail, costing a transaction it ran in).
    name = statements._prepared(sql, ("text",)).name
    assert name not in connection.prepared_statements
    assert _run(sql, ("text",), ["x"]) == [("x",)]


def _forget_on_server(sql, types):
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {statements._prepared(sql, types).name}")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_lost_is_prepared_again():
    sql, types = "SELECT %s::integer * 7 AS lost", ("integer",)
    assert _run(sql, types, [1]) == [(7,)]
    _forget_on_server(sql, types)  # DEALLOCATE behind the connection's back

    assert _run(sql, types, [2]) == [(14,)]  # outside a transaction: at once

    _forget_on_server(sql, types)
    with pytest.raises(OperationalError), transaction.atomic():
        _run(sql, types, [3])  # inside one: the transaction is lost ...
    assert _run(sql, types, [3]) == [(21,)]  # ... and the next use prepares it


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_holds_already_is_taken_as_prepared():
    sql, types = "SELECT %s::integer * 9 AS held", ("integer",)
    assert _run(sql, types, [1]) == [(9,)]
    connection.prepared_statements.clear()  # the connection forgot, the server did not

    assert _run(sql, types, [2]) == [(18,)]
