"""Cart persistence (filled in by the cart issue)."""

from django.conf import settings


def ping_store() -> bool:
    if not settings.REDIS_URL:
        return True
    from django_redis import get_redis_connection

    return bool(get_redis_connection("default").ping())
