"""The catalog admin: products with options, variants and images; the variants of the
option matrix; the stock list. Stock edits go through the stock service and leave a
movement; bad input is a form error, never a 500; only staff get in."""

import io
import threading
import time
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from accounts.tests.factories import UserFactory
from catalog.models import Product, ProductImage, StockMovement, Variant
from catalog.services import product_create
from catalog.stock import stock_adjust
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

SIZES = {"name": "Size", "values": ["S", "M", "L"]}
COLOURS = {"name": "Colour", "values": ["Red", "Blue"]}


@pytest.fixture
def admin_client_(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def simple_product(seller=None, *, name="Lamp", price="10.00", stock=10, **kwargs):
    """A product with one variant, made by the catalog's service."""
    return product_create(
        seller=seller or UserFactory(role="seller"),
        name=name,
        category=kwargs.pop("category", None) or CategoryFactory(),
        price=Decimal(price),
        stock=stock,
        **kwargs,
    )


def tee(seller=None, *, variants=None, name="Tee"):
    """A tee in sizes S/M/L and colours Red/Blue, with the variants given
    (default: M / Red and L / Blue)."""
    variants = variants or [
        {"sku": "TEE-M-RED", "options": {"Size": "M", "Colour": "Red"},
         "price": Decimal("20.00"), "stock": 5},
        {"sku": "TEE-L-BLUE", "options": {"Size": "L", "Colour": "Blue"},
         "price": Decimal("22.00"), "stock": 0},
    ]  # fmt: skip
    return product_create(
        seller=seller or UserFactory(role="seller"),
        name=name,
        category=CategoryFactory(),
        options=[SIZES, COLOURS],
        variants=variants,
    )


class _FormReader(HTMLParser):
    """What a browser would submit from a page's forms: every named input, select and
    textarea with its current value (file inputs left out)."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            elif kind not in {"file", "submit", "button", "image"}:
                self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def page_form(client, url) -> dict:
    """The form data of an admin page as the browser shows it."""
    response = client.get(url)
    assert response.status_code == 200, url
    reader = _FormReader()
    reader.feed(response.content.decode())
    data = {k: v for k, v in reader.data.items() if "__prefix__" not in k}
    data.pop("csrfmiddlewaretoken", None)
    data.pop("action", None)
    return data


def change_url(product) -> str:
    return f"/admin/catalog/product/{product.pk}/change/"


def row(product, sku) -> int:
    """The index of the variant with ``sku`` in the product page's variant rows."""
    ids = list(product.variants.order_by("id").values_list("sku", flat=True))
    return ids.index(sku)


def png(size=(40, 30), fmt="PNG", name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def errors_of(response) -> str:
    """Every error the admin page shows (form, inlines), as one text."""
    context = response.context
    texts = [str(context["adminform"].form.errors)]
    for inline in context["inline_admin_formsets"]:
        texts.append(str(inline.formset.errors))
        texts.append(str(inline.formset.non_form_errors()))
    return " ".join(texts)


# --- who gets in --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_only_staff_reach_the_admin(who, customer):
    """Anyone not staff (nor a seller: test_admin_sellers.py) is sent to the admin's
    sign-in page, for every catalog page."""
    client = Client()
    if who != "anonymous":
        client.force_login(customer)
    product = simple_product()
    for url in ("/admin/", "/admin/catalog/product/", change_url(product),
                "/admin/catalog/variant/",
                f"/admin/catalog/product/{product.pk}/variants/matrix/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    response = client.post(change_url(product), {"name": "Taken over"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Lamp"


def test_staff_without_catalog_permissions_is_refused(db):
    """A staff member without the catalog's permissions gets a 403, not the page."""
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    product = simple_product()
    assert client.get("/admin/").status_code == 200
    for url in ("/admin/catalog/product/", change_url(product),
                "/admin/catalog/variant/",
                f"/admin/catalog/product/{product.pk}/variants/matrix/"):  # fmt: skip
        assert client.get(url).status_code == 403, url


def test_admin_pages_render(admin_client_):
    """The product list, a product with options, variants and images, the add page, the
    stock list and a variant, the matrix page, categories and the ledger all render;
    the ledger is read-only."""
    product = tee()
    ProductImage.objects.create(product=product, image=png(), alt="Front")
    variant = product.variants.first()
    for url in [
        "/admin/catalog/product/",
        "/admin/catalog/product/?q=TEE-M-RED",
        change_url(product),
        "/admin/catalog/product/add/",
        f"/admin/catalog/product/{product.pk}/variants/matrix/",
        "/admin/catalog/variant/",
        f"/admin/catalog/variant/{variant.pk}/change/",
        "/admin/catalog/variant/add/",
        "/admin/catalog/category/",
        "/admin/catalog/category/add/",
        "/admin/catalog/stockmovement/",
    ]:
        assert admin_client_.get(url).status_code == 200, url
    assert admin_client_.get("/admin/catalog/stockmovement/add/").status_code == 403
    assert (
        admin_client_.get(f"/admin/catalog/variant/{variant.pk}/delete/").status_code
        == 403
    )


def test_product_list_search_finds_a_sku(admin_client_):
    """The product list's search finds a product by one of its variants' SKUs."""
    product = tee()
    simple_product(name="Other")
    response = admin_client_.get("/admin/catalog/product/", {"q": "tee-l-blue"})
    assert [p.pk for p in response.context["cl"].result_list] == [product.pk]


def test_unknown_or_malformed_product_ids_are_no_500(admin_client_):
    """A product or variant id that is unknown or no number sends back to the list, as
    the admin does; the matrix page too."""
    for url in ("/admin/catalog/product/999999/change/",
                "/admin/catalog/product/abc/change/",
                "/admin/catalog/product/%C2%B2/change/",  # "²": a digit, no number
                "/admin/catalog/product/999999/variants/matrix/",
                "/admin/catalog/product/abc/variants/matrix/",
                "/admin/catalog/product/%C2%B2/variants/matrix/",
                "/admin/catalog/variant/%C2%B2/change/",
                "/admin/catalog/variant/999999/change/"):  # fmt: skip
        assert admin_client_.get(url).status_code == 302, url
        assert admin_client_.post(url, {}).status_code == 302, url


# --- adding a product ---------------------------------------------------------------


def add_form(admin_client_, seller, **overrides) -> dict:
    data = page_form(admin_client_, "/admin/catalog/product/add/")
    data.update(
        seller=seller.pk,
        category=CategoryFactory().pk,
        name="Admin Lamp",
        slug="admin-lamp",
        description="",
        is_active="on",
        variant_price="5.00",
        variant_stock="9",
    )
    data.update(overrides)
    return data


def options_rows(*options) -> dict:
    data = {"options-TOTAL_FORMS": str(len(options))}
    for i, option in enumerate(options):
        data[f"options-{i}-position"] = str(i)
        data[f"options-{i}-name"] = option["name"]
        data[f"options-{i}-values"] = option["values"]
    return data


def test_adding_a_product_without_options_makes_one_variant(admin_client_, seller):
    """A product added without options gets one variant at the price, with a generated
    SKU and its initial stock as an INITIAL movement."""
    response = admin_client_.post(
        "/admin/catalog/product/add/", add_form(admin_client_, seller)
    )
    assert response.status_code == 302, errors_of(response)
    product = Product.objects.get(slug="admin-lamp")
    variant = product.variants.get()
    assert (variant.options, variant.price, variant.stock, product.price) == (
        {}, Decimal("5.00"), 9, Decimal("5.00")
    )  # fmt: skip
    assert variant.sku == "ADMIN-LAMP"
    movement = variant.movements.get()
    assert (movement.delta, movement.reason) == (9, "initial")


def test_adding_a_product_with_options_makes_the_option_matrix(admin_client_, seller):
    """Sizes S/M/L and colours Red/Blue give six variants, each with a generated SKU, the
    price and the stock given (a movement each)."""
    data = add_form(
        admin_client_, seller, variant_stock="3",
        **options_rows({"name": "Size", "values": '["S", "M", "L"]'},
                       {"name": "Colour", "values": '["Red", "Blue"]'}),
    )  # fmt: skip
    response = admin_client_.post("/admin/catalog/product/add/", data)
    assert response.status_code == 302, errors_of(response)
    product = Product.objects.get(slug="admin-lamp")
    assert [(o.name, o.values) for o in product.options.all()] == [
        ("Size", ["S", "M", "L"]), ("Colour", ["Red", "Blue"])
    ]  # fmt: skip
    variants = list(product.variants.order_by("id"))
    assert [v.options for v in variants] == [
        {"Size": s, "Colour": c} for s in ("S", "M", "L") for c in ("Red", "Blue")
    ]
    assert [v.sku for v in variants][:2] == ["ADMIN-LAMP-S-RED", "ADMIN-LAMP-S-BLUE"]
    assert {(v.price, v.stock) for v in variants} == {(Decimal("5.00"), 3)}
    assert StockMovement.objects.filter(variant__product=product).count() == 6


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"variant_price": "0"}, "greater than or equal to 0.01"),
        ({"variant_price": ""}, "This field is required"),
        ({"variant_price": "abc"}, "Enter a number"),
        ({"variant_stock": "-1"}, "greater than or equal to 0"),
        ({"variant_stock": "99999999999"}, "less than or equal to"),
        (options_rows({"name": "Size", "values": "[S, M"}), "Enter a valid JSON"),
        (options_rows({"name": "Size", "values": '{"S": 1}'}), "JSON list of words"),
        (options_rows({"name": "Size", "values": "[1, 2]"}), "JSON list of words"),
        (options_rows({"name": "Size", "values": "[]"}), "This field is required"),
        (options_rows({"name": "Size", "values": '[" "]'}), "needs values"),
        (options_rows({"name": " ", "values": '["S"]'}), "This field is required"),
        (options_rows({"name": "Size", "values": '["S", "s"]'}), "names a value twice"),
        (options_rows({"name": "Size", "values": '["S"]'},
                      {"name": "size", "values": '["M"]'}), "named twice"),
        (options_rows(*[{"name": f"O{i}", "values": '["a"]'} for i in range(4)]),
         "Ensure this value is less than or equal to 2"),
        ({**options_rows({"name": "Size", "values": '["S"]'},
                         {"name": "Colour", "values": '["Red"]'}),
          "options-1-position": "0"}, "duplicate data for position"),
    ],
)  # fmt: skip
def test_bad_input_on_the_add_page_is_a_form_error(
    admin_client_, seller, overrides, expected
):
    """A price below 0.01, a bad stock, options that are no JSON list of words, values
    or names twice, a fourth option: the page again with the error, nothing saved."""
    response = admin_client_.post(
        "/admin/catalog/product/add/", add_form(admin_client_, seller, **overrides)
    )
    assert response.status_code == 200
    assert expected in errors_of(response)
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", "taken"), ("slug", "not a slug!"), ("seller", "abc"), ("seller", "999999"),
     ("category", "999999"), ("name", ""), ("name", "x" * 300)],
)  # fmt: skip
def test_bad_product_fields_are_form_errors(admin_client_, field, value):
    """A slug in use or malformed, an unknown seller or category, a missing or overlong
    name: the page again with the field's error, nothing changed."""
    simple_product(name="Taken")  # slug "taken"
    product = tee()
    data = page_form(admin_client_, change_url(product))
    data[field] = value
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.name, product.slug) == ("Tee", "tee")


