from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from orders.webhooks import stripe_webhook
from shop import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("shop.api")),
    # Outside /api/v1: no API authentication or throttles; Stripe's signature instead.
    path("payments/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    path("social/", include("social_django.urls", namespace="social")),
    path("accounts/", include("accounts.urls")),
    path("", include("shop.storefront")),
]

# Product images uploaded by staff; behind a real web server these are served by it.
if settings.DEBUG or settings.MEDIA_ROOT:
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

handler404 = "shop.errors.page_not_found"
handler500 = "shop.errors.server_error"
