"""The product list's pagination: the shop's page numbers with an estimated large count."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from catalog.api.serializers import PRODUCT_LIST_VALUES
from catalog.selectors import product_count
from shop.pagination import PageNumberPagination


class EstimatedCountPaginator(Paginator):
    """Pages of a product queryset as ``.values(*PRODUCT_LIST_VALUES)`` rows.

    The count runs on the products alone: the page's ``.values()`` join (the category's
    slug) in the count's subquery made it cost more than the page itself.
    """

    @cached_property
    def count(self) -> int:
        return product_count(self.object_list)

    def _get_page(self, object_list, *args, **kwargs):
        return super()._get_page(object_list.values(*PRODUCT_LIST_VALUES), *args, **kwargs)


class ProductPagination(PageNumberPagination):
    """``count`` is exact up to ``EXACT_COUNT_UP_TO`` expected rows, an estimate above;
    the page holds ``.values()`` rows for ``catalog.api.serializers.product_rows``."""

    django_paginator_class = EstimatedCountPaginator
