"""The orders app in the admin: orders (orders.py); shipping and tax (shipping.py); the
sales dashboard on the index (dashboard.py)."""

from django.contrib import admin

from orders.admin import (
    orders,  # noqa: F401 (registers the order admin)
    shipping,  # noqa: F401 (zones, methods, tax rates)
)
from orders.admin.dashboard import dashboard_context

admin.site.dashboard = dashboard_context
