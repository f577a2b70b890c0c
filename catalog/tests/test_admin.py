"""The catalog admin: stock edits go through the stock service and leave a movement."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from catalog.models import Product, StockMovement
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def change_form(product, **overrides) -> dict:
    data = {
        "seller": product.seller_id,
        "category": product.category_id,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "price": str(product.price),
        "stock": product.stock,
        "is_active": "on",
        "movements-TOTAL_FORMS": "0",
        "movements-INITIAL_FORMS": "0",
        "movements-MIN_NUM_FORMS": "0",
        "movements-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_stock_edit_leaves_movement(admin_client_, staff_user):
    """Changing stock in the admin sets it through the service with reason ADMIN."""
    product = ProductFactory(stock=10)
    url = f"/admin/catalog/product/{product.pk}/change/"
    response = admin_client_.post(url, change_form(product, stock=4))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock == 4
    movement = StockMovement.objects.get(product=product)
    assert (movement.delta, movement.stock_after, movement.reason, movement.user) == (
        -6,
        4,
        "admin",
        staff_user,
    )


def test_admin_edit_without_stock_change_writes_no_movement(admin_client_):
    """Editing other fields leaves stock and the ledger untouched."""
    product = ProductFactory(stock=10)
    url = f"/admin/catalog/product/{product.pk}/change/"
    response = admin_client_.post(url, change_form(product, name="New name"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.stock) == ("New name", 10)
    assert not StockMovement.objects.exists()


def test_admin_save_keeps_stock_sold_while_the_form_was_open(admin_client_):
    """The form shows 10; 3 are sold; the editor changes only the price: stock stays 7
    (the field is compared with what the form showed, not with the stock now)."""
    from catalog.stock import stock_adjust

    product = ProductFactory(stock=10)
    url = f"/admin/catalog/product/{product.pk}/change/"
    page = admin_client_.get(url).content.decode()
    assert 'name="initial-stock" value="10"' in page
    shown = change_form(product, price="9.99", **{"initial-stock": 10})
    stock_adjust(product=product, delta=-3, reason=StockMovement.Reason.CHECKOUT)
    assert admin_client_.post(url, shown).status_code == 302
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("9.99"), 7)
    assert not StockMovement.objects.filter(reason="admin").exists()


@pytest.mark.parametrize(
    "typed, expected",
    [(15, 12), (0, 0), (2, 0)],  # 10 shown, 3 sold meanwhile
)
def test_admin_stock_change_applies_to_the_stock_now(admin_client_, typed, expected):
    """A changed stock applies the editor's change (typed - shown) to the stock as it is
    at saving, never below 0: 10 -> 15 after 3 sales gives 12."""
    from catalog.stock import stock_adjust

    product = ProductFactory(stock=10)
    url = f"/admin/catalog/product/{product.pk}/change/"
    form = change_form(product, stock=typed, **{"initial-stock": 10})
    stock_adjust(product=product, delta=-3, reason=StockMovement.Reason.CHECKOUT)
    assert admin_client_.post(url, form).status_code == 302
    product.refresh_from_db()
    assert product.stock == expected


def test_admin_add_product_initial_stock_via_service(admin_client_, seller):
    """A product added in the admin gets its initial stock as an INITIAL movement."""
    category = CategoryFactory()
    data = change_form(
        Product(
            seller=seller,
            category=category,
            name="Admin Lamp",
            slug="admin-lamp",
            description="",
            price=Decimal("5.00"),
            stock=9,
        ),
    )
    response = admin_client_.post("/admin/catalog/product/add/", data)
    assert response.status_code == 302
    product = Product.objects.get(slug="admin-lamp")
    assert product.stock == 9
    movement = product.movements.get()
    assert (movement.delta, movement.reason) == (9, "initial")


@pytest.mark.parametrize(
    ("field", "value"), [("stock", "-1"), ("price", "0"), ("stock", "x")]
)
def test_admin_rejects_bad_values_as_form_errors(admin_client_, field, value):
    """Negative stock or a zero price are form errors (200 with errors), not a 500."""
    product = ProductFactory(stock=10)
    url = f"/admin/catalog/product/{product.pk}/change/"
    response = admin_client_.post(url, change_form(product, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.stock == 10


def test_admin_list_editable_price_and_active(admin_client_):
    """Quick edit in the list changes price and active, not stock."""
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(product.pk),
        "form-0-price": "11.50",
        "_save": "Save",
    }
    response = admin_client_.post("/admin/catalog/product/", data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.is_active, product.stock) == (
        Decimal("11.50"),
        False,
        5,
    )


@pytest.mark.parametrize(("level", "expected"), [("out", {"out"}), ("low", {"low"})])
def test_admin_low_stock_filter(admin_client_, level, expected):
    """The stock-level filter shows products out of stock or at/below the threshold."""
    products = {
        "out": ProductFactory(stock=0),
        "low": ProductFactory(stock=5),
        "plenty": ProductFactory(stock=50),
    }
    response = admin_client_.get("/admin/catalog/product/", {"stock_level": level})
    assert response.status_code == 200
    shown = {p.pk for p in response.context["cl"].result_list}
    assert shown == {products[k].pk for k in expected}


def test_admin_pages_render(admin_client_):
    """Product, category and movement admin pages render; movements are read-only."""
    product = ProductFactory(stock=3)
    for url in [
        "/admin/catalog/product/",
        f"/admin/catalog/product/{product.pk}/change/",
        "/admin/catalog/product/add/",
        "/admin/catalog/category/",
        "/admin/catalog/category/add/",
        "/admin/catalog/stockmovement/",
        "/admin/catalog/product/?q=Product",
    ]:
        assert admin_client_.get(url).status_code == 200, url
    assert admin_client_.get("/admin/catalog/stockmovement/add/").status_code == 403


def test_admin_refuses_a_category_under_itself_or_its_child(admin_client_):
    """The API's rule (category_cycle) holds in the admin too, as a form error."""
    parent = CategoryFactory(name="Kitchen", slug="kitchen")
    child = CategoryFactory(name="Knives", slug="knives", parent=parent)
    url = f"/admin/catalog/category/{parent.pk}/change/"
    for under in (child, parent):
        response = admin_client_.post(
            url, {"name": "Kitchen", "slug": "kitchen", "parent": under.pk}
        )
        assert response.status_code == 200  # the form again, with the error
        assert "cannot be placed under itself" in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent_id is None
    moved = admin_client_.post(
        f"/admin/catalog/category/{child.pk}/change/",
        {"name": "Knives", "slug": "knives", "parent": ""},
    )
    assert moved.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_admin_quick_edit_and_a_checkout_of_its_rows_never_deadlock(
    staff_user, monkeypatch
):
    """The list saves its rows in the order shown (newest first) in one transaction; a
    checkout locks its products in key order. With the rows locked in key order before
    the saves, a checkout of both rows that starts between two saves waits, then goes
    through: both succeed."""
    from catalog.admin import ProductAdmin
    from orders.checkout import order_place
    from orders.tests.carts import cart_with

    older, newer = ProductFactory(stock=5), ProductFactory(stock=5)
    cart = cart_with([(older, 1), (newer, 1)])
    first_saved = threading.Event()
    save = ProductAdmin.save_model

    def slow_save(self, request, obj, form, change):
        save(self, request, obj, form, change)
        if not first_saved.is_set():
            first_saved.set()
            time.sleep(0.5)  # the checkout starts now, between the two saves

    # The admin's own hook (ModelAdmin.save_model), slowed to open the window.
    monkeypatch.setattr(ProductAdmin, "save_model", slow_save)
    results = {}

    def edit():
        client = Client()
        client.force_login(staff_user)
        data = {
            "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2",
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
            # As the list shows them: the newer product first.
            "form-0-id": str(newer.pk), "form-0-price": "11.00", "form-0-is_active": "on",
            "form-1-id": str(older.pk), "form-1-price": "12.00", "form-1-is_active": "on",
            "_save": "Save",
        }  # fmt: skip
        try:
            results["edit"] = client.post("/admin/catalog/product/", data).status_code
        finally:
            connection.close()

    def checkout():
        first_saved.wait(5)
        try:
            results["checkout"] = order_place(
                cart=cart,
                email="a@example.com",
                shipping_name="A",
                shipping_address="B",
            )
        except Exception as exc:  # noqa: BLE001 - the test reports what it got
            results["checkout"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=edit), threading.Thread(target=checkout)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert results["edit"] == 302
    placed = results["checkout"]
    assert not isinstance(placed, Exception), placed
    # It waited for the edit: charged at the new prices, the stock taken.
    assert placed.order.subtotal == Decimal("23.00")
    assert sorted(Product.objects.values_list("price", "stock")) == [
        (Decimal("11.00"), 4), (Decimal("12.00"), 4)
    ]  # fmt: skip


def test_admin_quick_edit_with_a_row_id_that_is_no_number_is_no_500(admin_client_):
    """A quick edit whose row id is not a number is the form's error, not a 500."""
    data = {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "form-0-id": "²", "form-0-price": "1.00", "_save": "Save",
    }  # fmt: skip
    response = admin_client_.post("/admin/catalog/product/", data)
    assert response.status_code < 500
