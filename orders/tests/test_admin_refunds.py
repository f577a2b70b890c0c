"""The order page in the admin: its Refund and Cancel buttons, their forms calling the
services, and the refunds listed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cart.tests.factories import variant_of
from orders.models import Order, Refund
from orders.tests.refund_orders import paid_order_with_coupon_tax_and_shipping

D = Decimal
S = Order.Status


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.django_db(transaction=True)
def test_refund_from_the_order_page(admin_client):
    """The Refund form takes a quantity per item, shipping, restock and a reason; the
    refund is listed on the order page."""
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, cap = order.items.order_by("pk")
    change = reverse("admin:orders_order_change", args=[order.pk])
    url = reverse("admin:orders_order_refund", args=[order.pk])
    assert f'href="{url}"' in admin_client.get(change).content.decode()
    form = admin_client.get(url)
    assert form.status_code == 200 and "3 of 3 left" in form.content.decode()
    response = admin_client.post(
        url,
        {f"item_{mugs.pk}": "2", f"item_{cap.pk}": "0", "shipping": "on",
         "restock": "on", "reason": "Arrived broken"},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == change
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.status, refund.reason) == (
        D("24.96"), "succeeded", "Arrived broken")  # fmt: skip
    assert variant_of(mugs.product).stock == 2
    page = response.content.decode()
    assert "Refunded 24.96 USD (succeeded)." in page
    assert "2 × " in page and "Arrived broken" in page  # the refunds inline


@pytest.mark.django_db
def test_a_refund_of_too_much_is_a_form_error(admin_client):
    order = paid_order_with_coupon_tax_and_shipping()
    mugs, _ = order.items.order_by("pk")
    url = reverse("admin:orders_order_refund", args=[order.pk])
    response = admin_client.post(url, {f"item_{mugs.pk}": "4"})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 3." in response.content.decode()
    empty = admin_client.post(url, {})
    assert "Choose the items or the shipping to refund." in empty.content.decode()
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_cancel_from_the_order_page_refunds(admin_client):
    """Cancel order, confirmed: cancelled, everything refunded, stock back."""
    order = paid_order_with_coupon_tax_and_shipping()
    url = reverse("admin:orders_order_cancel", args=[order.pk])
    confirm = admin_client.get(url).content.decode()
    assert "refunds 42.53 USD" in confirm
    admin_client.post(url)
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (S.CANCELLED, D("42.53"))


@pytest.mark.django_db
def test_the_actions_need_staff(client, customer):
    order = paid_order_with_coupon_tax_and_shipping()
    client.force_login(customer)
    for name in ("admin:orders_order_refund", "admin:orders_order_cancel"):
        response = client.post(reverse(name, args=[order.pk]))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    order.refresh_from_db()
    assert order.status == S.PAID
