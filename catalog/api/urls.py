"""Routes of the JSON API under /api/v1/."""

from rest_framework.routers import SimpleRouter

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

urlpatterns = router.urls