def test_the_matrix_page_of_a_product_without_options_makes_nothing(admin_client_):
    """A product without options has nothing to make: the page says so."""
    lamp = simple_product()
    url = f"/admin/catalog/product/{lamp.pk}/variants/matrix/"
    response = admin_client_.post(url, {"price": "5.00", "stock": "1"})
    assert response.status_code == 200
    assert "has no options" in response.content.decode()
    assert lamp.variants.count() == 1


# --- the product page's variants ----------------------------------------------------


def test_variants_price_sku_and_stock_are_edited_on_the_product_page(
    admin_client_, staff_user
):
    """A variant's price and SKU change on its product's page; its stock changes
    through the stock service (an ADMIN movement); the product's price follows."""
    product = tee()
    data = page_form(admin_client_, change_url(product))
    i, j = row(product, "TEE-M-RED"), row(product, "TEE-L-BLUE")
    data[f"variants-{i}-price"] = "18.50"
    data[f"variants-{i}-sku"] = "TEE-M-RED-2"
    data[f"variants-{j}-stock"] = "7"
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 302, errors_of(response)
    red, blue = product.variants.order_by("id")
    assert (red.sku, red.price, red.stock) == ("TEE-M-RED-2", Decimal("18.50"), 5)
    assert blue.stock == 7
    product.refresh_from_db()
    assert product.price == Decimal("18.50")
    movement = StockMovement.objects.get(reason="admin")
    assert (movement.variant, movement.delta, movement.user) == (blue, 7, staff_user)


