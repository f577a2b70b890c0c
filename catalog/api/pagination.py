"""The product list's pagination: the shop's page numbers, with a count that stays cheap
for a large catalog (exact up to a thousand, the planner's estimate above)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from catalog.selectors import product_count
from shop.pagination import PageNumberPagination


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return product_count(self.object_list)


class ProductPagination(PageNumberPagination):
    django_paginator_class = EstimatedCountPaginator
