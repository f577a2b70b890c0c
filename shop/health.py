"""Liveness and readiness probes for load balancers and orchestrators."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cart.store import get_store
from shop import db
from shop.exceptions import OUTAGE_ERRORS


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except OUTAGE_ERRORS:
        return False


def _redis_up() -> bool:
    try:
        return get_store().ping()
    except OUTAGE_ERRORS:
        return False


@never_cache
@require_GET
def readyz(request):
    """The database and the carts' Redis answer: 200, else 503 naming what is down.
    ``stores`` says what they are: the development default's SQLite and embedded Redis
    are not what a deployment should run on."""
    checks = {"database": _database_up(), "redis": _redis_up()}
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if up else "down" for name, up in checks.items()},
        "stores": {
            "database": db.database_vendor(),
            "redis": "embedded" if settings.REDIS_EMBEDDED else "server",
        },
    }
    return JsonResponse(body, status=200 if ready else 503)
