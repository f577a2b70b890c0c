"""The JSON API under /api/v1/: each app contributes its own routes."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("auth/", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("cart.api.urls")),
    path("", include("coupons.api.urls")),
    path("", include("orders.api.urls")),
]