def test_saving_a_product_unchanged_writes_no_movement(admin_client_):
    """Saving the page as shown changes no stock and writes no movement."""
    product = tee()
    before = StockMovement.objects.count()
    data = page_form(admin_client_, change_url(product))
    data["name"] = "Better Tee"
    assert admin_client_.post(change_url(product), data).status_code == 302
    assert StockMovement.objects.count() == before
    assert sorted(product.variants.values_list("stock", flat=True)) == [0, 5]


def test_saving_keeps_stock_sold_while_the_page_was_open(admin_client_):
    """The page shows 5; 3 are sold; the editor changes only the price: the stock stays
    2 (the field is compared with what the page showed, not with the stock now)."""
    product = tee()
    variant = product.variants.get(sku="TEE-M-RED")
    data = page_form(admin_client_, change_url(product))
    i = row(product, "TEE-M-RED")
    assert data[f"initial-variants-{i}-stock"] == "5"
    data[f"variants-{i}-price"] = "19.00"
    stock_adjust(variant=variant, delta=-3, reason=StockMovement.Reason.CHECKOUT)
    assert admin_client_.post(change_url(product), data).status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (Decimal("19.00"), 2)
    assert not StockMovement.objects.filter(reason="admin").exists()


@pytest.mark.parametrize("typed, expected", [(15, 12), (0, 0), (2, 0)])
def test_a_stock_change_applies_to_the_stock_now(admin_client_, typed, expected):
    """A changed stock applies the editor's change (typed - shown) to the stock as it
    is at saving, never below 0: 10 -> 15 after 3 sales gives 12."""
    product = simple_product(stock=10)
    variant = product.variants.get()
    data = page_form(admin_client_, change_url(product))
    data["variants-0-stock"] = str(typed)
    stock_adjust(variant=variant, delta=-3, reason=StockMovement.Reason.CHECKOUT)
    assert admin_client_.post(change_url(product), data).status_code == 302
    variant.refresh_from_db()
    assert variant.stock == expected


