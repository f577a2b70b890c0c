"""Catalog writes made through the ORM replace the catalog cache's version token."""

from django.db.models.signals import post_delete, post_save

from catalog.cache import catalog_changed
from catalog.models import Category, Product, ProductImage, ProductOption, Variant

WATCHED = (Category, Product, ProductOption, ProductImage, Variant)


def _catalog_written(**kwargs) -> None:
    catalog_changed()


for _model in WATCHED:
    post_save.connect(
        _catalog_written, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-save"
    )
    post_delete.connect(
        _catalog_written,
        sender=_model,
        dispatch_uid=f"catalog-{_model.__name__}-delete",
    )
