"""The product list's pagination: the shop's page numbers with an estimated large count."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from catalog.selectors import product_count
from shop.pagination import PageNumberPagination


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return product_count(self.object_list)


class ProductPagination(PageNumberPagination):
    """``count`` is exact up to ``EXACT_COUNT_UP_TO`` expected rows, an estimate above."""

    django_paginator_class = EstimatedCountPaginator
