"""The demo coupon of ``make run``: WELCOME10, 10% off the whole cart. Idempotent: a
coupon with that code is left as it is."""

from decimal import Decimal

from django.core.management.base import BaseCommand

from coupons.services import (
    coupon_code_taken,
    coupon_discount_summary,
    coupon_find,
    coupon_save,
)

DEMO_COUPON = {
    "code": "WELCOME10",
    "name": "10% off your first order",
    "percent_off": Decimal("10"),
}


class Command(BaseCommand):
    help = "Create the demo coupon (WELCOME10) unless it exists, and print it."

    def handle(self, *args, **options):
        if coupon_code_taken(code=DEMO_COUPON["code"]):
            coupon = coupon_find(code=DEMO_COUPON["code"])
        else:
            coupon = coupon_save(**DEMO_COUPON)
        self.stdout.write(
            f"\nDemo coupon: {coupon.code} ({coupon_discount_summary(coupon)}); "
            "type it in the cart."
        )
