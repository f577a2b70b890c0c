"""The product list's pagination: the shop's page numbers with an estimated large count."""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

from catalog.api.serializers import PRODUCT_LIST_VALUES
from catalog.selectors import (
    CAPPED_COUNT,
    EXACT_COUNT_UP_TO,
    FEW_PRODUCTS,
    product_count,
    products_are_few,
    with_capped_count,
)
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
        return super()._get_page(
            object_list.values(*PRODUCT_LIST_VALUES, *self._extra_values),
            *args,
            **kwargs,
        )

    _extra_values: tuple[str, ...] = ()

    def page(self, number):
        """The page, read first with one row more than it shows: when that row is not
        there, this is the last page and the count is exact without a count query (small
        lists, the last page of any list, an estimate above the real number such as a
        search with a filter it rarely meets). Otherwise, in a small catalog
        (:func:`products_are_few`), the count the page's own query brought
        (:func:`with_capped_count`); else :func:`product_count`, which also bounds the
        page number of every page after the first."""
        number = self.validate_number_format(number)
        # A page far past what a small catalog holds takes the counted path (its page
        # number is bounded by the count): no huge OFFSET, however stale the statistics.
        folded = (number - 1) * self.per_page < FEW_PRODUCTS and products_are_few()
        # No OFFSET past the (estimated) end of a large list; a small one just reads
        # an empty page.
        if number > 1 and not folded and number > self.num_pages:
            raise EmptyPage("That page contains no results")
        object_list = self.object_list
        if folded:
            object_list = with_capped_count(object_list)
            self._extra_values = (CAPPED_COUNT,)
        bottom = (number - 1) * self.per_page
        rows = list(self._get_page(object_list[bottom : bottom + self.per_page + 1],
                                   number, self).object_list)  # fmt: skip
        if len(rows) <= self.per_page:
            if not rows and number > 1:
                raise EmptyPage("That page contains no results")
            self.count = bottom + len(rows)
        else:
            rows = rows[: self.per_page]
            capped = rows[0][CAPPED_COUNT] if folded else EXACT_COUNT_UP_TO + 1
            if capped <= EXACT_COUNT_UP_TO:
                self.count = capped
            else:
                self.count = max(self.count, bottom + self.per_page + 1)
        self.__dict__.pop("num_pages", None)
        self.__dict__.pop("page_range", None)
        return Page(rows, number, self)

    def validate_number_format(self, number) -> int:
        """Django's checks of a page number (an integer, at least 1) without the count."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number


class ProductPagination(PageNumberPagination):
    """``count`` is exact up to ``EXACT_COUNT_UP_TO`` expected rows, an estimate above;
    the page holds ``.values()`` rows for ``catalog.api.serializers.product_rows``."""

    django_paginator_class = EstimatedCountPaginator
