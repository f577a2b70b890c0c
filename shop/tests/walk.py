"""The world the permission walk runs in (shop/tests/test_permissions_walk.py): one of
everything (products with and without variants, an image, orders, a coupon, carts) and a
client per kind of caller."""

import io
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.addresses import address_create
from accounts.models import Address
from accounts.tests.factories import UserFactory
from accounts.tokens import email_verification_token, uid_for
from cart.cart import Cart, new_token
from cart.store import CartLine, get_store
from catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductOption,
    StockMovement,
    Variant,
)
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    product_with_variants,
)
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory
from orders.models import Order, ShippingMethod, ShippingZone, TaxRate, ZoneCountry
from orders.shipping import method_save, tax_rate_save, zone_save
from orders.tests.factories import order_with

ROLES = ("anonymous", "guest", "customer", "seller", "other_seller", "staff")
USERS = ("customer", "seller", "other_seller", "staff")
PRODUCT_BODY = {
    "name": "Walked product", "price": "12.50", "category": "{category}", "stock": 3,
    "description": "made by the walk",
}  # fmt: skip


class World:
    """One of everything, and a client per caller; carts hold a line of ``product``."""

    def __init__(self):
        self.users = {
            "customer": UserFactory(role="customer"),
            "seller": UserFactory(role="seller"),
            "other_seller": UserFactory(role="seller"),
            "staff": UserFactory(is_staff=True, is_superuser=True),
        }
        self.login_user = UserFactory(email="walker@example.com")
        category = CategoryFactory(name="Walk things")
        self.empty_category = CategoryFactory(name="Empty shelf")
        self.product_obj = ProductFactory(
            seller=self.users["seller"],
            category=category,
            price=Decimal("10.00"),
            stock=50,
        )
        self.archived_obj = ProductFactory(
            seller=self.users["seller"], category=category, is_active=False
        )
        self.tee_obj = product_with_variants(
            options={"Size": ["S", "M", "L"]},
            variants=[
                {"options": {"Size": "S"}, "sku": "WALK-TEE-S", "stock": 5},
                {"options": {"Size": "M"}, "sku": "WALK-TEE-M", "stock": 5},
            ],
            seller=self.users["seller"],
            category=category,
            name="Walk tee",
        )
        self.image_obj = ProductImageFactory(product=self.product_obj, alt="Walked")
        # Sold out: people may ask to be mailed when it is back (notify-me).
        self.sold_out_obj = ProductFactory(
            seller=self.users["seller"], category=category, stock=0
        )
        self.coupon_obj = CouponFactory(code="WALK10")
        customer = self.users["customer"]
        line = [(self.product_obj, 1)]
        self.customer_order_obj = order_with(
            products_and_quantities=line, user=customer, email=customer.email
        )
        self.paid_order_obj = order_with(
            products_and_quantities=line, user=customer, email=customer.email,
            status=Order.Status.PAID,
        )  # fmt: skip
        self.guest_order_obj = order_with(
            products_and_quantities=line, email="g@example.com"
        )

        self.guest_cart_token = new_token()
        self.spare_cart_token = new_token()
        store = get_store()
        self.cart_ids = {"guest": f"anon:{self.guest_cart_token}"}
        self.cart_ids.update(
            {role: Cart.for_user(user).id for role, user in self.users.items()}
        )
        variant = self.variant_obj
        for cart_id in self.cart_ids.values():
            store.add(cart_id, CartLine(variant.pk, 1, variant.price))
        store.add(
            f"anon:{self.spare_cart_token}", CartLine(variant.pk, 2, Decimal("10.00"))
        )

        self.login_refresh = str(RefreshToken.for_user(self.login_user))
        # The links mailed to login_user (password reset, email verification).
        self.login_uid = uid_for(self.login_user)
        self.login_reset_token = default_token_generator.make_token(self.login_user)
        self.login_verify_token = email_verification_token.make_token(self.login_user)
        self.customer_address_obj = address_create(
            user=customer, name="C. Ustomer", line1="1 Walk Way", city="Leeds",
            postcode="LS1 1AA", country="GB",
        )  # fmt: skip
        # The shop ships (to GB and the US): checkout takes an address and a method.
        self.zone_obj = zone_save(name="Walk zone", countries=["GB", "US"])
        self.method_obj = method_save(
            zone=self.zone_obj, name="Walk post", kind="flat", price=Decimal("3.00")
        )
        self.tax_rate_obj = tax_rate_save(country="GB", rate=Decimal("0.2"))

    @property
    def variant_obj(self) -> Variant:
        return self.product_obj.variants.get()

    def client(self, role: str, **headers) -> APIClient:
        if role == "anonymous":
            client = APIClient()
        elif role == "guest":
            client = APIClient()
            headers = {
                "HTTP_X_CART_TOKEN": self.guest_cart_token,
                "HTTP_X_ORDER_TOKEN": self.guest_order_obj.access_token,
                **headers,
            }
        else:
            token = RefreshToken.for_user(self.users[role]).access_token
            client = APIClient()
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
        client.credentials(**headers)
        return client

    def values(self, role: str) -> dict[str, str]:
        return {
            "role": role.replace("_", ""),
            "login_email": self.login_user.email,
            "login_refresh": self.login_refresh,
            "category": self.product_obj.category.slug,
            "empty_category": self.empty_category.slug,
            "product": str(self.product_obj.pk),
            "variant": str(self.variant_obj.pk),
            "archived": str(self.archived_obj.pk),
            "archived_variant": str(self.archived_obj.variants.get().pk),
            "tee": str(self.tee_obj.pk),
            "sold_out_variant": str(self.sold_out_obj.variants.get().pk),
            "tee_variant": str(self.tee_obj.variants.order_by("pk").first().pk),
            "image": str(self.image_obj.pk),
            "seller_id": str(self.users["seller"].pk),
            "coupon": str(self.coupon_obj.pk),
            "coupon_code": self.coupon_obj.code,
            "spare_cart_token": self.spare_cart_token,
            "customer_order": self.customer_order_obj.number,
            "paid_order": self.paid_order_obj.number,
            "guest_order": self.guest_order_obj.number,
            "login_uid": self.login_uid,
            "login_reset_token": self.login_reset_token,
            "login_verify_token": self.login_verify_token,
            "customer_address": str(self.customer_address_obj.pk),
            "shipping_zone": str(self.zone_obj.pk),
            "shipping_method": str(self.method_obj.pk),
            "tax_rate": str(self.tax_rate_obj.pk),
        }

    def snapshot(self) -> dict:
        """Everything a refused request must leave as it was."""
        store = get_store()
        carts = {
            cart_id: (cart.lines, cart.coupon)
            for cart_id in [*self.cart_ids.values(), f"anon:{self.spare_cart_token}"]
            for cart in [store.read(cart_id)]
        }
        return {
            "products": list(Product.objects.order_by("pk").values()),
            "options": list(ProductOption.objects.order_by("pk").values()),
            "variants": list(Variant.objects.order_by("pk").values()),
            "images": list(ProductImage.objects.order_by("pk").values()),
            "movements": list(StockMovement.objects.order_by("pk").values()),
            "categories": list(Category.objects.order_by("pk").values()),
            "coupons": list(Coupon.objects.order_by("pk").values()),
            "orders": list(
                Order.objects.order_by("pk").values("number", "status", "total")
            ),
            "carts": carts,
            "addresses": list(Address.objects.order_by("pk").values()),
            "shipping": [
                list(model.objects.order_by("pk").values())
                for model in (ShippingZone, ZoneCountry, ShippingMethod, TaxRate)
            ],
        }


# ids sent as JSON numbers
INTEGER_VALUES = {"{product}", "{seller_id}", "{tee}", "{tee_variant}",
                  "{shipping_zone}", "{shipping_method}"}  # fmt: skip


def a_picture() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile("walk.png", buffer.getvalue(), content_type="image/png")


def fill(template, values):
    if isinstance(template, str):
        filled = template.format(**values)
        return int(filled) if template in INTEGER_VALUES else filled
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template
