"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shop.exceptions import OUTAGE_ERRORS


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except OUTAGE_ERRORS:
        return False


def _check_redis() -> bool:
    from cart.store import ping_store

    try:
        return ping_store()
    except OUTAGE_ERRORS:
        return False


@never_cache
@require_GET
def readyz(request):
    """The database and the cart store answer: 200, else 503 naming what is down."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
