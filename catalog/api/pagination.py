"""The product list's pagination: the shop's page numbers, with a count that stays cheap
for a large catalog (exact up to a thousand, the planner's estimate above, exact again on
the last page)."""

from catalog.paginator import EstimatedCountPaginator
from shop.pagination import PageNumberPagination


class ProductPagination(PageNumberPagination):
    django_paginator_class = EstimatedCountPaginator
