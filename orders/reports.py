"""Sales figures for the back office's dashboard.

A day's figures are: orders paid that day (UTC) and their totals, the refunds made that
day, the units sold. One function (:func:`_span`) computes them from the orders for
any span; past days are stored by :func:`sales_day_rebuild` in DailySales (a beat task
keeps yesterday's, ``manage.py rebuild_sales`` rebuilds any range), so the dashboard reads
30 rows and computes only today live, whatever the number of orders.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Sum
from django.utils import timezone

from cart.models import CartReminder
from catalog.alerts import low_stock
from catalog.models import Variant
from coupons.models import CouponRedemption
from orders.models import DailyProductSales, DailySales, Order, OrderItem, Refund
from shop.money import ZERO, quantize

DAYS = 30
TOP = 5


@dataclass
class Figures:
    orders: int = 0
    sales: Decimal = ZERO
    refunds: Decimal = ZERO
    units: int = 0

    @property
    def revenue(self) -> Decimal:
        return self.sales - self.refunds

    @property
    def average_order(self) -> Decimal:
        return (
            (self.sales / self.orders).quantize(Decimal("0.01"))
            if self.orders
            else ZERO
        )

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.orders + other.orders,
            self.sales + other.sales,
            self.refunds + other.refunds,
            self.units + other.units,
        )


@dataclass
class Dashboard:
    today: Figures
    last_7: Figures
    last_30: Figures
    per_day: list[
        tuple[date, Decimal]
    ]  # revenue of each of the last 30 days, oldest first
    top_products: list[dict] = field(default_factory=list)
    low_stock: list[Variant] = field(default_factory=list)
    out_of_stock: int = 0
    coupons: list[dict] = field(default_factory=list)
    carts_reminded: int = 0  # cart reminders mailed in the 30 days
    orders_after_reminder: int = 0  # orders their users placed within a week of one


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants from the start of ``first`` to the end of ``last``."""
    start = datetime.combine(first, time.min, tzinfo=UTC)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)


def _span(start: datetime, end: datetime) -> tuple[Figures, list[dict]]:
    """The span's figures and what each product sold in it (units and line totals of
    the orders paid in it): the items are read once for both."""
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
    sums = paid.aggregate(orders=Count("id"), sales=Sum("total"), first=Min("id"))
    # The smallest id paid in the span bounds the items' order ids: the items are then
    # read by a range of their order index instead of a scan of every item ever sold
    # (ids grow with time, so the range is about the span's orders).
    items = OrderItem.objects.filter(
        order_id__gte=sums["first"] or 0,
        order__paid_at__gte=start,
        order__paid_at__lt=end,
    )
    products = list(
        items.values("product_id").annotate(
            name=Max("product_name"), units=Sum("quantity"), sales=Sum("line_total")
        )
    )
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, created_at__gte=start, created_at__lt=end
    ).aggregate(amount=Sum("amount"))["amount"]
    figures = Figures(
        sums["orders"],
        quantize(sums["sales"] or ZERO),
        quantize(refunds or ZERO),
        sum(p["units"] for p in products),
    )
    return figures, [p for p in products if p["product_id"] is not None]


@transaction.atomic
def sales_day_rebuild(*, day: date) -> DailySales:
    """Store ``day``'s figures (computed again from the orders: running it twice is the
    same as once)."""
    figures, products = _span(*_bounds(day, day))
    row, _ = DailySales.objects.update_or_create(
        day=day,
        defaults={
            "orders": figures.orders,
            "sales": figures.sales,
            "refunds": figures.refunds,
            "units": figures.units,
        },
    )
    DailyProductSales.objects.filter(day=day).delete()
    DailyProductSales.objects.bulk_create(
        DailyProductSales(
            day=day,
            product_id=p["product_id"],
            product_name=p["name"],
            units=p["units"],
            sales=p["sales"],
        )
        for p in products
    )
    return row


def sales_rebuild(*, days: int, today: date | None = None) -> int:
    """Rebuild the ``days`` days before ``today``; returns how many."""
    today = today or timezone.now().date()
    for back in range(days, 0, -1):
        sales_day_rebuild(day=today - timedelta(days=back))
    return days


def dashboard(*, now: datetime | None = None) -> Dashboard:
    """Today live, the last 7 and 30 days (today included) from the stored days."""
    today = (now or timezone.now()).astimezone(UTC).date()
    first = today - timedelta(days=DAYS - 1)
    live, sold_today = _span(*_bounds(today, today))
    stored = {
        row.day: Figures(row.orders, row.sales, row.refunds, row.units)
        for row in DailySales.objects.filter(day__gte=first, day__lt=today)
    }
    stored[today] = live
    days = [first + timedelta(days=n) for n in range(DAYS)]
    per_day = [(day, stored.get(day, Figures()).revenue) for day in days]
    last_7 = sum((stored.get(day, Figures()) for day in days[-7:]), Figures())
    last_30 = sum((stored.get(day, Figures()) for day in days), Figures())
    on_sale = Variant.objects.filter(is_active=True, product__is_active=True)
    since = _bounds(first, today)[0]
    return Dashboard(
        carts_reminded=CartReminder.objects.filter(sent_at__gte=since).count(),
        orders_after_reminder=_orders_after_reminder(since),
        today=live,
        last_7=last_7,
        last_30=last_30,
        per_day=per_day,
        top_products=_top_products(first, today, sold_today),
        low_stock=list(
            low_stock(on_sale).select_related("product").order_by("stock", "sku")[:10]
        ),
        out_of_stock=on_sale.filter(stock=0).count(),
        coupons=list(
            CouponRedemption.objects.filter(created_at__gte=since)
            .values(code=F("coupon__code"))
            .annotate(uses=Count("id"))
            .order_by("-uses", "code")[:TOP]
        ),
    )


def _top_products(first: date, today: date, sold_today: list[dict]) -> list[dict]:
    """The best sellers by units: the stored days summed by the database, today's
    added live."""
    past = (
        DailyProductSales.objects.filter(day__gte=first, day__lt=today)
        .values("product_id")
        .annotate(name=Max("product_name"), units=Sum("units"), sales=Sum("sales"))
    )
    totals: dict[int, dict] = {}
    for row in [*past, *sold_today]:
        if row["product_id"] is None:
            continue
        seen = totals.setdefault(
            row["product_id"],
            {"product_id": row["product_id"], "name": row["name"], "units": 0,
             "sales": ZERO},
        )  # fmt: skip
        seen["units"] += row["units"]
        seen["sales"] += quantize(row["sales"])
    return sorted(totals.values(), key=lambda p: (-p["units"], p["name"]))[:TOP]


def _orders_after_reminder(since: datetime) -> int:
    """Orders placed since ``since`` within a week after a cart reminder to their user."""
    reminded = CartReminder.objects.filter(
        user_id=OuterRef("user_id"),
        sent_at__lte=OuterRef("created_at"),
        sent_at__gte=OuterRef("created_at") - timedelta(days=7),
    )
    return (
        Order.objects.filter(created_at__gte=since, user__isnull=False)
        .filter(Exists(reminded))
        .count()
    )
