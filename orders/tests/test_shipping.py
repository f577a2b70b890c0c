"""Shipping and tax: the staff's rules (services and API) and a cart's quotes."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.tests.factories import ProductFactory, VariantFactory
from coupons.tests.factories import CouponFactory
from orders.models import ShippingMethod, ShippingZone, TaxRate, ZoneCountry
from orders.shipping import (
    method_save,
    shipping_quotes,
    shop_ships,
    tax_rate_for,
    zone_save,
)
from orders.tests.carts import cart_with
from orders.tests.shipping import by_price, by_weight, flat, tax, zone

pytestmark = pytest.mark.django_db

QUOTES = "/api/v1/cart/shipping-methods/"


# --- the rules -------------------------------------------------------------------------


def prices(country="US", *, weight=0, goods="0.00"):
    return [
        (q.method.name, q.price)
        for q in shipping_quotes(country=country, weight_grams=weight, goods=D(goods))
    ]


@pytest.mark.parametrize(
    ("weight", "expected"),
    [(0, D("5.00")), (500, D("5.00")), (501, D("9.00")), (2000, D("9.00")),
     (2001, None)],
)  # fmt: skip
def test_weight_band_edges(weight, expected):
    """A weight band holds its up_to exactly; one gram over is the next band; past the
    last band the method is not offered."""
    by_weight(zone(), [(500, "5.00"), (2000, "9.00")])
    assert prices(weight=weight) == ([("Express", expected)] if expected else [])


@pytest.mark.parametrize(
    ("goods", "expected"),
    [("49.99", D("4.90")), ("50.00", D("0.00")), ("50.01", D("0.00"))],
)
def test_free_over_edges(goods, expected):
    """free_over: one cent under pays; exactly at it ships free."""
    flat(zone(), "4.90", free_over="50.00")
    assert prices(goods=goods) == [("Standard", expected)]


def test_price_bands_edges():
    """A price band holds its up_to exactly; a cent over is the next band."""
    by_price(zone(), [("20.00", "6.00"), ("100.00", "3.00")])
    assert prices(goods="20.00") == [("Value", D("6.00"))]
    assert prices(goods="20.01") == [("Value", D("3.00"))]
    assert prices(goods="100.01") == []


def test_zone_methods_by_country_and_activity():
    """Only active methods of the country's zone are offered, in position order."""
    us, eu = zone(), zone("EU", ["FR", "DE"])
    flat(us, "4.90", name="Standard", position=2)
    flat(us, "19.00", name="Courier", position=1)
    flat(us, "1.00", name="Old", is_active=False)
    flat(eu, "9.00", name="EU post")
    assert prices("US") == [("Courier", D("19.00")), ("Standard", D("4.90"))]
    assert prices("FR") == [("EU post", D("9.00"))]
    assert prices("JP") == []
    assert shop_ships()


def test_shop_without_active_methods_does_not_ship():
    flat(zone(), is_active=False)
    assert not shop_ships()


def test_tax_rate_of_the_country_else_the_setting(settings):
    """The staff's rate of the country; SHOP_TAX_RATE elsewhere."""
    settings.SHOP_TAX_RATE = D("0.1")
    tax("FR", "0.2")
    assert tax_rate_for("FR") == D("0.2")
    assert tax_rate_for("US") == D("0.1")
    assert tax_rate_for(None) == D("0.1")


def test_a_country_is_in_one_zone_at_most():
    """The service refuses a country of another zone (a field error); the database
    constraint backs it up."""
    zone("Domestic", ["US"])
    with pytest.raises(ValidationError) as exc:
        zone_save(name="Other", countries=["CA", "US"])
    assert "US is in the zone Domestic" in exc.value.message_dict["countries"][0]
    assert not ShippingZone.objects.filter(name="Other").exists()
    other = ShippingZone.objects.create(name="Raw")
    with pytest.raises(IntegrityError), transaction.atomic():
        ZoneCountry.objects.create(zone=other, country="US")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "flat"}, "price"),
        ({"kind": "flat", "price": "-1.00"}, "price"),
        ({"kind": "flat", "price": "1.005"}, "price"),
        ({"kind": "weight", "bands": []}, "bands"),
        ({"kind": "weight", "bands": [{"up_to": 500, "price": "1.00"},
                                      {"up_to": 500, "price": "2.00"}]}, "bands"),
        ({"kind": "weight", "bands": [{"up_to": 1000, "price": "1.00"},
                                      {"up_to": 500, "price": "2.00"}]}, "bands"),
        ({"kind": "weight", "bands": [{"up_to": "1.5", "price": "1.00"}]}, "bands"),
        ({"kind": "weight", "bands": [{"up_to": 5, "price": "-1"}]}, "bands"),
        ({"kind": "price", "bands": [{"up_to": "abc", "price": "1.00"}]}, "bands"),
        ({"kind": "price", "bands": [{"up_to": "5", "cost": "1.00"}]}, "bands"),
        ({"kind": "flat", "price": "1.00", "free_over": "-5"}, "free_over"),
        ({"kind": "parcel", "price": "1.00"}, "kind"),
    ],
)  # fmt: skip
def test_method_validation(fields, field):
    """Bad pricing is a field error and nothing is saved."""
    with pytest.raises(ValidationError) as exc:
        method_save(zone=zone(), name="Bad", **fields)
    assert field in exc.value.message_dict
    assert not ShippingMethod.objects.exists()


