"""The dashboard's figures: today live, past days from the stored aggregate, the page."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from coupons.models import CouponRedemption
from coupons.tests.factories import CouponFactory
from orders.models import DailySales, Order, Refund
from orders.reports import dashboard, sales_day_rebuild
from orders.tests.factories import order_with

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def paid_order(product, quantity, *, at):
    order = order_with(products_and_quantities=[(product, quantity)])
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=at)
    order.refresh_from_db()
    return order


def refund(order, amount, *, at, status=Refund.Status.SUCCEEDED):
    made = Refund.objects.create(order=order, amount=Decimal(amount), status=status)
    Refund.objects.filter(pk=made.pk).update(created_at=at)


@pytest.fixture
def mug():
    return ProductFactory(name="Mug", price=Decimal("10.00"), stock=100)


@pytest.fixture
def tee():
    return ProductFactory(name="Tee", price=Decimal("25.00"), stock=100)


def test_today_is_live_and_past_days_come_from_the_stored_aggregate(mug, tee):
    paid_order(mug, 2, at=NOW - timedelta(hours=1))  # today: 20.00
    yesterday = paid_order(tee, 1, at=NOW - timedelta(days=1))  # 25.00
    paid_order(mug, 1, at=NOW - timedelta(days=10))  # 10.00
    order_with(products_and_quantities=[(mug, 5)])  # pending: not a sale
    refund(yesterday, "5.00", at=NOW - timedelta(hours=2))  # a refund made today
    refund(yesterday, "1.00", at=NOW, status=Refund.Status.FAILED)  # nothing returned

    before = dashboard(now=NOW)
    assert before.today.sales == Decimal("20.00")
    assert before.today.refunds == Decimal("5.00")
    assert before.today.revenue == Decimal("15.00")
    assert before.last_30.orders == 1  # the past is not stored yet

    call_command("rebuild_sales", days=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    # rebuild_sales counts back from the real today; store the test's days explicitly.
    for back in (1, 10):
        sales_day_rebuild(day=(NOW - timedelta(days=back)).date())
    figures = dashboard(now=NOW)

    assert figures.today.orders == 1
    assert figures.today.units == 2
    assert figures.today.average_order == Decimal("20.00")
    assert figures.last_7.orders == 2
    assert figures.last_7.revenue == Decimal("40.00")  # 20 + 25 − 5
    assert figures.last_30.orders == 3
    assert figures.last_30.sales == Decimal("55.00")
    assert figures.last_30.average_order == Decimal("18.33")
    assert len(figures.per_day) == 30
    assert figures.per_day[-1] == (NOW.date(), Decimal("15.00"))
    assert figures.per_day[-2] == ((NOW - timedelta(days=1)).date(), Decimal("25.00"))
    assert [(p["name"], p["units"]) for p in figures.top_products] == [
        ("Mug", 3),
        ("Tee", 1),
    ]


def test_rebuilding_a_day_twice_is_the_same_as_once(mug):
    day = (NOW - timedelta(days=3)).date()
    paid_order(mug, 4, at=NOW - timedelta(days=3))
    sales_day_rebuild(day=day)
    sales_day_rebuild(day=day)
    row = DailySales.objects.get(day=day)
    assert (row.orders, row.sales, row.units) == (1, Decimal("40.00"), 4)
    assert dashboard(now=NOW).top_products[0]["units"] == 4


def test_an_empty_shop_has_zero_figures():
    figures = dashboard(now=NOW)
    assert figures.today.revenue == Decimal("0")
    assert figures.today.average_order == Decimal("0")
    assert figures.top_products == []
    assert all(value == 0 for _, value in figures.per_day)


def test_low_stock_and_coupon_use(mug):
    low = ProductFactory(name="Last lamp", stock=2)
    ProductFactory(name="Gone", stock=0)
    order = paid_order(mug, 1, at=NOW)
    coupon = CouponFactory(code="SPRING")
    CouponRedemption.objects.create(coupon=coupon, order=order, email=order.email)
    figures = dashboard()
    assert [v.product.name for v in figures.low_stock] == ["Last lamp"]
    assert low.variants.get() in figures.low_stock
    assert figures.out_of_stock == 1
    assert figures.coupons == [{"code": "SPRING", "uses": 1}]


def test_the_admin_index_shows_the_dashboard_to_staff(client, staff_user, mug):
    paid_order(mug, 3, at=datetime.now(UTC))
    client.force_login(staff_user)
    page = client.get(reverse("admin:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Revenue today" in html and "30.00" in html
    assert "vendor/chart.js/chart.umd.min.js" in html  # served locally, no CDN
    assert "revenue-data" in html
    assert "back office" in html  # the shop's name in the header


def test_the_navigation_is_grouped_by_what_staff_do(client, staff_user):
    client.force_login(staff_user)
    sections = [
        app["name"] for app in client.get(reverse("admin:index")).context["app_list"]
    ]
    assert sections[:5] == ["Catalog", "Orders", "Customers", "Marketing", "Settings"]
    assert sections[-1] == "Technical"
