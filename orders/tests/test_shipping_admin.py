"""Shipping zones, methods and tax rates in the admin: the same rules as the API."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from orders.models import ShippingMethod, ShippingZone, TaxRate
from orders.tests.shipping import flat, zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_zone_with_countries_and_the_one_zone_rule(admin_client):
    """Countries are picked in a multiple select; one in another zone is a form error."""
    zone("Domestic", ["US"])
    add = reverse("admin:orders_shippingzone_add")
    clash = admin_client.post(add, {"name": "North America", "countries": ["CA", "US"]})
    assert clash.status_code == 200
    errors = clash.context["adminform"].form.errors["countries"]
    assert "US is in the zone Domestic" in errors[0]
    created = admin_client.post(
        add, {"name": "North America", "countries": ["CA", "MX"]}
    )
    assert created.status_code == 302
    made = ShippingZone.objects.get(name="North America")
    assert sorted(row.country.code for row in made.countries.all()) == ["CA", "MX"]
    change = reverse("admin:orders_shippingzone_change", args=[made.pk])
    page = admin_client.get(change)
    assert page.context["adminform"].form.initial["countries"] == ["CA", "MX"]
    listed = admin_client.get(reverse("admin:orders_shippingzone_changelist"))
    assert "CA, MX" in listed.content.decode()


def method_form(us, **fields):
    return {"zone": us.pk, "name": "Express", "kind": "weight", "price": "",
            "bands": "500: 5\n2000: 9.50", "free_over": "", "estimated_days": "2",
            "is_active": "on", "position": "0", **fields}  # fmt: skip


def test_method_with_bands_in_a_textarea(admin_client):
    us = zone()
    add = reverse("admin:orders_shippingmethod_add")
    response = admin_client.post(add, method_form(us))
    assert response.status_code == 302, response.context["adminform"].form.errors
    method = ShippingMethod.objects.get()
    assert method.bands == [
        {"up_to": 500, "price": "5.00"},
        {"up_to": 2000, "price": "9.50"},
    ]
    page = admin_client.get(
        reverse("admin:orders_shippingmethod_change", args=[method.pk])
    )
    assert "500: 5.00\n2000: 9.50" in page.content.decode()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"bands": "2000: 9\n500: 5"}, "bands"),
        ({"bands": "heavy 9"}, "bands"),
        ({"bands": "1.5: 9"}, "bands"),
        ({"bands": ""}, "bands"),
        ({"kind": "flat", "bands": ""}, "price"),
    ],
)
def test_method_errors_are_form_errors(admin_client, fields, field):
    response = admin_client.post(
        reverse("admin:orders_shippingmethod_add"), method_form(zone(), **fields)
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ShippingMethod.objects.exists()


def test_tax_rates_and_the_method_list(admin_client):
    flat(zone(), "4.90")
    listed = admin_client.get(reverse("admin:orders_shippingmethod_changelist"))
    assert listed.status_code == 200 and "Standard" in listed.content.decode()
    add = reverse("admin:orders_taxrate_add")
    assert admin_client.post(add, {"country": "FR", "rate": "0.2"}).status_code == 302
    assert TaxRate.objects.get().rate == D("0.2")
    bad = admin_client.post(add, {"country": "DE", "rate": "1.5"})
    assert bad.status_code == 200 and "rate" in bad.context["adminform"].form.errors
    again = admin_client.post(add, {"country": "FR", "rate": "0.1"})
    assert again.status_code == 200
    assert "country" in again.context["adminform"].form.errors
