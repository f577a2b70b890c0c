"""The orders app in the admin: orders (orders.py); shipping and tax (shipping.py)."""

from orders.admin import orders  # noqa: F401 (registers the order admin)
