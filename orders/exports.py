"""Orders as CSV for the accountant: one row per order placed in a date range."""

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count

from orders.models import Order

COLUMNS = [
    "number", "created_at", "paid_at", "status", "email", "currency", "items", "subtotal",
    "discount", "coupon_code", "shipping", "shipping_method", "tax", "total",
    "refunded_total", "shipping_country",
]  # fmt: skip


class _Echo:
    """A file that hands back what is written: csv.writer into a streamed response."""

    def write(self, value: str) -> str:
        return value


def orders_csv(*, first: date, last: date) -> Iterator[str]:
    """The CSV lines of the orders placed from ``first`` to ``last`` (UTC days, both
    included), oldest first, read in chunks so a year of orders streams in bounded
    memory."""
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    orders = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(items_count=Count("items"))
        .order_by("created_at", "id")
    )
    for order in orders.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                order.number,
                order.created_at.isoformat(),
                order.paid_at.isoformat() if order.paid_at else "",
                order.status,
                order.email,
                order.currency,
                order.items_count,
                order.subtotal,
                order.discount,
                order.coupon_code,
                order.shipping,
                order.shipping_method,
                order.tax,
                order.total,
                order.refunded_total,
                order.shipping_country,
            ]
        )
