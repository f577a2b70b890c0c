"""The coupon admin: list, filters, search, form errors, actions, read-only redemptions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory, CouponRedemptionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coupons_coupon_changelist"
ADD = "admin:coupons_coupon_add"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def add_form(**overrides) -> dict:
    data = {
        "code": "summer",
        "name": "Summer",
        "is_active": "on",
        "percent_off": "20",
        "amount_off": "5",
        "max_discount": "10",
        "min_subtotal": "0",
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "max_uses": "",
        "max_uses_per_user": "",
        "redemptions-TOTAL_FORMS": "0",
        "redemptions-INITIAL_FORMS": "0",
        "redemptions-MIN_NUM_FORMS": "0",
        "redemptions-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_changelist_shows_discount_validity_and_uses(admin_client):
    """The list reads like a shopkeeper's summary: discount, dates, uses / max uses."""
    coupon = CouponFactory(
        code="FLAT20",
        percent_off=Decimal("20"),
        amount_off=Decimal("5"),
        max_discount=Decimal("10"),
        max_uses=50,
    )
    CouponRedemptionFactory.create_batch(2, coupon=coupon)
    CouponFactory(code="FOREVER", percent_off=Decimal("0"), amount_off=Decimal("3"))
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert "20% + $5.00 off, up to $10.00" in html
    assert "$3.00 off" in html
    assert "2 / 50" in html
    assert "0 / ∞" in html
    assert "always" in html


@pytest.mark.parametrize(
    ("validity", "expected"),
    [("now", ["CURRENT"]), ("scheduled", ["LATER"]), ("expired", ["PAST"])],
)
def test_validity_filter(admin_client, validity, expected):
    """Valid now / not yet valid / expired each list just those coupons."""
    now = timezone.now()
    CouponFactory(code="CURRENT", valid_from=now - timedelta(days=1))
    CouponFactory(code="LATER", valid_from=now + timedelta(days=1))
    CouponFactory(code="PAST", valid_until=now - timedelta(seconds=1))
    CouponFactory(code="SWITCHEDOFF", is_active=False)
    response = admin_client.get(reverse(CHANGELIST), {"validity": validity})
    assert response.status_code == 200
    assert [c.code for c in response.context["cl"].result_list] == expected


def test_used_up_filter(admin_client):
    """'Used up' lists coupons whose redemptions reached max_uses."""
    full = CouponFactory(code="FULL", max_uses=1)
    CouponRedemptionFactory(coupon=full)
    CouponFactory(code="ROOM", max_uses=5)
    response = admin_client.get(reverse(CHANGELIST), {"uses": "used_up"})
    assert [c.code for c in response.context["cl"].result_list] == ["FULL"]


def test_active_filter_and_search(admin_client):
    """Filter by the active flag; search matches code and name."""
    CouponFactory(code="ALPHA", name="Spring sale")
    CouponFactory(code="BETA", name="Autumn", is_active=False)
    response = admin_client.get(reverse(CHANGELIST), {"is_active__exact": "0"})
    assert [c.code for c in response.context["cl"].result_list] == ["BETA"]
    response = admin_client.get(reverse(CHANGELIST), {"q": "spring"})
    assert [c.code for c in response.context["cl"].result_list] == ["ALPHA"]
    response = admin_client.get(reverse(CHANGELIST), {"q": "bet"})
    assert [c.code for c in response.context["cl"].result_list] == ["BETA"]


def test_add_form_stores_the_code_upper_case_with_its_scope(admin_client):
    """Saving the add form creates the coupon, code upper-cased, scope kept."""
    product = ProductFactory()
    category = CategoryFactory()
    response = admin_client.post(
        reverse(ADD), add_form(products=[product.pk], categories=[category.pk])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    coupon = Coupon.objects.get()
    assert coupon.code == "SUMMER"
    assert list(coupon.products.all()) == [product]
    assert list(coupon.categories.all()) == [category]


@pytest.mark.parametrize("code", ["SUMMER", "summer", " Summer "])
def test_duplicate_code_in_any_case_is_a_form_error(admin_client, code):
    """Another coupon's code in any case: a form error on code, not a 500."""
    CouponFactory(code="SUMMER")
    response = admin_client.post(reverse(ADD), add_form(code=code))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["code"] == [
        "A coupon with the code SUMMER already exists (codes ignore case)."
    ]
    assert Coupon.objects.count() == 1


def test_bad_ranges_are_form_errors(admin_client):
    """Percent over 100, negative amounts, an end before the start: form errors."""
    response = admin_client.post(
        reverse(ADD),
        add_form(
            percent_off="150",
            amount_off="-1",
            valid_from_0="2030-01-02",
            valid_from_1="00:00:00",
            valid_until_0="2030-01-01",
            valid_until_1="00:00:00",
            max_uses="0",
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"percent_off", "amount_off", "valid_until", "max_uses"}
    assert not Coupon.objects.exists()


def test_activate_and_deactivate_actions(admin_client):
    """The actions flip is_active for the selected coupons only."""
    on, off, other = CouponFactory(), CouponFactory(is_active=False), CouponFactory()
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "deactivate", "_selected_action": [on.pk, off.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 coupon deactivated." in response.content.decode()
    on.refresh_from_db()
    other.refresh_from_db()
    assert on.is_active is False and other.is_active is True
    admin_client.post(
        reverse(CHANGELIST), {"action": "activate", "_selected_action": [on.pk, off.pk]}
    )
    assert set(Coupon.objects.filter(is_active=True).values_list("pk", flat=True)) == {
        on.pk,
        off.pk,
        other.pk,
    }


def test_change_page_shows_redemptions_read_only(admin_client):
    """A coupon's page lists the orders that used it, with no way to add or edit them."""
    redemption = CouponRedemptionFactory(email="buyer@example.com")
    response = admin_client.get(
        reverse("admin:coupons_coupon_change", args=[redemption.coupon.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert redemption.order.number in html
    assert "buyer@example.com" in html
    inline = response.context["inline_admin_formsets"][0]
    assert inline.has_add_permission is False
    assert inline.has_change_permission is False
    assert inline.has_delete_permission is False


def test_product_scope_uses_a_searchable_widget(admin_client):
    """Products and categories are picked with autocomplete, which searches by name."""
    ProductFactory(name="Plastic bucket")
    ProductFactory(name="Steel pan")
    html = admin_client.get(reverse(ADD)).content.decode()
    assert 'data-field-name="products"' in html
    assert 'data-field-name="categories"' in html
    assert "admin-autocomplete" in html
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "plastic",
            "app_label": "coupons",
            "model_name": "coupon",
            "field_name": "products",
        },
    )
    assert found.status_code == 200
    assert [r["text"] for r in found.json()["results"]] == ["Plastic bucket"]


def test_non_staff_cannot_open_the_coupon_admin(client, customer):
    """A customer is sent to the admin login page."""
    client.force_login(customer)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("code", ["SUMMER SALE", "SUMMER!", "SÜMMER"])
def test_admin_refuses_a_code_the_api_would_refuse(admin_client, code):
    """One rule for a code: the admin shows the API's error instead of saving a code
    the API would then refuse on a PUT of its own GET."""
    response = admin_client.post(reverse(ADD), add_form(code=code))
    assert response.status_code == 200
    assert "no spaces inside" in response.content.decode()
    assert not Coupon.objects.exists()
