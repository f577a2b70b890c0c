"""POST /api/v1/orders/: checkout over HTTP, its validation, keys and throttle."""

from decimal import Decimal

import pytest
from django.core import mail

from cart.store import get_store
from cart.tests.factories import tee, variant, variant_of
from catalog.tests.factories import ProductFactory
from coupons.models import Coupon
from orders.models import Order
from orders.tests.carts import cart_with
from orders.tests.contract import ADDRESS, URL, detail, order_json


@pytest.fixture
def guest_cart(db):
    return cart_with([(ProductFactory(price=Decimal("10.00"), stock=5), 2)])


def guest_checkout(api_client, cart, **headers):
    return api_client.post(
        URL, {"email": "guest@example.com", **ADDRESS}, format="json",
        HTTP_X_CART_TOKEN=cart.token, **headers,
    )  # fmt: skip


# --- checkout ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_checkout_answers_201_with_the_order(
    customer, customer_client, django_capture_on_commit_callbacks
):
    """A signed-in user's cart becomes an order (their email by default); the cart empties."""
    product = ProductFactory(price=Decimal("12.50"), stock=4)
    cart = cart_with([(product, 2)], user=customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(URL, ADDRESS, format="json")
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert response.json() == {**order_json(order), "order_token": None}
    assert response.json()["email"] == customer.email and order.user == customer
    assert response.json()["items"][0]["line_total"] == "25.00"
    assert not get_store().exists(cart.id)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_orders_items_name_their_variants(customer, customer_client):
    """Each item of the order JSON is the variant bought: its id, SKU and options beside
    the product's id and name, as API.md's order shows them."""
    shirt = tee(price=Decimal("20.00"))
    red, blue = (
        variant(shirt, Size="M", Colour="Red"),
        variant(shirt, Size="S", Colour="Blue"),
    )
    cart_with([(red, 2), (blue, 1)], user=customer)

    response = customer_client.post(URL, ADDRESS, format="json")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    ids = dict(order.items.values_list("variant_id", "pk"))
    assert response.json()["items"] == [
        {
            "id": ids[line.pk],
            "product_id": shirt.pk,
            "variant_id": line.pk,
            "sku": line.sku,
            "options": line.options,
            "product_name": "Tee",
            "unit_price": "20.00",
            "quantity": quantity,
            "line_total": f"{20 * quantity}.00",
        }
        for line, quantity in sorted([(red, 2), (blue, 1)], key=lambda x: x[0].pk)
    ]


@pytest.mark.django_db
def test_order_totals_equal_the_cart_totals_shown_before(
    settings, customer, customer_client
):
    """With a coupon and tax, the order's money is exactly what GET /cart/ showed."""
    settings.SHOP_TAX_RATE = Decimal("0.19")
    a = ProductFactory(price=Decimal("3.33"), stock=9)
    b = ProductFactory(price=Decimal("7.77"), stock=9)
    coupon = Coupon.objects.create(code="SAVE", percent_off=Decimal("12.5"))
    coupon.products.add(a)
    cart_with([(a, 3), (b, 1)], coupon="save", user=customer)

    shown = customer_client.get("/api/v1/cart/")
    assert shown.status_code == 200
    cart = shown.json()
    assert cart["discount"] != "0.00" and cart["tax"] != "0.00"

    order = customer_client.post(URL, ADDRESS, format="json").json()
    for field in ("subtotal", "discount", "tax", "total", "currency"):
        assert order[field] == cart[field], field
    keys = ("product_id", "variant_id", "sku", "options", "quantity", "unit_price",
            "line_total")  # fmt: skip
    assert [[i[k] for k in keys] for i in order["items"]] == [
        [i[k] for k in keys] for i in cart["items"]
    ]
    assert order["coupon_code"] == "SAVE"


@pytest.mark.django_db
def test_guest_checkout_returns_order_token_once_and_token_reads_order(
    api_client, guest_cart
):
    """A guest gets order_token at checkout; X-Order-Token then opens the order, else 404."""
    response = guest_checkout(api_client, guest_cart)
    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get()
    assert body == {**order_json(order), "order_token": order.access_token}
    assert order.user is None and order.email == "guest@example.com"

    assert api_client.get(detail(order)).status_code == 404
    wrong = api_client.get(detail(order), HTTP_X_ORDER_TOKEN="nope")
    assert wrong.status_code == 404
    ok = api_client.get(detail(order), HTTP_X_ORDER_TOKEN=body["order_token"])
    assert ok.status_code == 200 and ok.json() == order_json(order)
    assert "order_token" not in ok.json()


@pytest.mark.django_db
def test_checkout_email_longer_than_the_column_is_a_400(api_client, guest_cart):
    """An address over 254 characters is a field error, not a database error."""
    response = api_client.post(
        URL, {"email": "a" * 250 + "@example.com", **ADDRESS}, format="json",
        HTTP_X_CART_TOKEN=guest_cart.token,
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_guest_must_give_an_email(api_client, guest_cart):
    """Without an email a guest checkout is a 400 on the field; nothing is ordered."""
    response = api_client.post(
        URL, ADDRESS, format="json", HTTP_X_CART_TOKEN=guest_cart.token
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["Guests must give an email."]}
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"email": "not-an-email", **ADDRESS}, "email"),
        ({"email": "a@example.com", "shipping_address": "x"}, "shipping_name"),
        ({"email": "a@example.com", "shipping_name": "x"}, "shipping_address"),
        (
            {"email": "a@example.com", **ADDRESS, "shipping_name": "x" * 151},
            "shipping_name",
        ),
        (
            {"email": "a@example.com", **ADDRESS, "shipping_address": ["x"]},
            "shipping_address",
        ),
    ],
)
def test_checkout_body_is_validated(api_client, guest_cart, body, field):
    """Bad fields are DRF's 400 field map, never a 500."""
    response = api_client.post(
        URL, body, format="json", HTTP_X_CART_TOKEN=guest_cart.token
    )
    assert response.status_code == 400 and list(response.json()) == [field]


