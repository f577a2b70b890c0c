from decimal import Decimal

import pytest
from django.core import mail
from rest_framework.fields import DateTimeField

from cart.store import get_store
from catalog.models import Product, StockMovement
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.models import Coupon
from orders.models import Order
from orders.tests.carts import cart_with
from orders.tests.factories import order_with

URL = "/api/v1/orders/"
ADDRESS = {"shipping_name": "Grace Hopper", "shipping_address": "1 Harbour Way"}
S = Order.Status


def detail(order, action=""):
    return f"{URL}{order.number}/{action + '/' if action else ''}"


def when(value):
    return DateTimeField().to_representation(value) if value else None


def order_json(order: Order) -> dict:
    """What API.md says an order looks like, from the stored row."""
    return {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "items": [
            {
                "product_id": item.product_id,
                "product_name": item.product_name,
                "unit_price": f"{item.unit_price:.2f}",
                "quantity": item.quantity,
                "line_total": f"{item.line_total:.2f}",
            }
            for item in order.items.all()
        ],
        "subtotal": f"{order.subtotal:.2f}",
        "discount": f"{order.discount:.2f}",
        "coupon_code": order.coupon_code or None,
        "tax": f"{order.tax:.2f}",
        "total": f"{order.total:.2f}",
        "currency": order.currency,
        "shipping_name": order.shipping_name,
        "shipping_address": order.shipping_address,
        "created_at": when(order.created_at),
        "paid_at": when(order.paid_at),
        "cancelled_at": when(order.cancelled_at),
        "fulfilled_at": when(order.fulfilled_at),
    }


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
    keys = ("product_id", "quantity", "unit_price", "line_total")
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
    assert [{k: p[k] for k in ("product_id", "code", "requested", "available")}
            for p in body["problems"]] == [
        {"product_id": product.pk, "code": "insufficient_stock", "requested": 3, "available": 1},
        {"product_id": None, "code": "coupon_invalid", "requested": None, "available": None},
    ]  # fmt: skip
    assert Product.objects.get().stock == 1 and not Order.objects.exists()


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


# --- reading ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_needs_login(api_client):
    """Guests have no order list: 401."""
    assert api_client.get(URL).status_code == 401


@pytest.mark.django_db
def test_users_see_only_their_own_orders(customer, customer_client):
    """A user's list holds only their orders; another's order is 404 to them."""
    mine = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    theirs = order_with(products_and_quantities=[(ProductFactory(), 1)])
    response = customer_client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "count": 1, "next": None, "previous": None, "results": [order_json(mine)]
    }  # fmt: skip
    assert customer_client.get(detail(theirs)).status_code == 404
    assert customer_client.post(detail(theirs, "cancel")).status_code == 404
    assert customer_client.get(f"{URL}NOSUCHORDER/").status_code == 404


@pytest.mark.django_db
def test_staff_see_all_and_filter_by_status(staff_client, customer):
    """Staff list every order and can filter with ?status=; a bad status is 400."""
    pending = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    paid = order_with(products_and_quantities=[(ProductFactory(), 1)], status=S.PAID)
    everything = staff_client.get(URL).json()
    assert {o["number"] for o in everything["results"]} == {pending.number, paid.number}
    only_paid = staff_client.get(URL, {"status": "paid"}).json()
    assert [o["number"] for o in only_paid["results"]] == [paid.number]
    assert staff_client.get(detail(pending)).status_code == 200
    bad = staff_client.get(URL, {"status": "lost"})
    assert bad.status_code == 400 and list(bad.json()) == ["status"]


# --- status changes ---------------------------------------------------------------------