def test_band_kinds_store_null_price_and_normalised_bands():
    method = by_price(zone(), [("20", "6")])
    method.refresh_from_db()
    assert method.price is None
    assert method.bands == [{"up_to": "20.00", "price": "6.00"}]
    weight = method_save(zone=method.zone, name="W", kind="weight", price="3.00",
                         bands=[{"up_to": "500", "price": "1.5"}])  # fmt: skip
    assert weight.price is None and weight.bands == [{"up_to": 500, "price": "1.50"}]


# --- the staff API ---------------------------------------------------------------------


def test_staff_crud_of_zones(staff_client):
    """Zones with their countries: create, read, change, one zone per country, delete."""
    created = staff_client.post(
        "/api/v1/shipping-zones/", {"name": "EU", "countries": ["fr", "DE"]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {"id": body["id"], "name": "EU", "countries": ["DE", "FR"]}
    url = f"/api/v1/shipping-zones/{body['id']}/"
    listed = staff_client.get("/api/v1/shipping-zones/").json()
    assert listed["count"] == 1 and listed["results"] == [body]
    changed = staff_client.patch(url, {"countries": ["FR", "IT"]}, format="json")
    assert changed.json()["countries"] == ["FR", "IT"]
    clash = staff_client.post(
        "/api/v1/shipping-zones/", {"name": "Other", "countries": ["IT"]},
        format="json",
    )  # fmt: skip
    assert clash.status_code == 400 and "countries" in clash.json()
    unknown = staff_client.post(
        "/api/v1/shipping-zones/", {"name": "X", "countries": ["XX"]}, format="json"
    )
    assert unknown.status_code == 400 and "countries" in unknown.json()
    duplicate = staff_client.post(
        "/api/v1/shipping-zones/", {"name": "EU", "countries": []}, format="json"
    )
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    assert staff_client.delete(url).status_code == 204
    assert not ZoneCountry.objects.exists()


def test_staff_crud_of_methods(staff_client):
    us = zone()
    body = {"zone": us.pk, "name": "Express", "kind": "weight",
            "bands": [{"up_to": 500, "price": "5"}, {"up_to": 2000, "price": "9.50"}],
            "estimated_days": 2}  # fmt: skip
    created = staff_client.post("/api/v1/shipping-methods/", body, format="json")
    assert created.status_code == 201, created.json()
    method = created.json()
    assert method == {
        "id": method["id"], "zone": us.pk, "name": "Express", "kind": "weight",
        "price": None, "bands": [{"up_to": 500, "price": "5.00"},
                                 {"up_to": 2000, "price": "9.50"}],
        "free_over": None, "estimated_days": 2, "is_active": True,
    }  # fmt: skip
    url = f"/api/v1/shipping-methods/{method['id']}/"
    flat_now = staff_client.patch(url, {"kind": "flat", "price": "3.00"}, format="json")
    assert flat_now.status_code == 200, flat_now.json()
    assert flat_now.json()["bands"] == [] and flat_now.json()["price"] == "3.00"
    bad = staff_client.patch(url, {"kind": "price", "bands": []}, format="json")
    assert bad.status_code == 400 and "bands" in bad.json()
    no_price = staff_client.post(
        "/api/v1/shipping-methods/", {**body, "kind": "flat", "bands": []},
        format="json",
    )  # fmt: skip
    assert no_price.status_code == 400 and "price" in no_price.json()
    no_zone = staff_client.post(
        "/api/v1/shipping-methods/", {**body, "zone": 999999}, format="json"
    )
    assert no_zone.status_code == 400 and "zone" in no_zone.json()
    assert staff_client.delete(url).status_code == 204


def test_staff_crud_of_tax_rates(staff_client):
    created = staff_client.post(
        "/api/v1/tax-rates/", {"country": "FR", "rate": "0.2"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {"id": body["id"], "country": "FR", "rate": "0.20000"}
    again = staff_client.post(
        "/api/v1/tax-rates/", {"country": "FR", "rate": "0.1"}, format="json"
    )
    assert again.status_code == 400 and "country" in again.json()
    for rate in ("1", "-0.1", "0.123456"):
        bad = staff_client.post(
            "/api/v1/tax-rates/", {"country": "DE", "rate": rate}, format="json"
        )
        assert bad.status_code == 400 and "rate" in bad.json(), rate
    url = f"/api/v1/tax-rates/{body['id']}/"
    assert (
        staff_client.patch(url, {"rate": "0.055"}, format="json").json()["rate"]
        == "0.05500"
    )
    assert staff_client.delete(url).status_code == 204
    assert not TaxRate.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/shipping-zones/", "/api/v1/shipping-methods/", "/api/v1/tax-rates/"],
)
def test_the_tables_are_staff_only(path, api_client, customer_client, seller_client):
    assert api_client.get(path).status_code == 401
    assert customer_client.get(path).status_code == 403
    assert seller_client.post(path, {}, format="json").status_code == 403


# --- a cart's quotes -------------------------------------------------------------------


def test_quotes_price_the_cart(customer, customer_client):
    """Weight is each variant's weight × quantity; price bands see subtotal − discount;
    a method no band fits is left out."""
    us = zone()
    flat(us, "4.90", estimated_days=5)
    express = by_weight(us, [(1000, "8.00"), (3000, "12.00")], name="Express")
    by_price(us, [("20.00", "6.00")], name="Small orders")
    heavy = VariantFactory(price=D("10.00"), weight_grams=700, stock=10)
    light = VariantFactory(price=D("5.00"), weight_grams=100, stock=10)
    CouponFactory(code="TEN", percent_off=D("10"))
    cart_with([(heavy, 2), (light, 3)], user=customer, coupon="TEN")  # 1700 g, 31.50

    response = customer_client.get(QUOTES, {"country": "us"})

    assert response.status_code == 200, response.json()
    assert response.json() == [
        {"id": us.methods.get(name="Standard").pk, "name": "Standard",
         "price": "4.90", "estimated_days": 5},
        {"id": express.pk, "name": "Express", "price": "12.00", "estimated_days": None},
    ]  # fmt: skip


def test_quotes_for_a_guest_cart_and_errors(api_client):
    flat(zone())
    cart = cart_with([(ProductFactory(price=D("3.00")), 1)])
    ok = api_client.get(QUOTES, {"country": "US"}, HTTP_X_CART_TOKEN=cart.token)
    assert ok.status_code == 200 and ok.json()[0]["price"] == "4.90"
    nowhere = api_client.get(QUOTES, {"country": "JP"}, HTTP_X_CART_TOKEN=cart.token)
    assert nowhere.status_code == 200 and nowhere.json() == []
    for country in ({"country": "ZZ"}, {"country": "USA"}, {}):
        bad = api_client.get(QUOTES, country, HTTP_X_CART_TOKEN=cart.token)
        assert bad.status_code == 400 and bad.json()["code"] == "invalid_country"
    assert api_client.get(QUOTES, {"country": "US"}).status_code == 401
    unknown = api_client.get(QUOTES, {"country": "US"}, HTTP_X_CART_TOKEN="x" * 32)
    assert unknown.status_code == 404


def test_seed_demo_shipping_is_idempotent():
    """Domestic US, the EU and the rest of the world, their methods and two tax rates,
    made once however often it runs."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo_shipping", stdout=StringIO())
    call_command("seed_demo_shipping", stdout=StringIO())
    assert sorted(ShippingZone.objects.values_list("name", flat=True)) == [
        "Domestic", "EU", "Rest of world",
    ]  # fmt: skip
    assert [(q.method.name, q.price) for q in shipping_quotes(
        country="US", weight_grams=1500, goods=D("20.00"))] == [
        ("Standard", D("4.90")), ("Express", D("14.90")),
    ]  # fmt: skip
    assert prices("US", goods="50.00")[0] == ("Standard", D("0.00"))
    assert [name for name, _ in prices("JP")] == ["International"]
    assert ShippingMethod.objects.count() == 5 and TaxRate.objects.count() == 2


def test_a_patch_with_half_a_band_is_400(staff_client):
    """A band is whole even in a partial update."""
    method = by_weight(zone(), [(500, "5.00")])
    response = staff_client.patch(
        f"/api/v1/shipping-methods/{method.pk}/",
        {"bands": [{"price": "9.00"}, {"up_to": 900}]},
        format="json",
    )
    assert response.status_code == 400
    assert "bands" in response.json()


def test_the_cart_before_a_country_uses_the_shop_rate(
    customer, customer_client, settings
):
    """The cart shows tax at SHOP_TAX_RATE on subtotal − discount, inside the prices
    with SHOP_PRICES_INCLUDE_TAX."""
    settings.SHOP_TAX_RATE = D("0.2")
    cart_with([(ProductFactory(price=D("12.00")), 1)], user=customer)
    added = customer_client.get("/api/v1/cart/").json()
    assert (added["tax"], added["total"]) == ("2.40", "14.40")
    settings.SHOP_PRICES_INCLUDE_TAX = True
    inside = customer_client.get("/api/v1/cart/").json()
    assert (inside["tax"], inside["total"]) == ("2.00", "12.00")
