"""The orders API after checkout: who reads which order, and the status changes."""

import pytest

from cart.tests.factories import variant_of
from catalog.models import StockMovement, Variant
from catalog.tests.factories import ProductFactory
from conftest import client_for
from orders.models import Order
from orders.tests.contract import URL, detail, order_json
from orders.tests.factories import order_with

S = Order.Status


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
    """A guest with X-Order-Token can pay, and cancel a pending order (a paid one only
    the shop cancels: 409); without it, 404."""
    product = ProductFactory(stock=0)
    order = order_with(products_and_quantities=[(product, 2)])
    unpaid = order_with(products_and_quantities=[(product, 1)])
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
    refused = api_client.post(detail(order, "cancel"), **token)
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    cancelled = api_client.post(
        detail(unpaid, "cancel"), HTTP_X_ORDER_TOKEN=unpaid.access_token
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert variant_of(product).stock == 1


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
    assert Variant.objects.get().stock == 4
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
