"""The storefront's HTML pages, all under the ``shop:`` namespace."""

from accounts.urls import account_pages
from cart.urls import urlpatterns as cart_pages
from catalog.urls import urlpatterns as catalog_pages
from orders.urls import urlpatterns as order_pages

app_name = "shop"

urlpatterns = [*catalog_pages, *cart_pages, *order_pages, *account_pages]
