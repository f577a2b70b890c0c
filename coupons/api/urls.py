"""Routes of the JSON API under /api/v1/."""

from rest_framework.routers import SimpleRouter

from coupons.api.views import CouponViewSet

router = SimpleRouter()
router.register("coupons", CouponViewSet, basename="coupon")

urlpatterns = router.urls
