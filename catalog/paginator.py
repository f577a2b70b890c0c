"""Pages of products with a count that stays cheap for a large catalog, for the API's
product list and the storefront's catalog pages alike."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

from catalog.selectors import product_count


class EstimatedCountPaginator(Paginator):
    """A paginator whose ``count`` is :func:`catalog.selectors.product_count` (exact up
    to a thousand, the planner's estimate above), corrected by what a page finds.

    A page is read with one row more than it shows. When that row is missing, this
    page is the last and the count is exact: an estimate above the real number (a
    search and a filter that rarely meet, stale statistics) never offers a next page
    that is empty. A page past the real end is an ``EmptyPage``, as past the count.
    """

    @cached_property
    def count(self) -> int:
        return product_count(self.object_list)

    def page(self, number):
        number = self.validate_number(number)  # bounded by the (estimated) count
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if len(rows) > self.per_page:
            rows = rows[: self.per_page]
            self._correct(max(self.count, bottom + self.per_page + 1))
        elif rows or number == 1:
            self._correct(bottom + len(rows))
        else:
            raise EmptyPage("That page contains no results")
        return self._get_page(rows, number, self)

    def get_page(self, number):
        """As Django's: the page, the first for what is no page number, the last for
        one out of range (the first when an estimate put the last past the end)."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            try:
                return self.page(self.num_pages)
            except EmptyPage:
                return self.page(1)

    def _correct(self, count: int) -> None:
        if count != self.count:
            self.count = count
            self.__dict__.pop("num_pages", None)
            self.__dict__.pop("page_range", None)
