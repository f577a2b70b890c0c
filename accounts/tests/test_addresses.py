"""The address book: ``/api/v1/me/addresses/`` and the services behind it (API.md
"Addresses of the signed-in user")."""

import pytest
from django.db import IntegrityError, transaction

from accounts.addresses import (
    address_create,
    address_delete,
    address_for_user,
    address_set_default,
    address_update,
)
from accounts.api.serializers import AddressSerializer
from accounts.forms import AddressForm
from accounts.models import Address
from accounts.tests.factories import UserFactory
from conftest import client_for
from shop.exceptions import NotFound

pytestmark = pytest.mark.django_db

ADDRESSES = "/api/v1/me/addresses/"
HOME = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postcode": "SW1Y 4JH",
    "region": "",
    "country": "GB",
    "phone": "+44 20 7946 0958",
}


def add(user, **changes) -> Address:
    return address_create(user=user, **{**HOME, **changes})


def defaults_of(user) -> list[int]:
    return list(
        Address.objects.filter(user=user, is_default=True).values_list("pk", flat=True)
    )


# --- services ---------------------------------------------------------------------


def test_the_first_address_becomes_the_default(customer):
    """A user's first address is the default; the next ones are not, unless asked."""
    first = add(customer)
    second = add(customer, line1="1 Other Street")

    assert defaults_of(customer) == [first.pk]
    assert second.is_default is False


def test_a_new_default_unsets_the_old_one(customer):
    """Adding with is_default, or setting a default, leaves exactly one default."""
    first = add(customer)
    second = add(customer, line1="2 Road", is_default=True)
    assert defaults_of(customer) == [second.pk]

    address_set_default(user=customer, address_id=first.pk)

    assert defaults_of(customer) == [first.pk]


def test_deleting_the_default_promotes_the_oldest_left(customer):
    """Deleting the default makes the oldest remaining address the default; deleting
    the last one leaves none."""
    first = add(customer)
    second = add(customer, line1="2 Road")
    third = add(customer, line1="3 Road")

    address_delete(user=customer, address_id=first.pk)
    assert defaults_of(customer) == [second.pk]
    address_delete(user=customer, address_id=third.pk)
    assert defaults_of(customer) == [second.pk]
    address_delete(user=customer, address_id=second.pk)
    assert not Address.objects.filter(user=customer).exists()


def test_another_users_address_is_not_found(customer):
    """address_for_user, update and delete refuse another user's address with the
    404 ShopError, as they do an unknown or absurd id."""
    theirs = add(UserFactory())

    for address_id in (theirs.pk, 0, -1, 2**70, "x", None):
        with pytest.raises(NotFound):
            address_for_user(user=customer, address_id=address_id)
    with pytest.raises(NotFound):
        address_update(user=customer, address_id=theirs.pk, city="Paris")
    with pytest.raises(NotFound):
        address_delete(user=customer, address_id=theirs.pk)
    assert Address.objects.get(pk=theirs.pk).city == "London"