@pytest.mark.django_db
def test_checkout_without_cart_is_401_and_unknown_token_404(api_client):
    """No JWT and no cart token: 401 saying how; an unknown token: 404."""
    response = api_client.post(
        URL, {"email": "a@example.com", **ADDRESS}, format="json"
    )
    assert response.status_code == 401
    assert "POST /api/v1/carts/" in response.json()["detail"]
    unknown = api_client.post(
        URL,
        {"email": "a@example.com", **ADDRESS},
        format="json",
        HTTP_X_CART_TOKEN="x" * 32,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "cart_not_found"


@pytest.mark.django_db
def test_checkout_of_empty_cart_is_400(customer, customer_client):
    """An empty cart is a 400 cart_empty."""
    response = customer_client.post(URL, ADDRESS, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The cart is empty: add products before checking out.",
        "code": "cart_empty",
    }


@pytest.mark.django_db
def test_checkout_conflict_lists_problems(customer, customer_client):
    """Short stock and a used-up coupon: 409 checkout_conflict with every problem."""
    product = ProductFactory(stock=1)
    Coupon.objects.create(code="GONE", percent_off=Decimal("5"), is_active=False)
    cart_with([(product, 3)], coupon="GONE", user=customer)
    response = customer_client.post(URL, ADDRESS, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "checkout_conflict"
    keys = ("product_id", "variant_id", "code", "requested", "available")
    assert [tuple(p[k] for k in keys) for p in body["problems"]] == [
        (product.pk, variant_of(product).pk, "insufficient_stock", 3, 1),
        (None, None, "coupon_invalid", None, None),
    ]
    assert variant_of(product).stock == 1 and not Order.objects.exists()


@pytest.mark.django_db
def test_same_idempotency_key_gives_the_same_response(customer, customer_client):
    """The same Idempotency-Key twice: one order, the same 201 body."""
    cart_with([(ProductFactory(stock=5), 1)], user=customer)
    first = customer_client.post(URL, ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = customer_client.post(
        URL, ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_guest_retry_with_key_after_cart_is_gone(
    api_client, guest_cart, django_capture_on_commit_callbacks
):
    """A guest's cart is destroyed at checkout; a retry with the key still gets its order."""
    with django_capture_on_commit_callbacks(execute=True):
        first = guest_checkout(api_client, guest_cart, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert not get_store().exists(guest_cart.id)
    again = guest_checkout(api_client, guest_cart, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert again.status_code == 201 and again.json() == first.json()
    other_key = guest_checkout(api_client, guest_cart, HTTP_IDEMPOTENCY_KEY="other")
    assert other_key.status_code == 404
    assert Order.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "a\x00b", "a\x1bb"])
def test_bad_idempotency_key_is_400(customer, customer_client, key):
    """An empty, over-long or unprintable (NUL: PostgreSQL cannot store it)
    Idempotency-Key is refused before anything happens."""
    cart_with([(ProductFactory(), 1)], user=customer)
    response = customer_client.post(
        URL, ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_checkout_is_throttled(settings, customer, customer_client):
    """The checkout scope limits attempts per user: 429 beyond the rate."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "checkout": "2/min"
        },
    }  # fmt: skip
    codes = [
        customer_client.post(URL, ADDRESS, format="json").status_code for _ in range(3)
    ]
    assert codes == [400, 400, 429]