def test_a_variant_taken_off_sale_leaves_the_products_price(admin_client_):
    """Unticking "is active" archives a variant: the product's price is its active
    variants' lowest again."""
    product = tee()
    data = page_form(admin_client_, change_url(product))
    data.pop(f"variants-{row(product, 'TEE-M-RED')}-is_active")
    assert admin_client_.post(change_url(product), data).status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("22.00")
    assert not product.variants.get(sku="TEE-M-RED").is_active


def test_a_variant_added_on_the_product_page(admin_client_):
    """A new row makes a variant with its initial stock as a movement."""
    product = tee()
    data = page_form(admin_client_, change_url(product))
    n = int(data["variants-TOTAL_FORMS"])
    data.update({
        "variants-TOTAL_FORMS": str(n + 1),
        f"variants-{n}-sku": "TEE-S-RED", f"variants-{n}-options": '{"Colour": "Red", "Size": "S"}',
        f"variants-{n}-price": "15.00", f"variants-{n}-stock": "4",
        f"variants-{n}-weight_grams": "180", f"variants-{n}-is_active": "on",
        f"variants-{n}-product": str(product.pk),
    })  # fmt: skip
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 302, errors_of(response)
    made = product.variants.get(sku="TEE-S-RED")
    assert (made.options, made.signature, made.stock, made.weight_grams) == (
        {"Size": "S", "Colour": "Red"}, "S\x1fRed", 4, 180
    )  # fmt: skip
    assert made.movements.get().reason == "initial"
    product.refresh_from_db()
    assert product.price == Decimal("15.00")


def _new_row(data, product, **fields) -> dict:
    n = int(data["variants-TOTAL_FORMS"])
    data["variants-TOTAL_FORMS"] = str(n + 1)
    row_data = {"sku": "NEW-1", "options": '{"Size": "S", "Colour": "Red"}',
                "price": "10.00", "stock": "0", "weight_grams": "0",
                "is_active": "on", "product": str(product.pk), **fields}  # fmt: skip
    data.update({f"variants-{n}-{k}": v for k, v in row_data.items()})
    return data


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"options": '{"Size": "S"}'}, "names one value of every option"),
        ({"options": '{"Size": "S", "Colour": "Red", "Fit": "Slim"}'},
         "names one value of every option"),
        ({"options": '{"Size": "XL", "Colour": "Red"}'}, "is not a value of Size"),
        ({"options": '{"Size": "S", "Colour": ' }, "Enter a valid JSON"),
        ({"options": '["S", "Red"]'}, "as {name: value}"),
        ({"options": '{"Size": "M", "Colour": "Red"}'}, "already has a variant"),
        ({"sku": "tee-m-red"}, "already in use"),
        ({"sku": ""}, "This field is required"),
        ({"price": "0.00"}, "greater than or equal to 0.01"),
        ({"price": "-5"}, "greater than or equal to 0.01"),
        ({"price": "1e400"}, "no more than 12 digits"),
        ({"price": "NaN"}, "Enter a number"),
        ({"stock": "-1"}, "greater than or equal to 0"),
        ({"weight_grams": "-3"}, "greater than or equal to 0"),
        ({"weight_grams": "99999999999"}, "less than or equal to"),
    ],
)  # fmt: skip
def test_bad_variant_rows_are_form_errors(admin_client_, fields, expected):
    """A variant that does not name one declared value of every option, has the options
    or the SKU of another (in any case), a price below 0.01, a bad stock or weight, or
    options that are no JSON object: the page again with the error, nothing saved."""
    product = tee()
    data = _new_row(page_form(admin_client_, change_url(product)), product, **fields)
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 200
    assert expected in errors_of(response)
    assert product.variants.count() == 2


