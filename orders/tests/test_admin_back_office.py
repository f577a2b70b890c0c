"""The order page's back-office actions: fulfil with tracking (the buyer is mailed),
mark paid on the test gateway only, the timeline, and the orders' CSV export."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from orders.models import Order, Refund
from orders.tests.factories import order_with

pytestmark = pytest.mark.django_db
S = Order.Status


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def an_order(status=S.PENDING, **kwargs):
    return order_with(
        products_and_quantities=[(ProductFactory(price=Decimal("12.50")), 2)],
        status=status,
        **kwargs,
    )


def test_fulfil_with_carrier_and_tracking_mails_the_buyer(
    admin_client, django_capture_on_commit_callbacks
):
    order = an_order(S.PAID)
    url = reverse("admin:orders_order_fulfil", args=[order.pk])
    assert (
        "Fulfil"
        in admin_client.get(
            reverse("admin:orders_order_change", args=[order.pk])
        ).content.decode()
    )
    assert admin_client.get(url).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"carrier": "DHL", "tracking_number": "JD0142"}
        )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        S.FULFILLED, "DHL", "JD0142"
    )  # fmt: skip
    assert any("JD0142" in message.body for message in mail.outbox)


def test_fulfilling_a_pending_order_is_a_form_error_and_changes_nothing(admin_client):
    order = an_order(S.PENDING)
    url = reverse("admin:orders_order_fulfil", args=[order.pk])
    response = admin_client.post(url, {"carrier": "DHL", "tracking_number": "X"})
    assert response.status_code == 200
    assert "Only a paid order can be fulfilled" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (S.PENDING, "")


def test_mark_paid_on_the_test_gateway(admin_client):
    order = an_order(S.PENDING)
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert "Mark paid" in page.content.decode()
    response = admin_client.post(
        reverse("admin:orders_order_mark_paid", args=[order.pk])
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.PAID and order.paid_at is not None


def test_mark_paid_is_refused_with_a_real_provider(admin_client, settings):
    settings.SHOP_PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    order = an_order(S.PENDING)
    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert "Mark paid" not in page.content.decode()
    url = reverse("admin:orders_order_mark_paid", args=[order.pk])
    assert admin_client.post(url).status_code == 403
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_the_actions_are_staff_only(client, customer):
    order = an_order(S.PAID)
    client.force_login(customer)
    for name in ("orders_order_fulfil", "orders_order_mark_paid"):
        response = client.post(reverse(f"admin:{name}", args=[order.pk]))
        assert response.status_code == 302  # to the admin's sign-in
        assert "/admin/login/" in response["Location"]
    order.refresh_from_db()
    assert order.status == S.PAID


def test_the_timeline_tells_what_happened(admin_client):
    order = an_order(S.PAID)
    Order.objects.filter(pk=order.pk).update(
        paid_at=order.created_at + timedelta(minutes=3)
    )
    refund = Refund.objects.create(
        order=order, amount=Decimal("5.00"), status=Refund.Status.SUCCEEDED,
        reason="Scratched", restocked=True,
    )  # fmt: skip
    Refund.objects.filter(pk=refund.pk).update(
        created_at=order.created_at + timedelta(days=2)
    )
    html = admin_client.get(
        reverse("admin:orders_order_change", args=[order.pk])
    ).content.decode()
    html = html[html.index("<caption>Timeline</caption>") :]
    placed, paid, refunded = (
        html.index(w) for w in ("Placed", "Paid", "Refund succeeded")
    )
    assert placed < paid < refunded
    assert "Scratched" in html


def test_orders_export_as_csv_for_a_date_range(admin_client):
    inside = an_order(S.PAID)
    outside = an_order(S.PAID)
    Order.objects.filter(pk=outside.pk).update(
        created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    today = datetime.now(UTC).date()
    url = reverse("admin:orders_order_export")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(
        url, {"first": today - timedelta(days=1), "last": today}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["number", "created_at", "paid_at", "status"]
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [inside.number]
    assert rows[1][rows[0].index("total")] == str(inside.total)
    assert rows[1][rows[0].index("items")] == "1"


def test_an_inverted_date_range_is_a_form_error(admin_client):
    url = reverse("admin:orders_order_export")
    response = admin_client.get(url, {"first": "2026-12-07", "last": "2026-12-01"})
    assert response.status_code == 200
    assert "comes after" in response.content.decode()
    response = admin_client.get(url, {"first": "not-a-date", "last": "2026-12-01"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


@pytest.fixture
def seller_admin(client, seller):
    client.force_login(seller)
    return client


def test_a_seller_sees_read_only_the_orders_holding_their_items(
    seller_admin, seller, other_seller
):
    mine = ProductFactory(seller=seller, name="My Mug", price=Decimal("9.00"))
    theirs = ProductFactory(seller=other_seller, name="Their Lamp")
    shared = order_with(products_and_quantities=[(mine, 1), (theirs, 2)], status=S.PAID)
    foreign = order_with(products_and_quantities=[(theirs, 1)], status=S.PAID)

    listing = seller_admin.get(reverse("admin:orders_order_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert shared.number in html and foreign.number not in html
    assert "Export CSV" not in html

    page = seller_admin.get(reverse("admin:orders_order_change", args=[shared.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "My Mug" in html and "Their Lamp" not in html  # only their lines
    assert "<caption>Timeline</caption>" not in html
    for action in ("refund", "fulfil", "cancel", "mark-paid"):
        assert f"/{action}/" not in html  # no staff action offered
    assert str(shared.total) not in html  # not the whole order's money

    other = reverse("admin:orders_order_change", args=[foreign.pk])
    assert seller_admin.get(other).status_code in (302, 404)
    for name in ("orders_order_fulfil", "orders_order_refund", "orders_order_cancel",
                 "orders_order_mark_paid"):  # fmt: skip
        url = reverse(f"admin:{name}", args=[shared.pk])
        assert seller_admin.post(url).status_code == 403, name
    assert seller_admin.get(reverse("admin:orders_order_export")).status_code == 403
    assert (
        seller_admin.post(
            reverse("admin:orders_order_change", args=[shared.pk]), {}
        ).status_code
        == 403
    )
    shared.refresh_from_db()
    assert shared.status == S.PAID
