"""Shipping and tax: the staff's zones, methods and tax rates (services that validate and
write them, one rule for the admin and the API) and what a cart is offered (selectors).

A method is priced by ``pricing.shipping.shipping_price`` from :func:`shipping_rule`;
the quote a cart is shown and the price its checkout charges come from the same
function, with the weight of its variants and its subtotal less the discount.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_countries import countries

from cart.selectors import cart_read
from catalog.models import Variant
from coupons import services as coupon_services
from orders.models import ShippingMethod, ShippingZone, TaxRate, ZoneCountry
from pricing.shipping import FLAT, WEIGHT, Band, ShippingRule, shipping_price
from pricing.totals import Totals, price_lines
from shop.money import ZERO, quantize

#: The largest amount a method's columns hold (max_digits=10, two places).
MAX_AMOUNT = Decimal("99999999.99")
MAX_GRAMS = 2**31 - 1
MAX_BANDS = 50
MAX_COUNTRIES = 300


@dataclass(frozen=True)
class Quote:
    method: ShippingMethod
    price: Decimal


# --- validation: one rule for the admin's forms and the API's serializers -------------


def clean_country(code: object, *, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; anything else is a field error."""
    wanted = code.strip().upper() if isinstance(code, str) else ""
    if len(wanted) != 2 or not countries.alpha2(wanted):
        raise ValidationError({field: [f"{code!r} is not an ISO country code."]})
    return wanted


