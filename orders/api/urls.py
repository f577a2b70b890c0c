"""Routes of the JSON API under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.api.shipping import (
    CartShippingMethodsView,
    ShippingMethodViewSet,
    ShippingZoneViewSet,
    TaxRateViewSet,
)
from orders.api.views import OrderViewSet

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="order")
router.register("shipping-zones", ShippingZoneViewSet, basename="shipping-zone")
router.register("shipping-methods", ShippingMethodViewSet, basename="shipping-method")
router.register("tax-rates", TaxRateViewSet, basename="tax-rate")

urlpatterns = [
    # A cart route served by orders: the cart app cannot import the shipping tables.
    path(
        "cart/shipping-methods/",
        CartShippingMethodsView.as_view(),
        name="cart-shipping-methods",
    ),
    *router.urls,
]
