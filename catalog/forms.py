"""The storefront's catalog forms: the list's search, sort and filters, and the product
page's option picker. Bad values are ignored (or shown as the field's error), never a
500."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms

SORT_CHOICES = [
    ("newest", "Newest"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("name", "Name"),
]


def _price_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}
        ),
    )


@dataclass(frozen=True)
class CatalogQuery:
    query: str = ""
    sort: str = "newest"
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False

    @property
    def filtered(self) -> bool:
        """Whether a filter (not the search or the sort) narrows the list."""
        return self.min_price is not None or self.max_price is not None or self.in_stock


class CatalogQueryForm(forms.Form):
    """The catalog's search box, sort menu and filters; a bad value is left out (its
    field shows why) and the rest still applies."""

    q = forms.CharField(
        label="Search products", required=False, max_length=100, strip=True
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)
    min_price = _price_field("Lowest price")
    max_price = _price_field("Highest price")
    in_stock = forms.BooleanField(label="In stock only", required=False)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "The highest price is below the lowest.")
        return cleaned

    def cleaned(self) -> CatalogQuery:
        """What the list is asked for, the valid fields only."""
        self.is_valid()
        data = self.cleaned_data
        return CatalogQuery(
            query=data.get("q") or "",
            sort=data.get("sort") or "newest",
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=bool(data.get("in_stock")),
        )


def chosen_options(
    facets: list[tuple[str, list[str]]], tokens: list[str]
) -> dict[str, str]:
    """The ``option=<name>:<value>`` values of the query string that name a facet's value
    (one per option: the first); anything else is ignored."""
    known = {
        f"{name}:{value}": (name, value) for name, values in facets for value in values
    }
    chosen: dict[str, str] = {}
    for token in tokens:
        if token in known:
            name, value = known[token]
            chosen.setdefault(name, value)
    return chosen


def picked_options(options, query) -> dict[str, str]:
    """The product page's picker (``?Size=M&Colour=Red``): the values given that are
    values of the product's options; anything else is ignored."""
    picked = {}
    for option in options:
        value = query.get(option.name)
        if isinstance(value, str) and value in option.values:
            picked[option.name] = value
    return picked


class NotifyMeForm(forms.Form):
    """The product page's "mail me when it is back" form, for a sold-out variant."""

    variant_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    email = forms.EmailField(label="Email me when it is back", max_length=254)
