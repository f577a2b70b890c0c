"""The budget suite's scenarios (shop/tests/test_budgets.py): each builds its data for
``n`` items on fresh users and objects and returns the request to count."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.models import Product, Variant
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    product_with_variants,
)
from conftest import client_for
from coupons.tests.factories import CouponFactory
from orders.tests.carts import cart_with
from orders.tests.factories import order_with
from orders.tests.shipping import address as shipping_address

_serial = count()
ADDRESS = {
    "email": "q@example.com",
    "shipping_name": "Q",
    "shipping_address": "1 Count Road",
}


@dataclass
class Call:
    """One request: ``client.<method>(path, **kwargs)`` expecting ``status``."""

    client: object
    method: str
    path: str
    status: int
    kwargs: dict = field(default_factory=dict)
    check: Callable | None = None  # sees the response, proves the n items were there
    # Requested once before it is counted: a page's thumbnails are made on the first.
    primed: bool = False

    def __call__(self):
        response = getattr(self.client, self.method)(self.path, **self.kwargs)
        assert response.status_code == self.status, (self.path, response.content[:500])
        if self.check is not None:
            self.check(response)
        return response


def plain_products(n, **extra):
    return [
        ProductFactory(price=Decimal("10.00") + i, stock=100, **extra) for i in range(n)
    ]


def _product_of(variants: int, images: int, *, sizes=None, **extra) -> Product:
    """A product in ``variants`` sizes (named ``sizes``) with ``images`` pictures, each
    variant showing one of them (the first ones their own)."""
    sizes = sizes or [f"Size {i}" for i in range(variants)]
    product = product_with_variants(
        options={"Size": sizes},
        variants=[
            {"options": {"Size": size}, "price": Decimal("10.00") + i, "stock": 50}
            for i, size in enumerate(sizes)
        ],
        **extra,
    )
    pictures = [ProductImageFactory(product=product) for _ in range(images)]
    for i, variant in enumerate(product.variants.order_by("pk")):
        Variant.objects.filter(pk=variant.pk).update(image=pictures[i % images])
    return product


def _many_variants(n) -> Product:
    """The "n items" of a product: n variants and as many pictures, up to 20."""
    return _product_of(n, min(n, 20))


def _json_count(key, n):
    def check(response):
        assert len(response.json()[key]) == n

    return check


# --- the scenarios ---------------------------------------------------------------------


def product_list(n):
    # Each product has its own seller and category (the factories' sub-factories).
    plain_products(n)
    return Call(
        client_for(UserFactory()), "get", "/api/v1/products/?page_size=100", 200,
        check=lambda r: len(r.json()["results"]) >= n,
    )  # fmt: skip


def product_list_search(n):
    for _ in range(n):
        ProductFactory(
            name=f"Copper kettle {next(_serial)}", description="Boils water."
        )
    return Call(
        client_for(UserFactory()), "get", "/api/v1/products/?search=kettle&page_size=100",
        200,
    )  # fmt: skip


def product_list_category(n):
    parent = CategoryFactory()
    for _ in range(n):
        ProductFactory(category=CategoryFactory(parent=parent))
    path = f"/api/v1/products/?category={parent.slug}&page_size=100"
    return Call(
        client_for(UserFactory()), "get", path, 200, check=_json_count("results", n)
    )


def product_list_variants(n):
    # Three products of n variants and up to 20 pictures each.
    for _ in range(3):
        _many_variants(n)

    def check(response):
        for product in response.json()["results"][:3]:
            assert len(product["variants"]) == n
            assert len(product["images"]) == min(n, 20)

    return Call(
        client_for(UserFactory()), "get", "/api/v1/products/?page_size=100", 200,
        check=check,
    )  # fmt: skip


def product_list_option(n):
    # The option filter, on n products in sizes of their own (and one that lacks the
    # size asked for).
    sizes = [f"S{next(_serial)}", f"M{next(_serial)}"]
    for _ in range(n):
        _product_of(2, 1, sizes=sizes)
    _product_of(1, 1, sizes=sizes[:1])
    path = f"/api/v1/products/?option=Size:{sizes[1]}&in_stock=true&page_size=100"
    return Call(
        client_for(UserFactory()), "get", path, 200, check=_json_count("results", n)
    )


def product_detail(n):
    # "n items" for a detail: a catalog of n products around the one asked for.
    products = plain_products(n)
    return Call(
        client_for(UserFactory()), "get", f"/api/v1/products/{products[-1].pk}/", 200
    )


def product_detail_variants(n):
    product = _many_variants(n)

    def check(response):
        assert len(response.json()["variants"]) == n
        assert len(response.json()["images"]) == min(n, 20)

    return Call(
        client_for(UserFactory()), "get", f"/api/v1/products/{product.pk}/", 200,
        check=check,
    )  # fmt: skip


def category_list(n):
    parent = CategoryFactory()
    for _ in range(n):
        CategoryFactory(parent=parent)  # the parent's slug is rendered
    return Call(
        client_for(UserFactory()), "get", "/api/v1/categories/?page_size=100", 200
    )


def seller_list(n):
    for _ in range(n):
        ProductFactory()  # a new seller each, with one product to count
    return Call(client_for(UserFactory()), "get", "/api/v1/sellers/?page_size=100", 200)


def cart_view(n):
    user = UserFactory()
    cart_with([(p, 1) for p in plain_products(n)], user=user)
    return Call(
        client_for(user), "get", "/api/v1/cart/", 200, check=_json_count("items", n)
    )


def cart_view_variants(n):
    # n variants of one product, each line with its own picture.
    user = UserFactory()
    cart_with([(v, 1) for v in _many_variants(n).variants.all()], user=user)
    return Call(
        client_for(user), "get", "/api/v1/cart/", 200, check=_json_count("items", n)
    )


def cart_view_with_coupon(n):
    user = UserFactory()
    category = CategoryFactory()
    coupon = CouponFactory(categories=[category])
    products = [
        ProductFactory(category=CategoryFactory(parent=category)) for _ in range(n)
    ]
    cart_with([(p, 1) for p in products], user=user, coupon=coupon.code)

    def check(response):
        assert len(response.json()["items"]) == n
        assert response.json()["coupon"]["code"] == coupon.code

    return Call(client_for(user), "get", "/api/v1/cart/", 200, check=check)


def cart_add(n):
    # A variant of a product of three added to a cart of n variants of another.
    user = UserFactory()
    cart_with([(v, 1) for v in _many_variants(n).variants.all()], user=user)
    new = _product_of(3, 1).variants.first()
    return Call(
        client_for(user), "post", "/api/v1/cart/items/", 200,
        {"data": {"variant_id": new.pk, "quantity": 1}, "format": "json"},
        check=_json_count("items", n + 1),
    )  # fmt: skip


def cart_add_product(n):
    # A one-variant product added by its product_id.
    user = UserFactory()
    cart_with([(p, 1) for p in plain_products(n)], user=user)
    new = ProductFactory(stock=5)
    return Call(
        client_for(user), "post", "/api/v1/cart/items/", 200,
        {"data": {"product_id": new.pk, "quantity": 1}, "format": "json"},
        check=_json_count("items", n + 1),
    )  # fmt: skip


def checkout(n):
    # n variant lines: variants of one product, each with its picture.
    user = UserFactory()
    cart_with([(v, 1) for v in _many_variants(n).variants.all()], user=user)
    return Call(
        client_for(user), "post", "/api/v1/orders/", 201,
        {"data": ADDRESS, "format": "json"}, check=_json_count("items", n),
    )  # fmt: skip


def checkout_products(n):
    # n lines of one-variant products.
    user = UserFactory()
    cart_with([(p, 1) for p in plain_products(n)], user=user)
    return Call(
        client_for(user), "post", "/api/v1/orders/", 201,
        {"data": ADDRESS, "format": "json"}, check=_json_count("items", n),
    )  # fmt: skip


def checkout_with_coupon(n):
    user = UserFactory()
    category = CategoryFactory()
    coupon = CouponFactory(categories=[category])
    products = [ProductFactory(category=category, stock=10) for _ in range(n)]
    cart_with([(p, 1) for p in products], user=user, coupon=coupon.code)

    def check(response):
        assert len(response.json()["items"]) == n
        assert response.json()["coupon_code"] == coupon.code

    return Call(
        client_for(user), "post", "/api/v1/orders/", 201,
        {"data": ADDRESS, "format": "json"}, check=check,
    )  # fmt: skip


def checkout_with_shipping(n):
    # n lines, a structured address and a flat method, taxed by the country's rate.
    from orders.models import ShippingZone
    from orders.tests.shipping import flat, tax, zone

    us = ShippingZone.objects.filter(name="Budget").first()
    if us is None:
        us = zone("Budget", ["US"])
        tax("US", "0.0725")
    method = flat(us, "4.90")
    user = UserFactory()
    cart_with([(p, 1) for p in plain_products(n)], user=user)
    body = {"shipping_address": shipping_address(), "shipping_method": method.pk}
    return Call(
        client_for(user), "post", "/api/v1/orders/", 201,
        {"data": body, "format": "json"}, check=_json_count("items", n),
    )  # fmt: skip


def order_list(n):
    user = UserFactory()
    products = plain_products(2)
    for _ in range(n):
        order_with(products_and_quantities=[(p, 1) for p in products], user=user)
    return Call(
        client_for(user), "get", "/api/v1/orders/?page_size=100", 200,
        check=_json_count("results", n),
    )  # fmt: skip


def order_detail(n):
    user = UserFactory()
    variants = _many_variants(n).variants.all()
    order = order_with(products_and_quantities=[(v, 1) for v in variants], user=user)
    return Call(
        client_for(user), "get", f"/api/v1/orders/{order.number}/", 200,
        check=_json_count("items", n),
    )  # fmt: skip


def coupon_list(n):
    for _ in range(n):
        CouponFactory(
            products=plain_products(2),
            categories=[CategoryFactory(), CategoryFactory()],
        )
    staff = UserFactory(is_staff=True)
    return Call(client_for(staff), "get", "/api/v1/coupons/?page_size=100", 200)


def catalog_page(n):
    for product in plain_products(n):
        ProductImageFactory(product=product)
    return Call(Client(), "get", "/", 200, primed=True)


def catalog_page_variants(n):
    # Cards of products of n variants and up to 20 pictures.
    for _ in range(3):
        _many_variants(n)
    return Call(Client(), "get", "/", 200, primed=True)


def product_page(n):
    # The storefront's product page: pickers of n values, a gallery of up to 20.
    product = _many_variants(n)

    def check(response):  # the gallery's thumbnails, when there is more than one
        shown = min(n, 20)
        assert response.content.count(b'data-image-id="') == (shown if shown > 1 else 0)

    path = f"{product.get_absolute_url()}?Size=Size 0"
    return Call(Client(), "get", path, 200, check=check, primed=True)


def catalog_page_search(n):
    for _ in range(n):
        ProductFactory(name=f"Speckled mug {next(_serial)}")
    return Call(Client(), "get", "/?q=mug", 200)


def cart_page(n):
    # n variant lines, each showing its variant's picture.
    user = UserFactory()
    cart_with([(v, 1) for v in _many_variants(n).variants.all()], user=user)
    client = Client()
    client.force_login(user)

    def check(response):
        assert len(response.context["summary"]["items"]) == n

    return Call(client, "get", "/cart/", 200, check=check, primed=True)
