import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cart.tests.factories import tee, variant, variant_of
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.tests.factories import order_with

S = Order.Status
CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def run_action(client, action, orders):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


@pytest.mark.django_db
def test_changelist_shows_orders_and_filters(admin_client):
    """The list shows number, email, status and total, and filters by status."""
    paid = order_with(products_and_quantities=[(ProductFactory(), 1)], status=S.PAID)
    pending = order_with(products_and_quantities=[(ProductFactory(), 1)])
    page = admin_client.get(CHANGELIST, {"status__exact": "paid"})
    assert page.status_code == 200
    html = page.content.decode()
    assert paid.number in html and paid.email in html and pending.number not in html
    assert admin_client.get(CHANGELIST, {"q": pending.email}).status_code == 200


@pytest.mark.django_db
def test_change_page_shows_items_read_only(admin_client):
    """An order's page shows its items inline (the variant's SKU and options among
    them), with nothing to edit or add."""
    product = ProductFactory(name="Kettle")
    red = variant(tee(), Size="M", Colour="Red")
    order = order_with(products_and_quantities=[(product, 2), (red, 1)])
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kettle" in html and 'name="items-0-quantity"' not in html
    assert red.sku in html and "Red" in html
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403


@pytest.mark.django_db
def test_mark_fulfilled_action_reports_failures(admin_client):
    """Paid orders become fulfilled; a pending one stays and is reported as an error."""
    paid = order_with(products_and_quantities=[(ProductFactory(), 1)], status=S.PAID)
    pending = order_with(products_and_quantities=[(ProductFactory(), 1)])
    response = run_action(admin_client, "mark_fulfilled", [paid, pending])
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert dict(Order.objects.values_list("pk", "status")) == {
        paid.pk: S.FULFILLED,
        pending.pk: S.PENDING,
    }
    assert "1 order fulfilled." in messages
    assert any(pending.number in m and "paid" in m for m in messages)


@pytest.mark.django_db
def test_cancel_and_restock_action(admin_client):
    """The cancel action uses the service: stock returns; a fulfilled order is refused."""
    product = ProductFactory(stock=0)
    pending = order_with(products_and_quantities=[(product, 2)])
    fulfilled = order_with(products_and_quantities=[(product, 1)], status=S.FULFILLED)
    response = run_action(admin_client, "cancel_and_restock", [pending, fulfilled])
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert Order.objects.get(pk=pending.pk).status == S.CANCELLED
    assert Order.objects.get(pk=fulfilled.pk).status == S.FULFILLED
    assert variant_of(product).stock == 2
    assert "1 order cancelled and restocked." in messages
    assert any(fulfilled.number in m for m in messages)


@pytest.mark.django_db
def test_save_on_the_read_only_change_page_writes_nothing(admin_client, monkeypatch):
    """A staff member's Save carries the order as read before a payment that committed
    meanwhile (the admin read it, then the customer paid): nothing of that stale copy is
    written back, so the order stays paid."""
    from orders.admin.orders import OrderAdmin
    from orders.status import order_pay

    order = order_with(products_and_quantities=[(ProductFactory(), 1)])
    url = reverse("admin:orders_order_change", args=[order.pk])
    page = admin_client.get(url)
    data = {"_save": "Save"}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update(
            {management.add_prefix(k): v for k, v in management.initial.items()}
        )
    stale = Order.objects.get(pk=order.pk)  # pending, as the admin read it
    real_get_object = OrderAdmin.get_object

    def get_object_then_payment(self, request, object_id, from_field=None):
        obj = real_get_object(self, request, object_id, from_field)
        order_pay(order=order, payment_token="tok_success")  # commits meanwhile
        return stale if obj is not None else obj

    monkeypatch.setattr(OrderAdmin, "get_object", get_object_then_payment)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]  # saved, to the list
    after = Order.objects.get(pk=order.pk)
    assert after.status == S.PAID
    assert after.paid_at is not None and after.payment.reference
