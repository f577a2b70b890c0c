"""Routes of the JSON API under /api/v1/."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from catalog.api.restock import NotifyMeView
from catalog.api.views import (
    CategoryViewSet,
    ProductViewSet,
    SellerViewSet,
    VariantViewSet,
)

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("sellers", SellerViewSet, basename="seller")
router.register("variants", VariantViewSet, basename="variant")

urlpatterns = [
    re_path(
        r"^variants/(?P<pk>[0-9]{1,18})/notify-me/$",
        NotifyMeView.as_view(),
        name="variant-notify-me",
    ),
    *router.urls,
]