def test_two_new_rows_alike_are_a_form_error(admin_client_):
    """Two new rows with the same options, or the same SKU, are refused together."""
    product = tee()
    for first, second, expected in [
        ({"sku": "A-1"}, {"sku": "A-2"}, "same options"),
        ({"sku": "A-1"}, {"sku": "a-1", "options": '{"Size": "S", "Colour": "Blue"}'},
         "the SKU"),
    ]:  # fmt: skip
        data = page_form(admin_client_, change_url(product))
        data = _new_row(_new_row(data, product, **first), product, **second)
        response = admin_client_.post(change_url(product), data)
        assert response.status_code == 200
        assert expected in errors_of(response)
    assert product.variants.count() == 2


def test_a_sku_of_another_product_is_refused_on_an_existing_row(admin_client_):
    """Renaming a variant's SKU to one in use elsewhere is a form error."""
    simple_product(name="Mug")  # SKU MUG
    product = tee()
    data = page_form(admin_client_, change_url(product))
    data[f"variants-{row(product, 'TEE-M-RED')}-sku"] = "mug"
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 200
    assert "already in use" in errors_of(response)
    assert product.variants.filter(sku="TEE-M-RED").exists()


# --- options of a product with variants ---------------------------------------------


def test_an_option_of_a_product_with_variants_can_gain_values(admin_client_):
    """A value added to an option can be named by a new variant in the same save."""
    product = tee()
    data = page_form(admin_client_, change_url(product))
    data["options-0-values"] = '["S", "M", "L", "XL"]'
    data = _new_row(
        data, product, sku="TEE-XL", options='{"Size": "XL", "Colour": "Red"}'
    )
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 302, errors_of(response)
    assert product.options.get(name="Size").values == ["S", "M", "L", "XL"]
    assert product.variants.get(sku="TEE-XL").options == {"Size": "XL", "Colour": "Red"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"options-0-values": '["S", "L"]'}, "keep those values"),
        ({"options-0-name": "Fit"}, "keeps its name and position"),
        ({"options-0-position": "1", "options-1-position": "0"},
         "keeps its name and position"),
        ({"options-1-DELETE": "on"}, "cannot be added or removed"),
        ({"options-TOTAL_FORMS": "3", "options-2-name": "Fit",
          "options-2-values": '["Slim"]'}, "cannot be added or removed"),
    ],
)  # fmt: skip
def test_options_of_a_product_with_variants_keep_what_variants_name(
    admin_client_, change, expected
):
    """Once a product has variants, an option cannot be renamed, moved, removed or
    added, and a value a variant names cannot go: a form error, nothing saved."""
    product = tee()
    data = page_form(admin_client_, change_url(product))
    data.update(change)
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 200
    assert expected in errors_of(response)
    assert [(o.name, o.values) for o in product.options.all()] == [
        ("Size", ["S", "M", "L"]), ("Colour", ["Red", "Blue"])
    ]  # fmt: skip


# --- the option matrix --------------------------------------------------------------


def test_the_matrix_page_makes_the_missing_variants(admin_client_, staff_user):
    """The product page's button lists the four combinations the tee has no variant for
    and makes them at the price and stock given, each with a generated SKU and a
    movement; each is then editable."""
    product = tee()
    url = f"/admin/catalog/product/{product.pk}/variants/matrix/"
    page = admin_client_.get(change_url(product)).content.decode()
    assert f'href="{url}"' in page
    shown = admin_client_.get(url)
    assert shown.context["missing"] == ["S / Red", "S / Blue", "M / Blue", "L / Red"]
    response = admin_client_.post(url, {"price": "19.00", "stock": "2"})
    assert response.status_code == 302
    assert response["Location"] == change_url(product)
    made = product.variants.exclude(sku__in=["TEE-M-RED", "TEE-L-BLUE"]).order_by("id")
    assert [(v.sku, v.price, v.stock) for v in made] == [
        ("TEE-S-RED", Decimal("19.00"), 2), ("TEE-S-BLUE", Decimal("19.00"), 2),
        ("TEE-M-BLUE", Decimal("19.00"), 2), ("TEE-L-RED", Decimal("19.00"), 2),
    ]  # fmt: skip
    assert StockMovement.objects.filter(variant__in=made, user=staff_user).count() == 4
    product.refresh_from_db()
    assert product.price == Decimal("19.00")
    # Each is then editable on the product page: price, SKU and stock.
    data = page_form(admin_client_, change_url(product))
    i = row(product, "TEE-S-BLUE")
    data.update({f"variants-{i}-price": "25.00", f"variants-{i}-sku": "TSB",
                 f"variants-{i}-stock": "9"})  # fmt: skip
    assert admin_client_.post(change_url(product), data).status_code == 302
    edited = product.variants.get(sku="TSB")
    assert (edited.price, edited.stock) == (Decimal("25.00"), 9)
    # Nothing left to make.
    assert admin_client_.get(url).context["missing"] == []
    assert admin_client_.post(url, {"price": "1.00", "stock": "0"}).status_code == 200
    assert product.variants.count() == 6


