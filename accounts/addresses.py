"""The address book: services that write a user's addresses and the selector that reads one.

Rules (API.md "Addresses of the signed-in user"): one default at most per user (the
database's partial unique index is the backstop); a user's first address becomes the
default; deleting the default makes the oldest remaining address the default. Changes of
the default lock the user's row first, so two concurrent requests take turns instead of
both unsetting and both setting.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Address, User
from shop.exceptions import NotFound

#: The fields a client may write (the API's body and the form's, without is_default).
ADDRESS_FIELDS = (
    "name",
    "line1",
    "line2",
    "city",
    "postcode",
    "region",
    "country",
    "phone",
)


def addresses_of(*, user: User) -> QuerySet[Address]:
    """The user's addresses, the default first, then oldest first."""
    return Address.objects.filter(user=user).order_by("-is_default", "id")


def address_for_user(*, user: User, address_id: object) -> Address:
    """One of the user's addresses; another user's, or an unknown id, is a 404."""
    try:
        address_id = int(address_id)
    except (TypeError, ValueError):
        raise NotFound("No such address.") from None
    if not 0 < address_id < 2**63:  # beyond a bigint PostgreSQL would refuse the query
        raise NotFound("No such address.")
    address = addresses_of(user=user).filter(pk=address_id).first()
    if address is None:
        raise NotFound("No such address.")
    return address


def _lock_user(user: User) -> None:
    # Serialises every change to one user's address book (the default in particular).
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def _clean_and_save(address: Address) -> Address:
    # The model's validators check the country code and the phone number; the user and
    # timestamps are not the client's to get wrong.
    address.full_clean(exclude=["user", "is_default"])
    address.save()
    return address


def _unknown_fields(fields: dict) -> None:
    unknown = sorted(set(fields) - set(ADDRESS_FIELDS))
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})


@transaction.atomic
def address_create(*, user: User, is_default: bool = False, **fields) -> Address:
    """Add an address to the user's book; the first one, or ``is_default``, is the default."""
    _unknown_fields(fields)
    _lock_user(user)
    address = Address(user=user, **fields)
    make_default = is_default or not Address.objects.filter(user=user).exists()
    if make_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    address.is_default = make_default
    return _clean_and_save(address)


@transaction.atomic
def address_update(
    *, user: User, address_id: object, is_default: bool | None = None, **fields
) -> Address:
    """Change some fields of one of the user's addresses (a 404 if it is not theirs)."""
    _unknown_fields(fields)
    _lock_user(user)
    address = address_for_user(user=user, address_id=address_id)
    for name, value in fields.items():
        setattr(address, name, value)
    if is_default is True and not address.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
        address.is_default = True
    elif is_default is False and address.is_default:
        # Unsetting the default leaves the book without one, as the client asked.
        address.is_default = False
    return _clean_and_save(address)


@transaction.atomic
def address_set_default(*, user: User, address_id: object) -> Address:
    """Make one of the user's addresses the default, and no other."""
    return address_update(user=user, address_id=address_id, is_default=True)


@transaction.atomic
def address_delete(*, user: User, address_id: object) -> None:
    """Delete one of the user's addresses; if it was the default, the oldest left is."""
    _lock_user(user)
    address = address_for_user(user=user, address_id=address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])
