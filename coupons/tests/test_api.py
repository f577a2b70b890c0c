"""Staff CRUD of coupons at /api/v1/coupons/: shapes, validation, permissions."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory, CouponRedemptionFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/coupons/"


def detail_url(coupon_id) -> str:
    return f"/api/v1/coupons/{coupon_id}/"


def payload(**overrides) -> dict:
    body = {"code": "spring25", "name": "Spring sale", "percent_off": "25.00"}
    body.update(overrides)
    return body


# --- permission matrix --------------------------------------------------------------

ACTIONS = [
    ("get", "list"),
    ("post", "list"),
    ("get", "detail"),
    ("put", "detail"),
    ("patch", "detail"),
    ("delete", "detail"),
]


def _call(client, method: str, target: str, coupon: Coupon):
    url = LIST_URL if target == "list" else detail_url(coupon.pk)
    body = payload(code="OTHER1") if method in ("post", "put", "patch") else None
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize(("method", "target"), ACTIONS)
def test_anonymous_gets_401_for_every_coupon_action(api_client, method, target):
    """Coupons are staff-only: without a token every action answers 401."""
    coupon = CouponFactory()
    response = _call(api_client, method, target, coupon)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Coupon.objects.filter(pk=coupon.pk, code=coupon.code).exists()


@pytest.mark.parametrize("who", ["customer_client", "seller_client"])
@pytest.mark.parametrize(("method", "target"), ACTIONS)
def test_customers_and_sellers_get_403_for_every_coupon_action(
    request, who, method, target
):
    """Signed-in shoppers and sellers may not see or change coupons: 403."""
    client = request.getfixturevalue(who)
    coupon = CouponFactory()
    response = _call(client, method, target, coupon)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Coupon.objects.get(pk=coupon.pk).code == coupon.code


@pytest.mark.parametrize(
    ("method", "target", "expected"),
    [
        ("get", "list", 200),
        ("post", "list", 201),
        ("get", "detail", 200),
        ("put", "detail", 200),
        ("patch", "detail", 200),
        ("delete", "detail", 204),
    ],
)
def test_staff_may_do_every_coupon_action(staff_client, method, target, expected):
    """Staff list, create, read, replace, change and delete coupons."""
    coupon = CouponFactory()
    response = _call(staff_client, method, target, coupon)
    assert response.status_code == expected


# --- shapes ---------------------------------------------------------------------------


def test_staff_creates_a_coupon_and_gets_the_api_shape(staff_client):
    """POST answers 201 with every field of API.md; the code is stored upper-case."""
    kitchen = CategoryFactory(slug="kitchen")
    product = ProductFactory()
    body = {
        "code": "  flat20 ",
        "name": "Plastic goods",
        "percent_off": "20",
        "amount_off": "5.00",
        "max_discount": "10.00",
        "min_subtotal": "30.00",
        "valid_from": "2030-01-01T00:00:00Z",
        "valid_until": "2030-02-01T00:00:00Z",
        "is_active": True,
        "max_uses": 100,
        "max_uses_per_user": 1,
        "products": [product.pk],
        "categories": ["kitchen"],
    }
    response = staff_client.post(LIST_URL, body, format="json")
    assert response.status_code == 201, response.json()
    coupon = Coupon.objects.get()
    assert response.json() == {
        "id": coupon.pk,
        "code": "FLAT20",
        "name": "Plastic goods",
        "percent_off": "20.00",
        "amount_off": "5.00",
        "max_discount": "10.00",
        "min_subtotal": "30.00",
        "valid_from": "2030-01-01T00:00:00Z",
        "valid_until": "2030-02-01T00:00:00Z",
        "is_active": True,
        "max_uses": 100,
        "max_uses_per_user": 1,
        "products": [product.pk],
        "categories": ["kitchen"],
        "times_used": 0,
    }
    assert list(coupon.categories.all()) == [kitchen]
    assert coupon.valid_from == datetime(2030, 1, 1, tzinfo=UTC)


def test_defaults_give_a_whole_cart_coupon_without_limits(staff_client):
    """Only a code and a discount are needed: no cap, no dates, no limits, whole cart."""
    response = staff_client.post(
        LIST_URL, {"code": "TEN", "amount_off": "10"}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["percent_off"] == "0.00"
    assert data["amount_off"] == "10.00"
    assert data["max_discount"] is None
    assert data["valid_from"] is None and data["valid_until"] is None
    assert data["max_uses"] is None and data["max_uses_per_user"] is None
    assert data["products"] == [] and data["categories"] == []
    assert data["is_active"] is True


def test_list_is_paginated_and_counts_uses(staff_client):
    """The list shows times_used from redemptions, with each coupon's scope."""
    category = CategoryFactory()
    products = ProductFactory.create_batch(2)
    for _ in range(5):
        coupon = CouponFactory(products=products, categories=[category])
    CouponRedemptionFactory.create_batch(3, coupon=coupon)
    response = staff_client.get(LIST_URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 5
    assert data["next"] is None and data["previous"] is None
    assert [item["times_used"] for item in data["results"]] == [0, 0, 0, 0, 3]
    assert data["results"][0]["products"] == sorted(p.pk for p in products)
    assert data["results"][0]["categories"] == [category.slug]


def test_filter_by_is_active(staff_client):
    """?is_active=false lists only inactive coupons."""
    CouponFactory(code="ON")
    CouponFactory(code="OFF", is_active=False)
    response = staff_client.get(LIST_URL, {"is_active": "false"})
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == ["OFF"]


def test_patch_changes_only_the_given_fields_and_replaces_the_scope(staff_client):
    """PATCH keeps the other fields; a scope list given replaces the old one."""
    old, new = ProductFactory(), ProductFactory()
    coupon = CouponFactory(code="KEEP", percent_off="15.00", products=[old])
    response = staff_client.patch(
        detail_url(coupon.pk), {"products": [new.pk], "is_active": False}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "KEEP"
    assert data["percent_off"] == "15.00"
    assert data["products"] == [new.pk]
    assert data["is_active"] is False
    coupon.refresh_from_db()
    assert list(coupon.products.all()) == [new]


def test_put_with_an_empty_scope_makes_a_whole_cart_coupon(staff_client):
    """PUT with the scope lists empty makes the coupon cover the whole cart."""
    coupon = CouponFactory(products=[ProductFactory()])
    response = staff_client.put(
        detail_url(coupon.pk), payload(code=coupon.code, products=[]), format="json"
    )
    assert response.status_code == 200
    assert response.json()["products"] == []
    assert coupon.products.count() == 0


def test_staff_deletes_an_unused_coupon(staff_client):
    """DELETE answers 204 and the coupon is gone."""
    coupon = CouponFactory()
    assert staff_client.delete(detail_url(coupon.pk)).status_code == 204
    assert not Coupon.objects.filter(pk=coupon.pk).exists()


def test_a_used_coupon_cannot_be_deleted(staff_client):
    """Orders used it: 409 coupon_in_use, and the coupon stays (deactivate it instead)."""
    redemption = CouponRedemptionFactory()
    response = staff_client.delete(detail_url(redemption.coupon.pk))
    assert response.status_code == 409
    assert response.json()["code"] == "coupon_in_use"
    assert Coupon.objects.filter(pk=redemption.coupon.pk).exists()


@pytest.mark.parametrize("bad_id", ["999999", "abc", "99999999999999999999999"])
def test_unknown_coupon_is_404(staff_client, bad_id):
    """An unknown, non-numeric or absurd id is a JSON 404, never a 500."""
    response = staff_client.get(f"/api/v1/coupons/{bad_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("percent_off", "100.01"),
        ("percent_off", "-1"),
        ("percent_off", "12.345"),
        ("percent_off", "NaN"),
        ("percent_off", "abc"),
        ("amount_off", "-0.01"),
        ("amount_off", "1.001"),
        ("amount_off", "10000000000000"),
        ("max_discount", "-5"),
        ("min_subtotal", "-1"),
        ("max_uses", 0),
        ("max_uses", -3),
        ("max_uses", 2**40),
        ("max_uses_per_user", 0),
        ("max_uses", "many"),
        ("is_active", "perhaps"),
        ("valid_from", "not a date"),
        ("code", ""),
        ("code", "two words"),
        ("code", "X" * 41),
        ("products", "1"),
        ("products", [0]),
        ("products", [2**70]),
        ("categories", ["no slug!"]),
    ],
)
def test_bad_field_values_are_400_with_the_field_named(staff_client, field, value):
    """Out-of-range, badly typed or malformed values: 400 naming the field; nothing stored."""
    response = staff_client.post(LIST_URL, payload(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Coupon.objects.exists()


def test_more_than_two_decimals_is_refused_with_a_clear_message(staff_client):
    """Money has two decimal places: 1.001 is refused with DRF's message."""
    response = staff_client.post(LIST_URL, payload(amount_off="1.001"), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "amount_off": ["Ensure that there are no more than 2 decimal places."]
    }


def test_valid_until_must_be_after_valid_from(staff_client):
    """An end before (or at) the start is a 400 on valid_until."""
    response = staff_client.post(
        LIST_URL,
        payload(valid_from="2030-01-02T00:00:00Z", valid_until="2030-01-01T00:00:00Z"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "valid_until": ["The end must be after the start (valid_from)."]
    }


def test_patch_of_valid_until_is_checked_against_the_stored_start(staff_client):
    """A partial update cannot move the end before the stored start."""
    coupon = CouponFactory(valid_from=datetime(2030, 1, 2, tzinfo=UTC))
    response = staff_client.patch(
        detail_url(coupon.pk), {"valid_until": "2030-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert "valid_until" in response.json()


def test_unknown_product_ids_and_category_slugs_are_400(staff_client):
    """Every unknown id and slug is named in the 400."""
    product = ProductFactory()
    response = staff_client.post(
        LIST_URL,
        payload(products=[product.pk, 987654], categories=["nowhere", "gone"]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "products": ["Unknown product ids: 987654."],
        "categories": ["Unknown category slugs: gone, nowhere."],
    }


@pytest.mark.parametrize("code", ["SPRING25", "spring25", "Spring25", " sPrInG25 "])
def test_duplicate_code_in_any_case_is_400(staff_client, code):
    """Codes are unique ignoring case: a duplicate is a 400 on code, never a 500."""
    CouponFactory(code="SPRING25")
    response = staff_client.post(LIST_URL, payload(code=code), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": ["A coupon with the code SPRING25 already exists (codes ignore case)."]
    }
    assert Coupon.objects.count() == 1


def test_updating_a_coupon_may_keep_its_own_code(staff_client):
    """A coupon does not collide with itself: PUT with its own code in other case is fine."""
    coupon = CouponFactory(code="MINE")
    response = staff_client.put(
        detail_url(coupon.pk), payload(code="mine"), format="json"
    )
    assert response.status_code == 200
    assert response.json()["code"] == "MINE"


def test_renaming_onto_another_coupons_code_is_400(staff_client):
    """PATCH to a code another coupon has (any case) is a 400."""
    CouponFactory(code="TAKEN")
    coupon = CouponFactory(code="FREE")
    response = staff_client.patch(
        detail_url(coupon.pk), {"code": "taken"}, format="json"
    )
    assert response.status_code == 400
    assert "code" in response.json()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "parse_error"),
        ("code=X", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_malformed_bodies_are_4xx(staff_client, body, content_type, status, code):
    """Broken JSON is a 400, a body that is not JSON at all a 415: JSON errors."""
    response = staff_client.generic("POST", LIST_URL, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_a_body_that_is_a_list_is_400(staff_client):
    """JSON that is not an object is a 400."""
    response = staff_client.post(LIST_URL, [1, 2], format="json")
    assert response.status_code == 400


def test_the_schema_documents_the_coupon_endpoints(api_client):
    """The OpenAPI schema has the coupon paths with the fields of API.md."""
    response = api_client.get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/coupons/" in schema["paths"]
    assert "/api/v1/coupons/{id}/" in schema["paths"]
    fields = set(schema["components"]["schemas"]["Coupon"]["properties"])
    assert fields == {
        "id", "code", "name", "percent_off", "amount_off", "max_discount", "min_subtotal",
        "valid_from", "valid_until", "is_active", "max_uses", "max_uses_per_user",
        "products", "categories", "times_used",
    }  # fmt: skip
    destroy = schema["paths"]["/api/v1/coupons/{id}/"]["delete"]["responses"]
    assert {"204", "401", "403", "404", "409"} <= set(destroy)