@pytest.mark.parametrize(
    "data",
    [{"price": "0", "stock": "0"}, {"price": "x", "stock": "0"},
     {"price": "1.00", "stock": "-2"}, {}],
)  # fmt: skip
def test_bad_input_on_the_matrix_page_is_a_form_error(admin_client_, data):
    """A price below 0.01 or a bad stock shows the page again; nothing is made."""
    product = tee()
    url = f"/admin/catalog/product/{product.pk}/variants/matrix/"
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert product.variants.count() == 2


def test_the_list_action_makes_the_missing_variants_at_each_products_price(
    admin_client_,
):
    """The product list's action fills each selected product's matrix at its price;
    a product without options, which has its one variant, gets none."""
    product, lamp = tee(), simple_product()
    response = admin_client_.post(
        "/admin/catalog/product/",
        {"action": "create_missing_variants",
         "_selected_action": [product.pk, lamp.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    assert product.variants.count() == 6
    assert set(product.variants.exclude(sku__startswith="TEE-M-RED").exclude(
        sku="TEE-L-BLUE").values_list("price", flat=True)) == {Decimal("20.00")}  # fmt: skip
    assert lamp.variants.count() == 1


# --- images -------------------------------------------------------------------------


def _image_rows(data, *images) -> dict:
    n = int(data["images-TOTAL_FORMS"])
    data["images-TOTAL_FORMS"] = str(n + len(images))
    for k, (upload, alt, position) in enumerate(images, start=n):
        data[f"images-{k}-image"] = upload
        data[f"images-{k}-alt"] = alt
        data[f"images-{k}-position"] = position
    return data


def test_images_are_uploaded_with_alt_text_and_order(admin_client_):
    """Uploads in the admin go through the image service (named after the product);
    alt text and order are kept, and a variant may then show one."""
    product = tee()
    data = _image_rows(
        page_form(admin_client_, change_url(product)),
        (png(name="a.png"), "Front", "0"),
        (png(fmt="JPEG", name="b.jpg"), "Back", "1"),
    )
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 302, errors_of(response)
    front, back = product.images.all()
    assert (front.alt, front.position, back.alt, back.position) == (
        "Front",
        0,
        "Back",
        1,
    )
    assert front.image.name.startswith("products/tee") and back.image.name.endswith(
        ".jpg"
    )
    # The order changes, a variant shows the back, the preview is a thumbnail.
    data = page_form(admin_client_, change_url(product))
    data.update(
        {
            "images-0-position": "5",
            f"variants-{row(product, 'TEE-M-RED')}-image": str(back.pk),
        }
    )
    assert admin_client_.post(change_url(product), data).status_code == 302
    assert list(product.images.values_list("alt", flat=True)) == ["Back", "Front"]
    assert product.variants.get(sku="TEE-M-RED").image == back
    page = admin_client_.get(change_url(product)).content.decode()
    assert '<img src="/media/cache/' in page and 'width="80" height="80"' in page


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
         "Upload a valid image"),
        (png(fmt="GIF", name="x.gif"), "JPEG, PNG or WebP"),
        (png(fmt="BMP", name="x.png"), "JPEG, PNG or WebP"),
    ],
)  # fmt: skip
def test_an_upload_that_is_no_photo_is_a_form_error(admin_client_, upload, expected):
    """A file that is not an image, or an image in another format whatever its name,
    is refused with the page's error; nothing is saved."""
    product = tee()
    data = _image_rows(page_form(admin_client_, change_url(product)), (upload, "", "0"))
    response = admin_client_.post(change_url(product), data)
    assert response.status_code == 200
    assert expected in errors_of(response)
    assert not product.images.exists()


