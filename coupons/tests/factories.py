from decimal import Decimal

import factory

from coupons.models import Coupon, CouponRedemption


class CouponFactory(factory.django.DjangoModelFactory):
    """A whole-cart 10% coupon, active and with no dates or limits."""

    class Meta:
        model = Coupon
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SAVE{n}")
    name = factory.LazyAttribute(lambda o: f"Coupon {o.code}")
    percent_off = Decimal("10.00")
    amount_off = Decimal("0.00")
    max_discount = None
    min_subtotal = Decimal("0.00")
    is_active = True

    @factory.post_generation
    def products(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.products.set(extracted)

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.categories.set(extracted)


class OrderFactory(factory.django.DjangoModelFactory):
    """A bare order, enough to hang a redemption on."""

    class Meta:
        model = "orders.Order"

    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    currency = "USD"
    subtotal = Decimal("10.00")
    total = Decimal("10.00")
    shipping_name = "A Buyer"
    shipping_address = "1 Main St"


class CouponRedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponRedemption

    coupon = factory.SubFactory(CouponFactory)
    order = factory.SubFactory(OrderFactory)
    user = None
    email = factory.LazyAttribute(lambda o: o.order.email)
