"""Coupon rules: finding a code, checking it against a cart, and counting its uses.

Validation raises :class:`shop.exceptions.CouponInvalid` with one of the reason codes of
API.md: ``coupon_invalid`` (unknown, inactive, not yet valid), ``coupon_expired``,
``coupon_not_applicable``, ``coupon_min_subtotal`` and ``coupon_used_up``.

Uses are counted from :class:`CouponRedemption` rows. Checkout records one with
:func:`coupon_redeem` inside its transaction, with the coupon row locked, so two
concurrent checkouts cannot both take the last use; an order's cancellation gives the use
back with :func:`coupon_release`.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from coupons.models import Coupon, CouponRedemption
from pricing.discounts import DiscountRule
from pricing.lines import PricingLine
from pricing.totals import price_lines
from shop.exceptions import Conflict, CouponInvalid
from shop.money import format_money, quantize

# The reason codes of API.md, one per way a coupon can be refused.
INVALID = "coupon_invalid"
EXPIRED = "coupon_expired"
NOT_APPLICABLE = "coupon_not_applicable"
MIN_SUBTOTAL = "coupon_min_subtotal"
USED_UP = "coupon_used_up"


def normalize_code(code: str) -> str:
    """The stored form of a code: no surrounding spaces, upper case."""
    return (code or "").strip().upper()


def coupon_find(*, code: str) -> Coupon:
    """The coupon with this code, whatever its case; unknown codes are ``coupon_invalid``."""
    wanted = normalize_code(code) if isinstance(code, str) else ""
    if not wanted:
        raise CouponInvalid("Enter a coupon code.", code=INVALID)
    # Compare lower-cased, as the unique index does, so that even a row written around
    # Coupon.save (which upper-cases) is found, and the functional index is used.
    coupon = (
        Coupon.objects.annotate(code_lower=Lower("code"))
        .filter(code_lower=wanted.lower())
        .first()
    )
    if coupon is None:
        raise CouponInvalid(f"The coupon code {wanted!r} is not valid.", code=INVALID)
    return coupon


def _check_dates(coupon: Coupon, now: datetime) -> None:
    if not coupon.is_active:
        raise CouponInvalid(
            f"The coupon {coupon.code} is no longer active.", code=INVALID
        )
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise CouponInvalid(f"The coupon {coupon.code} is not valid yet.", code=INVALID)
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise CouponInvalid(f"The coupon {coupon.code} has expired.", code=EXPIRED)


def coupon_redemptions_for(
    *, coupon: Coupon, user=None, email: str | None = None
) -> QuerySet[CouponRedemption]:
    """The redemptions that count against this shopper's per-user limit.

    A signed-in user's own redemptions, and guest ones made with their account's email;
    a guest's are those made with the same email (any case), signed in or not.
    """
    redemptions = CouponRedemption.objects.filter(coupon=coupon)
    if user is not None and getattr(user, "is_authenticated", False):
        mine = Q(user=user)
        if user.email:
            mine |= Q(user__isnull=True, email__iexact=user.email)
        return redemptions.filter(mine)
    if email and email.strip():
        email = email.strip()
        return redemptions.filter(Q(email__iexact=email) | Q(user__email__iexact=email))
    return redemptions.none()


def _check_uses(coupon: Coupon, *, user, email: str | None) -> None:
    if coupon.max_uses is not None:
        if CouponRedemption.objects.filter(coupon=coupon).count() >= coupon.max_uses:
            raise CouponInvalid(
                f"The coupon {coupon.code} has been used up.", code=USED_UP
            )
    if coupon.max_uses_per_user is not None:
        used = coupon_redemptions_for(coupon=coupon, user=user, email=email).count()
        if used >= coupon.max_uses_per_user:
            times = (
                "once"
                if coupon.max_uses_per_user == 1
                else (f"{coupon.max_uses_per_user} times")
            )
            raise CouponInvalid(
                f"You have already used the coupon {coupon.code} "
                f"(it can be used {times} per customer).",
                code=USED_UP,
            )


def _id_set(manager) -> frozenset[int]:
    # Use a prefetch when the caller made one; otherwise fetch the ids alone.
    cache = getattr(manager.instance, "_prefetched_objects_cache", {})
    if manager.prefetch_cache_name in cache:
        return frozenset(obj.pk for obj in cache[manager.prefetch_cache_name])
    return frozenset(manager.values_list("pk", flat=True))


def coupon_rule(coupon: Coupon) -> DiscountRule:
    """The coupon's discount as plain data for the pricing package."""
    return DiscountRule(
        percent_off=coupon.percent_off,
        amount_off=coupon.amount_off,
        max_discount=coupon.max_discount,
        product_ids=_id_set(coupon.products),
        category_ids=_id_set(coupon.categories),
    )