def test_images_are_removed_through_the_service(admin_client_):
    """Deleting an image row removes it; a variant showing it shows none."""
    product = tee()
    image = ProductImage.objects.create(product=product, image=png(), alt="Front")
    product.variants.filter(sku="TEE-M-RED").update(image=image)
    data = page_form(admin_client_, change_url(product))
    data["images-0-DELETE"] = "on"
    assert admin_client_.post(change_url(product), data).status_code == 302
    assert not product.images.exists()
    assert product.variants.get(sku="TEE-M-RED").image is None


# --- the stock list -----------------------------------------------------------------


def variant_url(variant) -> str:
    return f"/admin/catalog/variant/{variant.pk}/change/"


@pytest.mark.parametrize(("level", "expected"), [("out", {"L"}), ("low", {"M"})])
def test_the_stock_list_filters_low_stock_per_variant(admin_client_, level, expected):
    """The stock-level filter shows the variants out of stock, or at/below the
    threshold (5), whatever their product's total."""
    product = tee(variants=[
        {"sku": f"T-{s}", "options": {"Size": s, "Colour": "Red"},
         "price": Decimal("9.00"), "stock": n}
        for s, n in (("S", 50), ("M", 5), ("L", 0))
    ])  # fmt: skip
    assert product.stock == 55
    response = admin_client_.get("/admin/catalog/variant/", {"stock_level": level})
    assert response.status_code == 200
    shown = {v.options["Size"] for v in response.context["cl"].result_list}
    assert shown == expected


def test_a_variants_page_edits_price_and_stock_through_the_service(admin_client_):
    """The stock list's variant page changes price and SKU; stock is a movement."""
    product = tee()
    variant = product.variants.get(sku="TEE-M-RED")
    data = page_form(admin_client_, variant_url(variant))
    data.update(price="17.00", stock="8", sku="TEE-M-R")
    response = admin_client_.post(variant_url(variant), data)
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.sku, variant.price, variant.stock) == (
        "TEE-M-R",
        Decimal("17.00"),
        8,
    )
    assert variant.movements.get(reason="admin").delta == 3
    product.refresh_from_db()
    assert product.price == Decimal("17.00")


def test_a_variant_cannot_show_another_products_image(admin_client_):
    """A variant's image is one of its product's: another's is a form error."""
    product, other = tee(), simple_product()
    foreign = ProductImage.objects.create(product=other, image=png())
    variant = product.variants.first()
    data = page_form(admin_client_, variant_url(variant))
    data["image"] = str(foreign.pk)
    response = admin_client_.post(variant_url(variant), data)
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors
    variant.refresh_from_db()
    assert variant.image is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"options": '{"Size": "M"}'}, "options"),
     ({"options": '{"Size": "L", "Colour": "Blue"}'}, "options"),
     ({"sku": "TEE-L-BLUE"}, "sku"), ({"price": "0.001"}, "price"),
     ({"stock": "x"}, "stock")],
)  # fmt: skip
def test_bad_input_on_a_variants_page_is_a_form_error(admin_client_, fields, field):
    """Options not naming every option or those of another variant, a SKU in use, a
    price below a cent, a stock that is no number: form errors, nothing saved."""
    product = tee()
    variant = product.variants.get(sku="TEE-M-RED")
    data = page_form(admin_client_, variant_url(variant))
    data.update(fields)
    response = admin_client_.post(variant_url(variant), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    variant.refresh_from_db()
    assert (variant.sku, variant.price, variant.stock) == (
        "TEE-M-RED",
        Decimal("20.00"),
        5,
    )


def test_a_variant_added_in_the_stock_list(admin_client_):
    """The stock list's add page makes a variant of the product named, checked
    against its options; one alike, or of no product, is refused."""
    product = tee()
    data = {"product": product.pk, "sku": "TEE-S-RED", "options": '{"Size": "S", "Colour": "Red"}',
            "price": "12.00", "stock": "3", "initial-stock": "0", "weight_grams": "0",
            "is_active": "on"}  # fmt: skip
    for key in ("TOTAL", "INITIAL", "MIN_NUM", "MAX_NUM"):
        data[f"movements-{key}_FORMS"] = "0"
    assert admin_client_.post("/admin/catalog/variant/add/", data).status_code == 302
    made = Variant.objects.get(sku="TEE-S-RED")
    assert (made.product, made.stock, made.movements.get().reason) == (
        product,
        3,
        "initial",
    )
    again = admin_client_.post("/admin/catalog/variant/add/", {**data, "sku": "OTHER"})
    assert again.status_code == 200
    assert "already has a variant" in str(again.context["adminform"].form.errors)
    for product_id in ("999999", "abc", ""):
        unknown = admin_client_.post(
            "/admin/catalog/variant/add/", {**data, "sku": "X-1", "product": product_id}
        )
        assert unknown.status_code == 200
        assert "product" in unknown.context["adminform"].form.errors


def quick_edit(*rows) -> dict:
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows)),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000", "_save": "Save"}  # fmt: skip
    for i, fields in enumerate(rows):
        # What the list showed rides along as initial-form-N-stock.
        data.update({f"form-{i}-{k}" if k != "initial-stock" else f"initial-form-{i}-stock": v
                     for k, v in fields.items()})  # fmt: skip
    return data


