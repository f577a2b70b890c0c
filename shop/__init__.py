# The Celery app is loaded with Django, so that tasks find it (shop.celery).
from shop.celery import app as celery_app

__all__ = ("celery_app",)