def test_the_services_refuse_a_bad_country_or_phone(customer):
    """address_create checks the country code and the phone (the checkout calls it with
    fields of its own): a field map, and nothing is saved."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        add(customer, country="XX", phone="12")

    assert set(exc.value.message_dict) == {"country", "phone"}
    assert not Address.objects.exists()


def test_the_database_holds_one_default_per_user(customer):
    """Two defaults for one user break the partial unique index, whatever the code."""
    add(customer)

    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=customer, is_default=True, **{**HOME, "phone": ""})


def test_address_serializer_and_form_take_the_same_fields():
    """AddressSerializer (the checkout's shipping_address) and AddressForm read the same
    fields, without id and is_default, and refuse the same bad ones."""
    body = {**HOME, "country": "DE", "phone": ""}
    serializer = AddressSerializer(data=body)
    form = AddressForm(data=body)

    assert serializer.is_valid(), serializer.errors
    assert form.is_valid(), form.errors
    assert set(serializer.validated_data) == set(form.cleaned_data) == set(HOME)
    bad = {**HOME, "country": "XX", "phone": "12"}
    bad_serializer = AddressSerializer(data=bad)
    assert not bad_serializer.is_valid()
    assert set(bad_serializer.errors) == {"country", "phone"}
    assert set(AddressForm(data=bad).errors) == {"country", "phone"}


# --- API --------------------------------------------------------------------------


def test_create_list_retrieve(customer_client, customer):
    """POST answers 201 with the exact shape; the list is paginated, the default first."""
    response = customer_client.post(ADDRESSES, HOME, format="json")

    assert response.status_code == 201
    created = response.json()
    address = Address.objects.get()
    assert created == {
        "id": address.pk,
        **HOME,
        "phone": "+442079460958",
        "is_default": True,
    }
    second = customer_client.post(
        ADDRESSES, {**HOME, "line1": "2 Road", "phone": ""}, format="json"
    ).json()
    assert second["phone"] == "" and second["is_default"] is False
    listing = customer_client.get(ADDRESSES).json()
    assert listing["count"] == 2
    assert listing["next"] is None and listing["previous"] is None
    assert [a["id"] for a in listing["results"]] == [address.pk, second["id"]]
    assert customer_client.get(f"{ADDRESSES}{address.pk}/").json() == created


def test_optional_fields_may_be_left_out(customer_client):
    """line2, region and phone may be left out: they are empty."""
    body = {k: v for k, v in HOME.items() if k not in ("line2", "region", "phone")}

    response = customer_client.post(ADDRESSES, body, format="json")

    assert response.status_code == 201
    assert response.json()["line2"] == response.json()["phone"] == ""


@pytest.mark.parametrize(
    "change, field",
    [
        ({"country": "XX"}, "country"),
        ({"country": "GBR"}, "country"),
        ({"country": "Germany"}, "country"),
        ({"country": 49}, "country"),
        ({"phone": "12"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": 442079460958}, "phone"),
        ({"name": ""}, "name"),
        ({"postcode": "x" * 21}, "postcode"),
        ({"city": None}, "city"),
    ],
)
def test_bad_fields_are_400(customer_client, change, field):
    """An unknown country (only alpha-2 codes), a bad phone or a missing field is a 400
    on that field; nothing is saved."""
    response = customer_client.post(ADDRESSES, {**HOME, **change}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Address.objects.exists()


def test_patch_put_and_make_default(customer_client, customer):
    """PATCH changes the fields given; is_default true moves the default; PUT replaces."""
    first = add(customer)
    second = add(customer, line1="2 Road")
    url = f"{ADDRESSES}{second.pk}/"

    patched = customer_client.patch(
        url, {"city": "Leeds", "is_default": True}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["city"] == "Leeds" and patched.json()["is_default"] is True
    assert defaults_of(customer) == [second.pk]

    put = customer_client.put(
        f"{ADDRESSES}{first.pk}/", {**HOME, "country": "FR", "phone": ""}, format="json"
    )
    assert put.status_code == 200
    assert put.json()["country"] == "FR" and put.json()["is_default"] is False
    assert customer_client.patch(url, {"phone": "12"}, format="json").status_code == 400


def test_delete(customer_client, customer):
    """DELETE is 204; the next address becomes the default; again it is 404."""
    first = add(customer)
    second = add(customer, line1="2 Road")

    assert customer_client.delete(f"{ADDRESSES}{first.pk}/").status_code == 204
    assert customer_client.delete(f"{ADDRESSES}{first.pk}/").status_code == 404
    assert defaults_of(customer) == [second.pk]


def test_another_users_address_is_404(customer_client):
    """Another user's address is 404 for every method, and is left as it was; their
    addresses are not listed."""
    other = UserFactory()
    theirs = add(other)
    url = f"{ADDRESSES}{theirs.pk}/"

    assert customer_client.get(url).status_code == 404
    assert customer_client.patch(url, {"city": "X"}, format="json").status_code == 404
    assert customer_client.put(url, HOME, format="json").status_code == 404
    assert customer_client.delete(url).status_code == 404
    assert customer_client.get(ADDRESSES).json()["count"] == 0
    assert Address.objects.get(pk=theirs.pk).city == "London"
    assert client_for(other).get(url).status_code == 200


def test_anonymous_is_401(api_client):
    """The address book needs a JWT."""
    assert api_client.get(ADDRESSES).status_code == 401
    assert api_client.post(ADDRESSES, HOME, format="json").status_code == 401


def test_unknown_ids_are_404(customer_client):
    """A huge or non-numeric id is a 404, never a 500."""
    assert customer_client.get(f"{ADDRESSES}{2**70}/").status_code == 404
    assert customer_client.get(f"{ADDRESSES}abc/").status_code == 404