def test_the_stock_lists_quick_edit(admin_client_):
    """The list edits price, stock (from what it showed: sales meanwhile stay sold)
    and state; stock through the service."""
    product = tee()
    red, blue = product.variants.order_by("id")
    stock_adjust(variant=red, delta=-1, reason=StockMovement.Reason.CHECKOUT)  # 5 -> 4
    data = quick_edit(
        {"id": red.pk, "price": "21.00", "stock": "8", "initial-stock": "5",
         "is_active": "on"},
        {"id": blue.pk, "price": "22.00", "stock": "0", "initial-stock": "0"},
    )  # fmt: skip
    response = admin_client_.post("/admin/catalog/variant/", data)
    assert response.status_code == 302
    red.refresh_from_db()
    blue.refresh_from_db()
    assert (red.price, red.stock, red.is_active) == (Decimal("21.00"), 7, True)
    assert (blue.stock, blue.is_active) == (0, False)
    assert red.movements.get(reason="admin").delta == 3
    product.refresh_from_db()
    assert product.price == Decimal("21.00")


@pytest.mark.parametrize(
    "fields", [{"price": "0"}, {"price": "abc"}, {"stock": "-4"}, {"stock": "1.5"}]
)
def test_bad_quick_edit_values_are_form_errors(admin_client_, fields):
    """A quick edit with a price below a cent or a bad stock is shown again."""
    product = simple_product(stock=3)
    variant = product.variants.get()
    row_fields = {"id": variant.pk, "price": "10.00", "stock": "3",
                  "initial-stock": "3", "is_active": "on", **fields}  # fmt: skip
    response = admin_client_.post("/admin/catalog/variant/", quick_edit(row_fields))
    assert response.status_code == 200
    assert response.context["cl"].formset.errors[0]
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (Decimal("10.00"), 3)


def test_a_quick_edit_row_id_that_is_no_number_is_no_500(admin_client_):
    """A quick edit whose row id is not a number is the form's error, not a 500."""
    data = quick_edit({"id": "²", "price": "1.00", "stock": "1"})
    response = admin_client_.post("/admin/catalog/variant/", data)
    assert response.status_code < 500


@pytest.mark.django_db(transaction=True)
def test_a_quick_edit_and_a_checkout_of_its_rows_never_deadlock(
    staff_user, monkeypatch
):
    """The stock list saves its rows in the order sent (here the newer first) in one
    transaction; a checkout locks its variants in key order. With the rows locked in
    key order before the saves, a checkout of both that starts between two saves
    waits, then goes through: both succeed."""
    from cart.services import cart_add_item, cart_create
    from catalog.admin import VariantAdmin
    from orders.checkout import order_place

    older, newer = (
        simple_product(name="Older", stock=5),
        simple_product(name="Newer", stock=5),
    )
    old_variant, new_variant = older.variants.get(), newer.variants.get()
    cart = cart_create()
    for variant in (old_variant, new_variant):
        cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)
    first_saved = threading.Event()
    save = VariantAdmin.save_model

    def slow_save(self, request, obj, form, change):
        save(self, request, obj, form, change)
        if not first_saved.is_set():
            first_saved.set()
            time.sleep(0.5)  # the checkout starts now, between the two saves

    # The admin's own hook (ModelAdmin.save_model), slowed to open the window.
    monkeypatch.setattr(VariantAdmin, "save_model", slow_save)
    results = {}

    def edit():
        client = Client()
        client.force_login(staff_user)
        data = quick_edit(  # the newer variant first
            {"id": new_variant.pk, "price": "11.00", "stock": "5", "initial-stock": "5",
             "is_active": "on"},
            {"id": old_variant.pk, "price": "12.00", "stock": "5", "initial-stock": "5",
             "is_active": "on"},
        )  # fmt: skip
        try:
            results["edit"] = client.post("/admin/catalog/variant/", data).status_code
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
    assert sorted(Variant.objects.values_list("price", "stock")) == [
        (Decimal("11.00"), 4), (Decimal("12.00"), 4)
    ]  # fmt: skip


# --- categories ---------------------------------------------------------------------


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
