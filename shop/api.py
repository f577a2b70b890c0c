"""The JSON API under /api/v1/: each app contributes its own routes."""

from django.urls import include, path

from shop.ping import PingView

app_name = "api"

urlpatterns = [
    path("ping/", PingView.as_view(), name="ping"),
    path("auth/", include("accounts.api.urls")),
    path("", include("accounts.api.addresses")),
    path("", include("catalog.api.urls")),
    path("", include("cart.api.urls")),
    path("", include("coupons.api.urls")),
    path("", include("orders.api.urls")),
]
