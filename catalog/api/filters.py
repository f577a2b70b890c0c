"""Query filters of the product list. Bad values answer 400 (or are ignored), never 500."""

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from catalog.models import Category, Product
from catalog.selectors import (
    category_descendant_ids,
    in_stock_filter,
    product_text_search,
    stock_of,
    with_option_values,
)

PG_INT_MAX = 2**31 - 1
OPTION_PAIR_MAX_LENGTH = 101  # an option's name (50), ":" and a value (50)
PG_BIGINT_MAX = 2**63 - 1


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text; drop it rather than fail.
    return value.replace("\x00", "").strip()


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": PG_INT_MAX})
class StockFilter(IntegerFilter):
    pass


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": PG_BIGINT_MAX})
class IdFilter(IntegerFilter):
    pass


@extend_schema_field(
    {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$", "example": "19.90"}
)
class PriceFilter(filters.NumberFilter):
    """A price bound: digits with up to 2 decimal places."""


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 200,
        "pattern": "^[^\\x00]*$",
        "description": "Words that must all appear in the name or description.",
    }
)
class SearchFilter(filters.CharFilter):
    pass


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 120,
        "pattern": "^[-a-zA-Z0-9_]+$",
        "description": "Category slug; includes its sub-categories.",
    }
)
class SlugFilter(filters.CharFilter):
    pass


MAX_OPTION_PAIRS = 10
_OPTION_MESSAGE = "Give each option as name:value."


class OptionPairsField(forms.Field):
    """Every ``option`` of the query (repeatable), each ``name:value``: the pairs
    (name, value), the value being all after the first colon."""

    widget = forms.MultipleHiddenInput  # reads every value, not the last one

    def to_python(self, value):
        if not value:
            return []
        if len(value) > MAX_OPTION_PAIRS:
            raise forms.ValidationError(f"Name at most {MAX_OPTION_PAIRS} options.")
        pairs = []
        for pair in value:
            name, sep, chosen = _clean_text(pair).partition(":")
            name, chosen = name.strip(), chosen.strip()
            if not sep or not name or not chosen or len(pair) > OPTION_PAIR_MAX_LENGTH:
                raise forms.ValidationError(_OPTION_MESSAGE)
            pairs.append((name, chosen))
        return pairs


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "string",
            "maxLength": 101,
            "pattern": "^[^:\\x00]+:[^\\x00]+$",
        },
        "maxItems": MAX_OPTION_PAIRS,
        "description": "An option's name and value, e.g. Size:M; repeatable.",
    }
)
class OptionFilter(filters.Filter):
    field_class = OptionPairsField


@extend_schema_field(OpenApiTypes.BOOL)
class StockBooleanFilter(filters.BooleanFilter):
    """``true``/``false``; anything else is ignored (no filter)."""


class ProductFilter(filters.FilterSet):
    search = SearchFilter(
        method="filter_search",
        max_length=200,
        label="Words in the name or description.",
    )
    category = SlugFilter(
        method="filter_category",
        max_length=120,
        label="Category slug; includes its sub-categories.",
    )
    min_price = PriceFilter(
        field_name="price",
        lookup_expr="gte",
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    max_price = PriceFilter(
        field_name="price",
        lookup_expr="lte",
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    in_stock = StockBooleanFilter(
        method="filter_in_stock", label="true: only with stock."
    )
    min_stock = StockFilter(
        method="filter_min_stock", min_value=0, max_value=PG_INT_MAX
    )
    option = OptionFilter(
        method="filter_option",
        label="name:value, repeatable: products with an active variant in stock that "
        "has every value named.",
    )
    seller = IdFilter(field_name="seller_id", min_value=1, max_value=PG_BIGINT_MAX)

    class Meta:
        model = Product
        fields = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        term = _clean_text(value)
        return product_text_search(queryset, term) if term else queryset

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        category = Category.objects.filter(slug=_clean_text(value)).first()
        if category is None:
            return queryset.none()
        return queryset.filter(category_id__in=category_descendant_ids(category))

    def filter_in_stock(
        self, queryset: QuerySet, name: str, value: bool | None
    ) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(in_stock_filter() if value else ~in_stock_filter())

    def filter_min_stock(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        return queryset.alias(stock_total=stock_of()).filter(stock_total__gte=value)

    def filter_option(self, queryset: QuerySet, name: str, pairs) -> QuerySet:
        wanted: dict[str, str] = {}
        for option, chosen in pairs:
            if wanted.setdefault(option, chosen) != chosen:
                # One variant has one value of an option: nothing has both.
                return queryset.none()
        return with_option_values(queryset, wanted)


class ProductFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, skipped when the query string names none of the filters:
    such a FilterSet filters nothing and cannot fail, but building its form (deep-copied
    fields) cost a millisecond per list request, more than the page's SQL."""

    def filter_queryset(self, request, queryset, view):
        names = ProductFilter.base_filters.keys()
        if names.isdisjoint(request.query_params.keys()):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ProductOrderingFilter(OrderingFilter):
    """``ordering=price,-price,name,-created_at``; ties broken by id for stable pages."""

    ordering_fields = ["price", "name", "created_at"]

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        ordering = list(ordering)
        tie = "-id" if ordering[-1].startswith("-") else "id"
        return queryset.order_by(*ordering, tie)
