"""Zones, methods and tax rates for the shipping tests, written through the services."""

from decimal import Decimal

from orders.shipping import method_save, tax_rate_save, zone_save


def zone(name="Domestic", countries=("US",)):
    return zone_save(name=name, countries=list(countries))


def flat(zone, price="4.90", **fields):
    return method_save(zone=zone, name=fields.pop("name", "Standard"), kind="flat",
                       price=price, **fields)  # fmt: skip


def by_weight(zone, bands, **fields):
    return method_save(zone=zone, name=fields.pop("name", "Express"), kind="weight",
                       bands=[{"up_to": u, "price": p} for u, p in bands], **fields)  # fmt: skip


def by_price(zone, bands, **fields):
    return method_save(zone=zone, name=fields.pop("name", "Value"), kind="price",
                       bands=[{"up_to": u, "price": p} for u, p in bands], **fields)  # fmt: skip


def tax(country, rate):
    return tax_rate_save(country=country, rate=Decimal(rate))


def address(**fields):
    """A structured address in the checkout's shape."""
    return {
        "name": "Grace Hopper",
        "line1": "1 Harbour Way",
        "line2": "",
        "city": "Arlington",
        "postcode": "22201",
        "region": "VA",
        "country": "US",
        "phone": "",
        **fields,
    }