def _amount(value: object, what: str) -> Decimal:
    if isinstance(value, bool | float) or value is None:
        raise ValueError(f"{what} must be an amount such as 4.90.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{what} must be an amount such as 4.90.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(f"{what} must be between 0 and {MAX_AMOUNT}.")
    if amount != quantize(amount):
        raise ValueError(f"{what} has at most two decimal places.")
    return quantize(amount)


def _grams(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("A weight band's up_to is a whole number of grams.")
    if not 0 <= value <= MAX_GRAMS:
        raise ValueError(f"A weight band's up_to is between 0 and {MAX_GRAMS} grams.")
    return value


def clean_bands(kind: str, bands: object) -> list[dict]:
    """The bands as stored: ``[{"up_to": grams (int) or "50.00", "price": "4.90"}]``,
    strictly ascending, at least one for the band kinds; none for ``flat``."""
    if kind == FLAT:
        return []
    if not isinstance(bands, list | tuple) or not bands:
        raise ValidationError({"bands": ["A band method needs at least one band."]})
    if len(bands) > MAX_BANDS:
        raise ValidationError({"bands": [f"At most {MAX_BANDS} bands."]})
    cleaned, previous = [], None
    try:
        for band in bands:
            if not isinstance(band, dict) or set(band) != {"up_to", "price"}:
                raise ValueError("Each band is {up_to, price}.")
            if kind == WEIGHT:
                up_to = _grams(band["up_to"])
            else:
                up_to = _amount(band["up_to"], "A price band's up_to")
            if previous is not None and up_to <= previous:
                raise ValueError("Bands must be in increasing up_to, each once.")
            previous = up_to
            price = _amount(band["price"], "A band's price")
            cleaned.append(
                {"up_to": up_to if kind == WEIGHT else str(up_to), "price": str(price)}
            )
    except ValueError as exc:
        raise ValidationError({"bands": [str(exc)]}) from None
    return cleaned


def clean_method(*, kind: str, price: object, bands: object, free_over: object) -> dict:
    """A method's pricing fields, checked and normalised (see API.md "Shipping and tax")."""
    if kind not in ShippingMethod.Kind.values:
        raise ValidationError(
            {"kind": [f"Choose one of {', '.join(ShippingMethod.Kind.values)}."]}
        )
    errors = {}
    if kind == FLAT:
        if price is None or price == "":
            errors["price"] = ["A flat method needs a price."]
        else:
            try:
                price = _amount(price, "The price")
            except ValueError as exc:
                errors["price"] = [str(exc)]
    else:
        price = None  # the band kinds price by their bands
    if free_over is not None and free_over != "":
        try:
            free_over = _amount(free_over, "free_over")
        except ValueError as exc:
            errors["free_over"] = [str(exc)]
    else:
        free_over = None
    try:
        bands = clean_bands(kind, bands)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "price": price, "bands": bands, "free_over": free_over}


def clean_zone_countries(
    codes: Iterable[object], *, zone: ShippingZone | None = None
) -> list[str]:
    """The zone's country codes; one in another zone already is a field error."""
    codes = list(codes)
    if len(codes) > MAX_COUNTRIES:
        raise ValidationError({"countries": [f"At most {MAX_COUNTRIES} countries."]})
    cleaned = []
    for code in codes:
        cleaned.append(clean_country(code, field="countries"))
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError({"countries": ["A country is listed twice."]})
    taken = ZoneCountry.objects.filter(country__in=cleaned).select_related("zone")
    if zone is not None and zone.pk:
        taken = taken.exclude(zone=zone)
    clashes = [f"{row.country.code} is in the zone {row.zone.name}" for row in taken]
    if clashes:
        raise ValidationError(
            {"countries": [f"A country is in one zone at most: {'; '.join(clashes)}."]}
        )
    return sorted(cleaned)


def clean_rate(rate: object) -> Decimal:
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        value = None
    if isinstance(rate, bool | float) or value is None or not value.is_finite():
        raise ValidationError({"rate": ["A rate is a fraction such as 0.2."]})
    if not Decimal(0) <= value < 1 or value != value.quantize(Decimal("0.00001")):
        raise ValidationError(
            {"rate": ["A rate is at least 0, below 1, with at most 5 places."]}
        )
    return value


# --- services ---------------------------------------------------------------------------


@transaction.atomic
def zone_save(
    *, zone: ShippingZone | None = None, name: str, countries: Sequence[str]
) -> ShippingZone:
    """Create or change a zone and replace its countries (one zone per country)."""
    zone = zone or ShippingZone()
    codes = clean_zone_countries(countries, zone=zone)
    zone.name = name
    zone.full_clean(exclude=["id"])
    zone.save()
    ZoneCountry.objects.filter(zone=zone).exclude(country__in=codes).delete()
    kept = set(zone.countries.values_list("country", flat=True))
    ZoneCountry.objects.bulk_create(
        ZoneCountry(zone=zone, country=code) for code in codes if code not in kept
    )
    return zone


@transaction.atomic
def method_save(*, method: ShippingMethod | None = None, **fields) -> ShippingMethod:
    """Create or change a shipping method, its prices checked by :func:`clean_method`."""
    method = method or ShippingMethod()
    pricing = clean_method(
        kind=fields.pop("kind", method.kind),
        price=fields.pop("price", method.price),
        bands=fields.pop("bands", method.bands),
        free_over=fields.pop("free_over", method.free_over),
    )
    for name, value in {**fields, **pricing}.items():
        setattr(method, name, value)
    method.full_clean(exclude=["id", "bands"])
    method.save()
    return method


@transaction.atomic
def tax_rate_save(
    *, tax_rate: TaxRate | None = None, country: str, rate: object
) -> TaxRate:
    """Create or change a country's tax rate (one per country)."""
    tax_rate = tax_rate or TaxRate()
    code = clean_country(country)
    others = TaxRate.objects.filter(country=code).exclude(pk=tax_rate.pk)
    if others.exists():
        raise ValidationError({"country": [f"{code} has a tax rate already."]})
    tax_rate.country, tax_rate.rate = code, clean_rate(rate)
    tax_rate.save()
    return tax_rate


# --- selectors --------------------------------------------------------------------------


def shipping_rule(method: ShippingMethod) -> ShippingRule:
    """The method as plain data for ``pricing.shipping``."""
    bands = [
        Band(
            up_to=int(band["up_to"])
            if method.kind == WEIGHT
            else Decimal(band["up_to"]),
            price=Decimal(band["price"]),
        )
        for band in method.bands or ()
    ]
    return ShippingRule(
        kind=method.kind,
        price=method.price,
        bands=bands,
        free_over=method.free_over,
    )


def shop_ships() -> bool:
    """Any active method: checkout then asks for an address and a method."""
    return ShippingMethod.objects.filter(is_active=True).exists()


def methods_for_country(country: str) -> list[ShippingMethod]:
    """The active methods of the zone that holds ``country``, in the staff's order."""
    return list(
        ShippingMethod.objects.filter(
            is_active=True, zone__countries__country=country
        ).order_by("position", "id")
    )


def shipping_quotes(*, country: str, weight_grams: int, goods: Decimal) -> list[Quote]:
    """The methods serving ``country`` with their price for a cart of this weight and
    subtotal less discount; a method no band fits is left out."""
    quotes = []
    for method in methods_for_country(country):
        price = shipping_price(
            shipping_rule(method), weight_grams=weight_grams, goods=goods
        )
        if price is not None:
            quotes.append(Quote(method, price))
    return quotes


def tax_rate_for(country: str | None) -> Decimal:
    """The staff's rate of the shipping country, else SHOP_TAX_RATE."""
    if country:
        rate = TaxRate.objects.filter(country=country).values_list("rate", flat=True)
        for value in rate:
            return value
    return Decimal(settings.SHOP_TAX_RATE)


def items_weight(items: Iterable[tuple[int, int]]) -> int:
    """Grams of (variant weight, quantity) pairs."""
    return sum(weight * quantity for weight, quantity in items)


# --- a cart's quotes and the checkout page's totals -------------------------------------


@dataclass(frozen=True)
class ShippingPreview:
    """What the checkout page shows for a country: the cart, its quotes, the chosen
    method and the totals the order will have (priced as checkout prices them)."""

    summary: object  # cart.selectors.CartSummary
    quotes: list[Quote]
    chosen: Quote | None
    totals: Totals
    tax_rate: Decimal


def _cart_weight(summary) -> int:
    lines = summary.pricing_lines
    weights = dict(
        Variant.objects.filter(pk__in=[line.variant_id for line in lines]).values_list(
            "pk", "weight_grams"
        )
    )
    return items_weight(
        (weights.get(line.variant_id, 0), line.quantity) for line in lines
    )


def cart_shipping_quotes(*, cart, country: str, summary=None) -> list[Quote]:
    """The methods serving ``country``, priced for the cart as it reads now."""
    summary = summary or cart_read(cart=cart)
    goods = summary.totals.subtotal - summary.totals.discount
    return shipping_quotes(
        country=country, weight_grams=_cart_weight(summary), goods=goods
    )


def shipping_preview(
    *, cart, country: str, method_id: int | None = None
) -> ShippingPreview:
    """The cart priced for shipping to ``country`` by ``method_id`` (the first quote when
    it is not among them)."""
    summary = cart_read(cart=cart)
    quotes = cart_shipping_quotes(cart=cart, country=country, summary=summary)
    chosen = next((q for q in quotes if q.method.pk == method_id), None)
    chosen = chosen or (quotes[0] if quotes else None)
    rule = None
    if summary.coupon:
        rule = coupon_services.coupon_rule(
            coupon_services.coupon_find(code=summary.coupon[0])
        )
    rate = tax_rate_for(country)
    totals = price_lines(
        summary.pricing_lines,
        rule=rule,
        tax_rate=rate,
        shipping=chosen.price if chosen else ZERO,
        prices_include_tax=settings.SHOP_PRICES_INCLUDE_TAX,
    )
    return ShippingPreview(summary, quotes, chosen, totals, rate)