def coupon_validate(
    *,
    coupon: Coupon,
    lines: Sequence[PricingLine],
    user=None,
    email: str | None = None,
    now: datetime | None = None,
) -> DiscountRule:
    """Raise ``CouponInvalid`` with the reason code if the coupon cannot apply to these
    lines; else the coupon's rule it was checked with (for the caller to price with)."""
    now = now or timezone.now()
    _check_dates(coupon, now)
    if coupon.max_uses is not None:
        # The shop-wide limit first: no point telling about scope or minimum otherwise.
        _check_uses(coupon, user=None, email=None)
    rule = coupon_rule(coupon)
    # The cart's own totals: an eligible line is in scope with a total above 0, so
    # "nothing eligible" is an eligible subtotal of 0; the minimum is on the subtotal
    # the shopper sees.
    totals = price_lines(lines, rule=rule)
    if totals.eligible_subtotal <= 0:
        if rule.has_scope:
            detail = (
                f"The coupon {coupon.code} does not apply to any item in your cart."
            )
        else:
            detail = f"Add items to your cart to use the coupon {coupon.code}."
        raise CouponInvalid(detail, code=NOT_APPLICABLE)
    if totals.subtotal < coupon.min_subtotal:
        raise CouponInvalid(
            f"The coupon {coupon.code} needs a subtotal of at least "
            f"{format_money(coupon.min_subtotal, _currency())}.",
            code=MIN_SUBTOTAL,
            min_subtotal=str(quantize(coupon.min_subtotal)),
        )
    if coupon.max_uses_per_user is not None:
        _check_uses(coupon, user=user, email=email)
    return rule


def coupon_check(
    *,
    code: str,
    lines: Sequence[PricingLine],
    user=None,
    email: str | None = None,
    now: datetime | None = None,
) -> Coupon:
    """Find a code and validate it against these lines; returns the coupon."""
    coupon = coupon_find(code=code)
    coupon_validate(coupon=coupon, lines=lines, user=user, email=email, now=now)
    return coupon


@transaction.atomic
def coupon_redeem(
    *, coupon: Coupon, order, user=None, email: str = ""
) -> CouponRedemption:
    """Record one use of the coupon by ``order``, re-checking limits under the row lock.

    Checkout calls this in its transaction after ``Coupon.objects.select_for_update()``;
    the lock is taken here as well (a no-op when already held) so the count is never
    read unlocked.
    """
    locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
    _check_dates(locked, timezone.now())
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    email = (email or getattr(order, "email", "") or "").strip()
    _check_uses(locked, user=user, email=email)
    return CouponRedemption.objects.create(
        coupon=locked, order=order, user=user, email=email
    )


@transaction.atomic
def coupon_release(*, order) -> bool:
    """Give back the use an order made of its coupon (order cancelled); True if there was one."""
    deleted, _ = CouponRedemption.objects.filter(order=order).delete()
    return bool(deleted)


# --- staff management ----------------------------------------------------------------


def _currency() -> str:
    return settings.SHOP_CURRENCY


def coupon_discount_summary(coupon: Coupon) -> str:
    """A readable summary of the discount, e.g. ``20% + $5.00 off, up to $10.00``."""
    currency = _currency()
    parts = []
    if coupon.percent_off:
        parts.append(f"{coupon.percent_off.normalize():f}%")
    if coupon.amount_off:
        parts.append(format_money(coupon.amount_off, currency))
    text = (" + ".join(parts) + " off") if parts else "No discount"
    if coupon.max_discount is not None:
        text += f", up to {format_money(coupon.max_discount, currency)}"
    if coupon.min_subtotal:
        text += f", on {format_money(coupon.min_subtotal, currency)} or more"
    return text


def coupon_code_taken(*, code: str, exclude_pk: int | None = None) -> bool:
    """Whether another coupon already has this code, in any case."""
    taken = Coupon.objects.annotate(code_lower=Lower("code")).filter(
        code_lower=normalize_code(code).lower()
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


@transaction.atomic
def coupon_save(
    *,
    coupon: Coupon | None = None,
    products: Iterable | None = None,
    categories: Iterable | None = None,
    **fields,
) -> Coupon:
    """Create a coupon (``coupon=None``) or update one; scopes replaced when given."""
    coupon = coupon or Coupon()
    for name, value in fields.items():
        setattr(coupon, name, value)
    coupon.code = normalize_code(coupon.code)
    coupon.full_clean(exclude=["products", "categories"], validate_unique=False)
    coupon.save()
    if products is not None:
        coupon.products.set(products)
    if categories is not None:
        coupon.categories.set(categories)
    return coupon


@transaction.atomic
def coupon_delete(*, coupon: Coupon) -> None:
    """Delete a coupon nobody has used; a used one is kept for the order history.

    The coupon's row is locked first, as coupon_redeem locks it: a checkout redeeming
    it meanwhile either commits before the check (409 coupon_in_use) or waits. A
    coupon deleted meanwhile (two deletes at once) is already what was asked."""
    coupon = Coupon.objects.select_for_update().filter(pk=coupon.pk).first()
    if coupon is None:
        return
    if CouponRedemption.objects.filter(coupon=coupon).exists():
        raise Conflict(
            f"The coupon {coupon.code} has been used by orders and cannot be deleted; "
            "deactivate it instead.",
            code="coupon_in_use",
        )
    coupon.delete()


@transaction.atomic
def coupon_set_active(*, coupons: QuerySet[Coupon], is_active: bool) -> int:
    """Activate or deactivate coupons; returns how many changed."""
    # By primary key: the admin's queryset carries a Count annotation update() cannot take.
    ids = list(coupons.values_list("pk", flat=True))
    return (
        Coupon.objects.filter(pk__in=ids)
        .exclude(is_active=is_active)
        .update(is_active=is_active, updated_at=timezone.now())
    )