@pytest.mark.django_db
def test_pay_then_pay_again(customer, customer_client):
    """tok_success pays (200); paying again returns the paid order unchanged."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    paid = customer_client.post(
        detail(order, "pay"), {"payment_token": "tok_success"}, format="json"
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert paid.json()["paid_at"] is not None
    again = customer_client.post(
        detail(order, "pay"), {"payment_token": "tok_success"}, format="json"
    )
    assert again.status_code == 200 and again.json() == paid.json()


@pytest.mark.django_db
def test_declined_payment_is_402_and_order_stays_pending(customer, customer_client):
    """tok_decline: 402 payment_declined and the order is still pending."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    response = customer_client.post(
        detail(order, "pay"), {"payment_token": "tok_decline"}, format="json"
    )
    assert response.status_code == 402
    assert response.json() == {
        "detail": "The card was declined.",
        "code": "payment_declined",
    }
    order.refresh_from_db()
    assert order.status == S.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"payment_token": "tok_other"}, {"payment_token": 5}]
)
def test_bad_payment_token_is_400(customer, customer_client, body):
    """Missing or unknown payment tokens are a 400; the order stays pending."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], user=customer)
    response = customer_client.post(detail(order, "pay"), body, format="json")
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == S.PENDING


@pytest.mark.django_db
def test_guest_pays_and_cancels_with_order_token(api_client):
    """A guest with X-Order-Token can pay and cancel; without it, 404."""
    product = ProductFactory(stock=0)
    order = order_with(products_and_quantities=[(product, 2)])
    assert (
        api_client.post(
            detail(order, "pay"), {"payment_token": "tok_success"}, format="json"
        ).status_code
        == 404
    )
    token = {"HTTP_X_ORDER_TOKEN": order.access_token}
    paid = api_client.post(
        detail(order, "pay"), {"payment_token": "tok_success"}, format="json", **token
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    cancelled = api_client.post(detail(order, "cancel"), **token)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    product.refresh_from_db()
    assert product.stock == 2


@pytest.mark.django_db
def test_staff_cannot_pay_for_a_customer(staff_client):
    """Staff see every order but only its customer pays it: 403."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    response = staff_client.post(
        detail(order, "pay"), {"payment_token": "tok_success"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_owner_cancels_and_stock_returns(customer, customer_client):
    """The owner cancels a pending order: 200, stock back, one movement per line."""
    product = ProductFactory(stock=1)
    order = order_with(products_and_quantities=[(product, 3)], user=customer)
    response = customer_client.post(detail(order, "cancel"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert response.json() == order_json(order) and order.status == S.CANCELLED
    assert Product.objects.get().stock == 4
    assert StockMovement.objects.filter(order=order, reason="cancel").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status,action,code",
    [
        (S.CANCELLED, "pay", 409), (S.FULFILLED, "pay", 409), (S.CANCELLED, "cancel", 409),
        (S.FULFILLED, "cancel", 409), (S.PENDING, "fulfil", 409), (S.CANCELLED, "fulfil", 409),
        (S.FULFILLED, "fulfil", 409), (S.PAID, "cancel", 200), (S.PAID, "fulfil", 200),
    ],
)  # fmt: skip
def test_status_changes_by_staff(staff_client, status, action, code):
    """Staff may cancel until fulfilled and fulfil paid orders; everything else is 409."""
    order = order_with(products_and_quantities=[(ProductFactory(), 1)], status=status)
    body = {"payment_token": "tok_success"} if action == "pay" else None
    client = client_for(order.user) if action == "pay" and order.user else staff_client
    if action == "pay":  # paying is the customer's: use the guest token
        response = client.post(
            detail(order, action),
            body,
            format="json",
            HTTP_X_ORDER_TOKEN=order.access_token,
        )
    else:
        response = client.post(detail(order, action))
    assert response.status_code == code
    if code == 409:
        assert response.json()["code"] == "invalid_transition"
        order.refresh_from_db()
        assert order.status == status


@pytest.mark.django_db
def test_fulfil_is_staff_only(api_client, customer, customer_client):
    """Customers get 403 and guests 401 on fulfil; the order stays paid."""
    order = order_with(
        products_and_quantities=[(ProductFactory(), 1)], user=customer, status=S.PAID
    )
    assert customer_client.post(detail(order, "fulfil")).status_code == 403
    assert api_client.post(detail(order, "fulfil")).status_code == 401
    order.refresh_from_db()
    assert order.status == S.PAID


@pytest.mark.django_db
def test_schema_documents_order_headers(api_client):
    """The OpenAPI schema names the Idempotency-Key, X-Cart-Token and X-Order-Token headers."""
    schema = api_client.get(
        "/api/schema/", HTTP_ACCEPT="application/json"
    ).content.decode()
    for header in ("Idempotency-Key", "X-Cart-Token", "X-Order-Token", "OrderError"):
        assert header in schema
