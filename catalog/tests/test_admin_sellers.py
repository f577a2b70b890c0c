"""Sellers in the admin: a seller (not staff) signs in to /admin/ and sees and changes
only their own products, variants, images and stock; everything of another seller is a
404 (or left untouched by an action), and the rest of the shop's admin is closed."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.models import Product, StockMovement, Variant
from catalog.services import product_create
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

SIZES = {"name": "Size", "values": ["S", "M"]}


def product_of(seller, name, sku, stock=4):
    return product_create(
        seller=seller,
        name=name,
        category=CategoryFactory(slug="lamps", name="Lamps"),
        price=Decimal("10.00"),
        stock=stock,
        sku=sku,
    )


def sized_product_of(seller, name):
    return product_create(
        seller=seller,
        name=name,
        category=CategoryFactory(slug="tees", name="Tees"),
        options=[SIZES],
        variants=[{"sku": f"{name}-S", "options": {"Size": "S"},
                   "price": Decimal("5.00"), "stock": 1}],
    )  # fmt: skip


@pytest.fixture
def mine(seller):
    return product_of(seller, "My lamp", "MINE-1")


@pytest.fixture
def theirs(other_seller):
    return sized_product_of(other_seller, "Their tee")


@pytest.fixture
def seller_admin(seller):
    client = Client()
    client.force_login(seller)
    return client


def test_a_seller_signs_in_to_the_admin(seller):
    """The admin's sign-in form lets an active seller in; a customer is refused."""
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": seller.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    customer = UserFactory(role="customer")
    response = Client().post(
        "/admin/login/", {"username": customer.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in Client().session


def test_an_inactive_seller_is_sent_to_the_sign_in(seller):
    seller.is_active = False
    seller.save()
    client = Client()
    client.force_login(seller)
    response = client.get("/admin/catalog/product/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_index_shows_a_seller_only_the_catalog(seller_admin, mine):
    """Products, variants and the stock ledger, and the orders holding their items
    (read-only: orders/tests/test_admin_back_office.py); no categories, users or
    coupons."""
    response = seller_admin.get("/admin/")
    assert response.status_code == 200
    models = {
        model["object_name"]
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert models == {"Product", "Variant", "StockMovement", "Order"}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/category/",
        "/admin/catalog/category/add/",
        "/admin/accounts/user/",
        "/admin/orders/order/export/",
        "/admin/coupons/coupon/",
        "/admin/catalog/stockmovement/add/",
        "/admin/catalog/importjob/",
    ],
)
def test_the_rest_of_the_admin_is_closed_to_sellers(seller_admin, url):
    assert seller_admin.get(url).status_code in {403, 404}


def test_the_lists_hold_only_the_sellers_rows(seller_admin, mine, theirs):
    products = seller_admin.get("/admin/catalog/product/")
    assert products.status_code == 200
    assert [p.pk for p in products.context["cl"].result_list] == [mine.pk]
    variants = seller_admin.get("/admin/catalog/variant/")
    assert [v.sku for v in variants.context["cl"].result_list] == ["MINE-1"]
    ledger = seller_admin.get("/admin/catalog/stockmovement/")
    assert {m.variant.sku for m in ledger.context["cl"].result_list} == {"MINE-1"}
    # Filtering or searching does not reach another seller's rows either.
    found = seller_admin.get("/admin/catalog/variant/?q=Their")
    assert list(found.context["cl"].result_list) == []


def test_every_page_of_another_sellers_rows_is_a_404(seller_admin, theirs):
    variant = theirs.variants.get()
    movement = StockMovement.objects.filter(variant=variant).first()
    for url in (
        f"/admin/catalog/product/{theirs.pk}/change/",
        f"/admin/catalog/product/{theirs.pk}/delete/",
        f"/admin/catalog/product/{theirs.pk}/history/",
        f"/admin/catalog/product/{theirs.pk}/variants/matrix/",
        f"/admin/catalog/variant/{variant.pk}/change/",
        f"/admin/catalog/variant/{variant.pk}/history/",
        f"/admin/catalog/stockmovement/{movement.pk}/change/",
        "/admin/catalog/product/999999/change/",
    ):
        assert seller_admin.get(url).status_code == 404, url
    for url in (
        f"/admin/catalog/product/{theirs.pk}/change/",
        f"/admin/catalog/product/{theirs.pk}/delete/",
        f"/admin/catalog/product/{theirs.pk}/variants/matrix/",
        f"/admin/catalog/variant/{variant.pk}/change/",
    ):
        response = seller_admin.post(
            url, {"name": "Taken", "post": "yes", "price": "1.00", "stock": "0"}
        )
        assert response.status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.name == "Their tee"
    assert Product.objects.filter(pk=theirs.pk).exists()
    assert theirs.variants.count() == 1


def test_own_pages_open_and_save(seller_admin, seller, mine):
    for url in (
        f"/admin/catalog/product/{mine.pk}/change/",
        f"/admin/catalog/product/{mine.pk}/history/",
        f"/admin/catalog/product/{mine.pk}/variants/matrix/",
        f"/admin/catalog/variant/{mine.variants.get().pk}/change/",
        "/admin/catalog/product/add/",
        "/admin/catalog/product/import/",
    ):
        assert seller_admin.get(url).status_code == 200, url
    page = seller_admin.get("/admin/catalog/product/add/")
    assert "seller" not in page.context["adminform"].form.fields


def test_a_seller_adds_a_product_as_their_own(seller_admin, seller, other_seller):
    category = CategoryFactory(slug="mugs", name="Mugs")
    data = {
        "seller": other_seller.pk,  # ignored: not a field for a seller
        "category": category.pk,
        "name": "Mug",
        "slug": "mug",
        "description": "",
        "is_active": "on",
        "variant_price": "7.50",
        "variant_stock": "3",
    }
    for prefix in ("options", "images"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = seller_admin.post("/admin/catalog/product/add/", data)
    assert response.status_code == 302, response.content[:2000]
    product = Product.objects.get(slug="mug")
    assert product.seller == seller
    assert product.variants.get().stock == 3


def test_a_seller_cannot_add_a_variant_to_another_sellers_product(seller_admin, theirs):
    response = seller_admin.post(
        "/admin/catalog/variant/add/",
        {"product": theirs.pk, "sku": "SNEAK", "options": '{"Size": "M"}',
         "price": "1.00", "stock": "5", "weight_grams": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["product"]
    assert not Variant.objects.filter(sku="SNEAK").exists()


def test_actions_leave_another_sellers_products_alone(seller_admin, mine, theirs):
    """The matrix action, delete and export on a list with another seller's id in
    it touch only the seller's own products."""
    response = seller_admin.post(
        "/admin/catalog/product/",
        {"action": "create_missing_variants", "_selected_action": [theirs.pk]},
    )
    assert response.status_code == 302
    assert theirs.variants.count() == 1  # its M not made
    response = seller_admin.post(
        "/admin/catalog/product/",
        {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"},
    )
    assert Product.objects.filter(pk=theirs.pk).exists()
    response = seller_admin.post(
        "/admin/catalog/product/",
        {"action": "export_csv", "_selected_action": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "MINE-1" in text
    assert "Their tee" not in text


def test_the_stock_quick_edit_cannot_reach_another_sellers_variant(
    seller_admin, mine, theirs
):
    other = theirs.variants.get()
    response = seller_admin.post(
        "/admin/catalog/variant/",
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
         "form-MAX_NUM_FORMS": "1000", "form-0-id": other.pk, "form-0-price": "1.00",
         "form-0-stock": "99", "initial-form-0-stock": "1", "form-0-is_active": "on",
         "_save": "Save"},
    )  # fmt: skip
    # Django refuses a quick edit of a row not in the list's queryset (400).
    assert response.status_code in {400, 403, 404}
    other.refresh_from_db()
    assert (other.stock, other.price) == (1, Decimal("5.00"))


def test_a_seller_edits_their_own_stock_through_the_ledger(seller_admin, mine):
    variant = mine.variants.get()
    response = seller_admin.post(
        "/admin/catalog/variant/",
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
         "form-MAX_NUM_FORMS": "1000", "form-0-id": variant.pk, "form-0-price": "10.00",
         "form-0-stock": "9", "initial-form-0-stock": "4",
         "form-0-is_active": "on", "_save": "Save"},
    )  # fmt: skip
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 9
    assert variant.movements.filter(reason=StockMovement.Reason.ADMIN).exists()


def test_export_and_import_pages_hold_only_the_sellers_rows(seller_admin, mine, theirs):
    text = seller_admin.get("/admin/catalog/product/export/").content.decode()
    assert "MINE-1" in text and "Their tee" not in text
    csv = (
        "sku,name,description,category,price,stock,weight_grams,option:Size\n"
        "Their tee-S,Their tee,,tees,1.00,0,0,S\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = seller_admin.post(
        "/admin/catalog/product/import/",
        {"format": "0", "import_file": SimpleUploadedFile("p.csv", csv.encode())},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [1]
    assert "another seller" in str(result.invalid_rows[0].error_dict)
    assert "confirm_form" not in response.context
    theirs.refresh_from_db()
    assert theirs.variants.get().price == Decimal("5.00")
