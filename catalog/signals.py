"""Catalog writes made through the ORM replace the catalog cache's version token."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.cache import catalog_changed
from catalog.models import Category, Product


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
def _catalog_written(**kwargs) -> None:
    catalog_changed()
