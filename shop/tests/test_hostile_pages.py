"""Hostile input to every storefront form and query string: never a 500.

Each value goes into one field of an otherwise valid request (or into a URL segment). The
answer is a 4xx, or the page with a form error or a message (200, or a 302 to a page of
the shop); never a 5xx, never a traceback. Missing CSRF tokens are 403 and GETs of POST-only
URLs 405.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlparse

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.models import Product
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    product_with_variants,
)
from coupons.tests.factories import CouponFactory
from orders.tests.factories import order_with

pytestmark = pytest.mark.django_db

HOSTILE = {
    "huge": "1" + "0" * 30,
    "int64_overflow": str(2**63),
    "negative": "-1",
    "float_overflow": "1e309",
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "decimal": "1.5",
    "unicode_digit": "\u00b2",  # "²": isdigit() says yes, int() says no
    "arabic_digits": "\u0663\u0664",  # "٣٤": a number to int(), not to a regex
    "word": "abc",
    "empty": "",
    "repeated_keys": ["1", "abc", "-1"],  # a list: the key is sent three times
    "emoji": "\U0001f6d2\U0001f4a5\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "rtl": "\u202e\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "combining": "e" + "\u0301" * 64,
    "very_long": "a" * 100_000,
    "nul_byte": "a\x00b",
    "only_nul": "\x00",
    "control_chars": "\x01\x02\x1b[31m\r\n",
    "lone_surrogate_escaped": "%ED%A0%80",
    "html": '<script>alert("x")</script>',
    "sql": "' OR 1=1; DROP TABLE catalog_product; --",
    "path_traversal": "../../../../etc/passwd",
    "offsite_url": "https://evil.example.com/steal",
    "protocol_relative": "//evil.example.com",
    "javascript_url": "javascript:alert(1)",
    "header_injection": "/cart/\r\nSet-Cookie: pwned=1",
    "path_with_nul": "/cart/\x00",
}

OK_STATUSES = {200, 302, 400, 404}


@dataclass
class Shop:
    customer: object
    product: Product  # in sizes and colours, with a picture per colour
    variant: object  # the one in the visitors' carts
    plain: Product  # a product without options (added by its product_id)
    order: object  # the customer's pending order
    category: object
    coupon: object


@pytest.fixture
def shop():
    customer = UserFactory(email="hostile@example.com")
    category = CategoryFactory(name="Hostile tools")
    product = product_with_variants(
        options={"Size": ["S", "M"], "Colour": ["Red", "Blue"]},
        variants=[
            {"options": {"Size": size, "Colour": colour}, "price": Decimal("5.00"),
             "stock": 0 if (size, colour) == ("S", "Blue") else 100}
            for size in ("S", "M") for colour in ("Red", "Blue")
        ],
        category=category,
    )  # fmt: skip
    red, blue = (ProductImageFactory(product=product) for _ in range(2))
    product.variants.filter(options__Colour="Blue").update(image=blue)
    variant = product.variants.get(options={"Size": "M", "Colour": "Red"})
    plain = ProductFactory(category=category, price=Decimal("3.00"), stock=100)
    order = order_with(
        products_and_quantities=[(variant, 1)], user=customer, email=customer.email
    )
    return Shop(
        customer,
        product,
        variant,
        plain,
        order,
        category,
        CouponFactory(code="HOSTILE"),
    )


def visitor(shop, *, signed_in: bool) -> Client:
    """A browser whose cart holds a line of the variant (signed in or not)."""
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(shop.customer)
    response = client.post("/cart/add/", {"variant_id": shop.variant.pk, "quantity": 1})
    assert response.status_code == 302
    return client


@dataclass(frozen=True)
class Form:
    name: str
    method: str
    url: str  # formatted with product, order, category
    fields: dict  # valid values; each field in turn gets the hostile value
    signed_in: bool = False

    def __str__(self):
        return self.name


FORMS = [
    Form("catalog", "get", "/", {"q": "lamp", "sort": "price", "page": "1"}),
    Form("catalog_filters", "get", "/",
         {"min_price": "1.00", "max_price": "9.00", "in_stock": "on",
          "option": "Size:M"}),
    Form("category", "get", "/c/{category}/", {"q": "lamp", "sort": "-price", "page": "2"}),
    Form("category_filters", "get", "/c/{category}/",
         {"min_price": "2", "max_price": "20", "in_stock": "1", "option": "Colour:Red"}),
    Form("product", "get", "/p/{product_slug}/", {"unused": "1"}),
    # The option picker (a GET form) and the gallery's ?image=.
    Form("product_options", "get", "/p/{product_slug}/",
         {"Size": "M", "Colour": "Blue", "image": "{image}"}),
    Form("add_to_cart", "post", "/cart/add/",
         {"variant_id": "{variant}", "quantity": "1", "next": "/p/{product_slug}/"}),
    Form("add_a_product_to_cart", "post", "/cart/add/",
         {"product_id": "{plain}", "quantity": "1", "next": "/"}),
    # Refused (quantity 0), so the view sends the visitor back to ``next``.
    Form("add_to_cart_refused", "post", "/cart/add/",
         {"variant_id": "{variant}", "quantity": "0", "next": "/p/{product_slug}/"}),
    # Refused: a product of several variants needs one named.
    Form("add_product_of_variants", "post", "/cart/add/",
         {"product_id": "{product}", "quantity": "1", "next": "/p/{product_slug}/"}),
    # Refused: that combination is sold out.
    Form("add_sold_out_variant", "post", "/cart/add/",
         {"variant_id": "{sold_out}", "quantity": "1", "next": "/p/{product_slug}/"}),
    # Mail me when it is back: the product's sold-out variant.
    Form("notify_me", "post", "/p/{product_slug}/notify-me/",
         {"variant_id": "{sold_out}", "email": "h@example.com",
          "next": "/p/{product_slug}/"}),
    Form("cart_update", "post", "/cart/items/{variant}/update/",
         {"line{variant}-quantity": "2"}),
    Form("cart_remove", "post", "/cart/items/{variant}/remove/", {"unused": "1"}),
    Form("cart_coupon", "post", "/cart/coupon/", {"code": "HOSTILE"}),
    Form("cart_coupon_remove", "post", "/cart/coupon/remove/", {"unused": "1"}),
    Form("cart_page", "get", "/cart/", {"unused": "1"}),
    Form("checkout_page", "get", "/checkout/", {"unused": "1"}),
    Form("checkout", "post", "/checkout/",
         {"email": "buyer@example.com", "shipping_name": "Ann Buyer",
          "shipping_address": "1 Main St", "token": "a-valid-token-0123456789-{n}"}),
    Form("checkout_signed_in", "post", "/checkout/",
         {"email": "hostile@example.com", "shipping_name": "Ann Buyer",
          "shipping_address": "1 Main St", "token": "b-valid-token-0123456789-{n}"},
         signed_in=True),
    Form("order_page", "get", "/orders/{order}/", {"unused": "1"}, signed_in=True),
    Form("pay", "post", "/orders/{order}/pay/", {"payment_token": "tok_success"},
         signed_in=True),
    Form("order_history", "get", "/orders/", {"page": "1"}, signed_in=True),
    Form("login", "post", "/accounts/login/",
         {"username": "hostile@example.com", "password": PASSWORD, "next": "/cart/"}),
    Form("login_page", "get", "/accounts/login/", {"next": "/cart/"}),
    Form("register", "post", "/accounts/register/",
         {"name": "New Person", "email": "new{n}@example.com", "password": "Sturdy-Pass-8812",
          "password_again": "Sturdy-Pass-8812", "role": "customer", "next": "/"}),
    Form("logout", "post", "/accounts/logout/", {"next": "/"}, signed_in=True),
]  # fmt: skip

# URL segments a visitor can type: each gets every hostile value (URL-quoted).
PATHS = [
    "/c/{value}/",
    "/p/{value}/",
    "/orders/{value}/",
    "/orders/{value}/pay/",
    "/cart/items/{value}/update/",
    "/cart/items/{value}/remove/",
    "/back-in-stock/unsubscribe/{value}/",
]


def _values(shop) -> dict:
    return {
        "product": shop.product.pk,
        "variant": shop.variant.pk,
        "sold_out": shop.product.variants.get(stock=0).pk,
        "plain": shop.plain.pk,
        "image": shop.product.images.last().pk,
        "product_slug": shop.product.slug,
        "order": shop.order.number,
        "category": shop.category.slug,
    }


def _assert_handled(response, *, allowed=OK_STATUSES):
    body = response.content.decode(errors="replace")
    assert response.status_code in allowed, (response.status_code, body[:500])
    assert "Traceback" not in body
    assert "Server error" not in body
    if response.status_code == 302:
        # Wherever a bad value sends the visitor, it is a page of this shop.
        target = urlparse(response["Location"])
        assert not target.netloc or target.netloc == "testserver", response["Location"]
        assert target.scheme in ("", "http", "https"), response["Location"]


@pytest.mark.parametrize("value_name", HOSTILE)
@pytest.mark.parametrize("form", FORMS, ids=str)
def test_hostile_value_in_each_field_is_handled(shop, form, value_name):
    """Every field of every form and query string survives every hostile value."""
    values = _values(shop)
    url = form.url.format(**values)
    for n, field in enumerate(form.fields):
        # A fresh browser and fresh unique values ({n}) per field: no field's test is
        # skipped because an earlier one already registered the email or placed the order.
        valid = {
            key.format(**values): value.format(n=n, **values)
            for key, value in form.fields.items()
        }
        client = visitor(shop, signed_in=form.signed_in)
        data = {**valid, field.format(**values): HOSTILE[value_name]}
        response = getattr(client, form.method)(url, data)
        _assert_handled(response)


@pytest.mark.parametrize("value_name", HOSTILE)
@pytest.mark.parametrize("path", PATHS)
def test_hostile_url_segment_is_handled(shop, path, value_name):
    """A hostile value typed into a URL is a 404 (or the page's own error), never a 500."""
    value = HOSTILE[value_name]
    if isinstance(value, list):
        value = "/".join(value)
    url = path.format(value=quote(value, safe="%") or "x")
    for signed_in in (False, True):
        client = visitor(shop, signed_in=signed_in)
        method = (
            client.post if path.endswith(("pay/", "update/", "remove/")) else client.get
        )
        response = method(url, {"payment_token": "tok_success", "quantity": "1"})
        _assert_handled(response)


@pytest.mark.parametrize(
    "value_name",
    ["huge", "int64_overflow", "negative", "float_overflow", "nan", "infinity", "decimal",
     "word", "empty", "very_long", "nul_byte", "emoji"],
)  # fmt: skip
def test_bad_quantities_leave_the_cart_alone_and_say_why(shop, value_name):
    """Add and update with a bad quantity: redirect with an error message, cart unchanged."""
    client = visitor(shop, signed_in=False)
    vid = shop.variant.pk
    for url, data in [
        ("/cart/add/", {"variant_id": vid, "quantity": HOSTILE[value_name]}),
        (f"/cart/items/{vid}/update/", {f"line{vid}-quantity": HOSTILE[value_name]}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302
        errors = [
            m for m in get_messages(response.wsgi_request) if m.level_tag == "error"
        ]
        assert errors, (url, value_name)
        cart = client.get("/cart/").context["summary"]
        assert [(item["variant_id"], item["quantity"]) for item in cart["items"]] == [
            (vid, 1)
        ]


def test_an_offsite_next_is_never_followed(shop):
    """`next` pointing at another site is ignored by cart actions, login and register."""
    client = visitor(shop, signed_in=False)
    for target in [
        "https://evil.example.com/",
        "//evil.example.com",
        "javascript:alert(1)",
    ]:
        add = client.post(
            "/cart/add/",
            {"variant_id": shop.variant.pk, "quantity": "1", "next": target},
        )
        assert add.status_code == 302 and add["Location"] == "/cart/"
        login = Client().post(
            "/accounts/login/",
            {"username": shop.customer.email, "password": PASSWORD, "next": target},
        )
        assert login.status_code == 302 and login["Location"] == "/"


def test_too_many_form_fields_is_a_400_page(shop):
    """More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: 400, not a 500."""
    client = visitor(shop, signed_in=False)
    data = {f"f{i}": "x" for i in range(500)}
    response = client.post("/cart/coupon/", data)
    _assert_handled(response, allowed={400})


def test_a_malformed_multipart_body_is_a_400_page(shop):
    """A multipart body that does not match its boundary: 400, not a 500."""
    client = visitor(shop, signed_in=False)
    response = client.generic(
        "POST", "/cart/add/", b"--nope\r\ngarbage\r\n",
        content_type="multipart/form-data; boundary=expected",
    )  # fmt: skip
    _assert_handled(response, allowed={302, 400})


POST_ONLY = [
    "/cart/add/",
    "/p/{product_slug}/notify-me/",
    "/cart/items/{variant}/update/",
    "/cart/items/{variant}/remove/",
    "/cart/coupon/",
    "/cart/coupon/remove/",
    "/orders/{order}/pay/",
    "/accounts/logout/",
]
POSTED_FORMS = [
    *POST_ONLY,
    "/checkout/",
    "/accounts/login/",
    "/accounts/register/",
]


@pytest.mark.parametrize("url", POSTED_FORMS)
def test_a_post_without_the_csrf_token_is_403(shop, url):
    """Every form refuses a POST without its CSRF token (403), signed in or not."""
    url = url.format(**_values(shop))
    for signed_in in (False, True):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if signed_in:
            client.force_login(shop.customer)
        response = client.post(url, {"variant_id": shop.variant.pk, "quantity": "1"})
        assert response.status_code == 403, (url, signed_in)
        assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("url", POST_ONLY)
def test_get_on_a_post_only_url_is_405(shop, url):
    """Actions are POST only: a GET (a link, a prefetch) is 405 and changes nothing."""
    client = visitor(shop, signed_in=True)
    response = client.get(url.format(**_values(shop)))
    assert response.status_code == 405
    assert client.get("/cart/").context["summary"]["quantity"] == 1
    assert "_auth_user_id" in client.session  # logout by GET did not sign anyone out
