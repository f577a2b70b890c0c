"""Schema fuzzing: schemathesis drives every operation of ``/api/schema/`` in-process.

Each operation is fuzzed as each kind of client (anonymous, a guest holding a cart and an
order token, a customer, a seller and staff, the last three with a JWT) with positive and
negative data. Every response must be a non-5xx that the schema documents: status code,
content type, headers and body. Path parameters and a few body fields are steered towards
the seeded objects part of the time, so success paths are reached as well as 400/404s.

Each example runs inside a savepoint that is rolled back, and the carts' Redis is flushed
and re-seeded, so every example starts from the same shop. Bounded and derandomized:
reproducible, and the whole file runs in a few minutes on 2 cores.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import zlib
from collections import Counter
from decimal import Decimal

import pytest
import responses
import schemathesis
from django.contrib.auth.tokens import default_token_generator
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django_redis import get_redis_connection
from drf_spectacular.generators import EndpointEnumerator
from hypothesis import HealthCheck, given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.addresses import address_create
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tokens import email_verification_token, uid_for
from cart.cart import Cart
from cart.store import CartLine, get_store
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    product_with_variants,
)
from coupons.tests.factories import CouponFactory
from orders.models import Order
from orders.shipping import method_save, tax_rate_save, zone_save
from orders.tests.carts import cart_with
from orders.tests.factories import order_with

SCHEMA_PATH = "/api/schema/"
ROLES = ("anonymous", "guest", "customer", "seller", "staff")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and role, positive and negative data mixed. CI keeps the default;
# SHOP_FUZZ_EXAMPLES=200 makes a deeper run (still reproducible: the seeds are fixed).
MAX_EXAMPLES = int(os.environ.get("SHOP_FUZZ_EXAMPLES", "12"))
OUTAGE_EXAMPLES = 3
GUEST_CART_TOKEN = "G" * 32
FACEBOOK_TOKEN = "fb-valid-token"
GRAPH = re.compile(r"https://graph\.facebook\.com/v[\d.]+/me.*")
COUPON_CODE = "FUZZ10"


@functools.cache
def wsgi_app():
    return get_wsgi_application()


@functools.cache
def load_schema():
    """The shop's own schema, fetched over WSGI from /api/schema/."""
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app())


def _operations() -> dict[str, object]:
    return {
        result.ok().label: result.ok() for result in load_schema().get_all_operations()
    }


OPERATIONS = _operations()


class Shop:
    """The seeded objects each example may aim at, and the credentials of each role."""

    def __init__(self):
        self.customer = UserFactory(role="customer", email="fuzz-customer@example.com")
        self.seller = UserFactory(role="seller")
        self.staff = UserFactory(is_staff=True, is_superuser=True)
        self.root = CategoryFactory(slug="tools", name="Tools")
        self.child = CategoryFactory(slug="hammers", name="Hammers", parent=self.root)
        self.empty = CategoryFactory(slug="empty", name="Empty")
        self.hammer = ProductFactory(
            seller=self.seller, category=self.child, price=Decimal("19.90"), stock=5000
        )
        self.saw = ProductFactory(
            seller=self.seller, category=self.root, price=Decimal("5.00"), stock=2000
        )
        # A product in sizes (L not made yet), with a picture for each.
        self.tee = product_with_variants(
            options={"Size": ["S", "M", "L"]},
            variants=[
                {"options": {"Size": size}, "sku": f"FUZZ-TEE-{size}", "stock": 500}
                for size in ("S", "M")
            ],
            seller=self.seller,
            category=self.child,
            price=Decimal("12.00"),
        )
        self.tee_images = [ProductImageFactory(product=self.tee) for _ in range(2)]
        # Sold out: what notify-me takes (in stock it is a 400).
        self.lamp = ProductFactory(
            seller=self.seller, category=self.root, price=Decimal("9.00"), stock=0
        )
        self.variants = [
            self.hammer.variants.get(),
            self.saw.variants.get(),
            *self.tee.variants.order_by("pk"),
        ]
        self.coupon = CouponFactory(code=COUPON_CODE)
        self.pending = order_with(
            products_and_quantities=[(self.hammer, 1)],
            user=self.customer,
            email=self.customer.email,
        )
        self.paid = order_with(
            products_and_quantities=[(self.saw, 2)],
            user=self.customer,
            email=self.customer.email,
            status=Order.Status.PAID,
        )
        self.guest_order = order_with(products_and_quantities=[(self.saw, 1)])
        self.address = address_create(
            user=self.customer, name="Fuzz Customer", line1="1 Fuzz Road",
            city="Leeds", postcode="LS1 1AA", country="GB", phone="+442079460958",
        )  # fmt: skip
        # The parts of the links mailed to the customer (reset, verification).
        self.customer_uid = uid_for(self.customer)
        self.link_tokens = {
            "/api/v1/auth/password-reset/confirm/": default_token_generator.make_token(
                self.customer
            ),
            "/api/v1/auth/email/verify/": email_verification_token.make_token(
                self.customer
            ),
        }
        # The shop ships to the US and GB (flat), US orders taxed by the US rate.
        self.zone = zone_save(name="Fuzz zone", countries=["US", "GB"])
        self.method = method_save(zone=self.zone, name="Fuzz post", kind="flat",
                                  price=Decimal("3.00"))  # fmt: skip
        self.tax_rate = tax_rate_save(country="US", rate=Decimal("0.0725"))
        self.refresh = {
            role: str(RefreshToken.for_user(self.user(role))) for role in ROLES[2:]
        }
        self.access = {
            role: str(RefreshToken.for_user(self.user(role)).access_token)
            for role in ROLES[2:]
        }

    def user(self, role):
        return {
            "customer": self.customer,
            "seller": self.seller,
            "staff": self.staff,
        }.get(role)

    def seed_carts(self):
        """The carts live in Redis, outside the rolled-back transaction: its database
        (the carts', the throttles' windows) is flushed, as before each test."""
        get_redis_connection("default").flushdb()
        tee_s, tee_m = self.variants[2:]
        cart_with(
            [(self.hammer, 2), (self.saw, 1), (tee_m, 1)],
            coupon=COUPON_CODE,
            user=self.customer,
        )
        cart_with([(self.saw, 1)], user=self.seller)
        cart_with([(self.hammer, 1), (tee_s, 2)], user=self.staff)
        # A fixed token, so that examples (and their replays) are reproducible.
        guest = Cart.for_token(GUEST_CART_TOKEN)
        store = get_store()
        store.touch(guest.id)
        store.add(guest.id, CartLine(self.variants[0].pk, 1, self.hammer.price))
        store.add(guest.id, CartLine(tee_m.pk, 1, tee_m.price))

    def path_values(self, path: str, name: str) -> list:
        if path.endswith("/notify-me/"):
            return [self.lamp.variants.get().pk, self.variants[0].pk]
        if name == "variant_id" or path.startswith("/api/v1/variants/"):
            return [v.pk for v in self.variants]
        if name == "image_id":
            return [image.pk for image in self.tee_images]
        if path.startswith("/api/v1/products/{id}/"):  # the tee has options, images
            return [self.tee.pk, self.hammer.pk, self.saw.pk]
        if path.startswith("/api/v1/products/"):
            return [self.hammer.pk, self.saw.pk, self.tee.pk]
        if name == "slug":
            return [self.empty.slug, self.child.slug, self.root.slug]
        if name == "number" and path.endswith("/refunds/"):  # only a paid order
            return [self.paid.number, self.pending.number]
        if name == "number":
            return [self.pending.number, self.paid.number, self.guest_order.number]
        if path.startswith("/api/v1/coupons/"):
            return [self.coupon.pk]
        if path.startswith("/api/v1/sellers/"):
            return [self.seller.pk]
        if path.startswith("/api/v1/me/addresses/"):
            return [self.address.pk]
        if path.startswith("/api/v1/shipping-zones/"):
            return [self.zone.pk]
        if path.startswith("/api/v1/shipping-methods/"):
            return [self.method.pk]
        if path.startswith("/api/v1/tax-rates/"):
            return [self.tax_rate.pk]
        return []

    def whole_bodies(self, method: str, path: str) -> list:
        """Valid bodies of the writes whose fields depend on each other (a product's
        variants name its options), which generated fields seldom make."""
        shipping = shipping_bodies(self, method, path)
        if shipping:
            return shipping
        if (method, path) == ("POST", "/api/v1/products/"):
            return [
                {"name": "Fuzz lamp", "category": self.child.slug, "price": "4.50",
                 "stock": 3},
                {"name": "Fuzz tee", "category": self.root.slug,
                 "options": [{"name": "Colour", "values": ["Red", "Blue"]}],
                 "variants": [
                     {"sku": f"FUZZ-NEW-{c}", "options": {"Colour": c}, "price": "7.00",
                      "stock": 2}
                     for c in ("Red", "Blue")
                 ]},
            ]  # fmt: skip
        if (method, path) == ("POST", "/api/v1/orders/{number}/fulfil/"):
            return [{"tracking_number": "1Z999AA10123456784", "carrier": "UPS"}, {}]
        if (method, path) == ("POST", "/api/v1/orders/{number}/refunds/"):
            item = self.paid.items.first()
            return [
                {"lines": [{"item_id": item.pk, "quantity": 1}], "restock": True,
                 "reason": "fuzz"},
                {"lines": [{"item_id": item.pk, "quantity": 2}], "shipping": True},
            ]  # fmt: skip
        if (method, path) == ("POST", "/api/v1/products/{id}/variants/"):
            return [
                {"sku": "FUZZ-TEE-L", "options": {"Size": "L"}, "price": "12.50",
                 "stock": 2},
            ]  # fmt: skip
        return []

    def body_values(self, role: str, name: str, path: str) -> list:
        refresh = [self.refresh[role]] if role in self.refresh else []
        if path.endswith("/variants/"):  # a variant of the tee: its size not made yet
            return {
                "options": [{"Size": "L"}],
                "sku": ["FUZZ-TEE-L"],
                "price": ["12.50"],
            }.get(name, [])
        if name == "image":  # a picture only where the body is a multipart upload
            return [a_picture()] if path.endswith("/images/") else []
        if path in self.link_tokens and name in ("uid", "token"):
            return [self.customer_uid if name == "uid" else self.link_tokens[path]]
        return {
            "refresh": refresh,
            "email": [self.customer.email],
            "password": [PASSWORD],
            "code": [COUPON_CODE],
            "token": [GUEST_CART_TOKEN],
            "payment_token": ["tok_success", "tok_decline"],
            "product_id": [self.hammer.pk, self.saw.pk],
            "variant_id": [v.pk for v in self.variants],
            "image_id": [image.pk for image in self.tee_images] + [None],
            "category": [self.root.slug, self.child.slug],
            "parent": [self.root.slug, None],
            "seller": [self.seller.pk],
            "products": [[self.hammer.pk]],
            "categories": [[self.child.slug]],
            "access_token": [FACEBOOK_TOKEN],
            "current_password": [PASSWORD],
            "country": ["GB", "DE"],
            "phone": ["+442079460958", ""],
            "zone": [self.zone.pk],
            "shipping_method": [self.method.pk],
            "address_id": [self.address.pk],
        }.get(name, [])

    def headers(self, role: str) -> dict:
        if role in self.access:
            return {"Authorization": f"Bearer {self.access[role]}"}
        if role == "guest":
            return {
                "X-Cart-Token": GUEST_CART_TOKEN,
                "X-Order-Token": self.guest_order.access_token,
            }
        return {}


def shipping_bodies(shop: Shop, method: str, path: str) -> list:
    """Whole bodies of the shipping writes and of a checkout with an address (a
    method's bands must fit its kind; an order's method must serve its country)."""
    us = {"name": "Fuzz Buyer", "line1": "1 Fuzz Way", "city": "Austin",
          "postcode": "78701", "region": "TX", "country": "US"}  # fmt: skip
    if (method, path) == ("POST", "/api/v1/orders/"):
        return [
            {"email": "fuzz-guest@example.com", "shipping_address": us,
             "shipping_method": shop.method.pk},
            {"address_id": shop.address.pk, "shipping_method": shop.method.pk,
             "email": "fuzz-customer@example.com"},
        ]  # fmt: skip
    if method not in ("POST", "PUT"):
        return []
    collection = path.removesuffix("{id}/")
    return {
        "/api/v1/shipping-methods/": [
            {"zone": shop.zone.pk, "name": "Fuzz courier", "kind": "flat",
             "price": "9.00"},
            {"zone": shop.zone.pk, "name": "Fuzz express", "kind": "weight",
             "bands": [{"up_to": 1000, "price": "5.00"},
                       {"up_to": 5000, "price": "9.00"}]},
            {"zone": shop.zone.pk, "name": "Fuzz value", "kind": "price",
             "bands": [{"up_to": "50.00", "price": "5.00"}], "free_over": "80.00"},
        ],
        "/api/v1/shipping-zones/": [{"name": "Fuzz EU", "countries": ["FR", "DE"]}],
        "/api/v1/tax-rates/": [{"country": "FR", "rate": "0.2"}],
    }.get(collection, [])  # fmt: skip


def a_picture() -> bytes:
    """A small PNG: what an upload of a product picture must be."""
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (40, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def in_process_requests():
    """Requests share the test's connection (Django's test client does the same): the
    handler must not close it at the end of each request, as it would under a server."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _facebook_me(request):
    """Facebook's Graph API: one known token, every other one refused."""
    if FACEBOOK_TOKEN in request.url:
        profile = {"id": "4242", "name": "Fay Book", "email": "fay@example.com"}
        return 200, {}, json.dumps(profile)
    error = {"error": {"message": "Invalid OAuth access token.", "code": 190}}
    return 400, {}, json.dumps(error)


@pytest.fixture
def facebook(settings):
    """Facebook login configured, its HTTP API mocked (no network in tests)."""
    settings.SOCIAL_AUTH_FACEBOOK_KEY = "app-id"
    settings.SOCIAL_AUTH_FACEBOOK_SECRET = "app-secret"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, GRAPH, callback=_facebook_me)
        yield mock


@pytest.fixture
def shop(db, settings, in_process_requests, facebook):
    rates = {
        scope: "100000/min"
        for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    return Shop()


def _steer(data, case, shop: Shop, role: str) -> None:
    """Aim part of the examples at seeded objects and valid credentials.

    Hypothesis starts from its simplest choices (False, the first value), so the first
    examples use the seeded values and later ones keep more of the generated data.
    """
    for name in list(case.path_parameters or {}):
        known = shop.path_values(case.operation.path, name)
        if known and not data.draw(st.booleans(), label=f"generated {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
    operation = case.operation
    whole = shop.whole_bodies(operation.method.upper(), operation.path)
    if whole and not data.draw(st.booleans(), label="generated body"):
        case.body = dict(data.draw(st.sampled_from(whole), label="body"))
    elif isinstance(case.body, dict):
        for name in list(case.body):
            known = shop.body_values(role, name, case.operation.path)
            if known and not data.draw(st.booleans(), label=f"generated body {name}"):
                case.body[name] = data.draw(
                    st.sampled_from(known), label=f"body {name}"
                )
    # The role's credentials; a generated cart or order token is kept now and then.
    for header, value in shop.headers(role).items():
        if header == "Authorization" or not data.draw(st.booleans(), label=header):
            case.headers = {**(case.headers or {}), header: value}


def only_outages_are_5xx(ctx, response, case) -> None:
    """With a backing service down, its 503 service_unavailable is the one allowed 5xx."""
    if response.status_code >= 500:
        assert response.status_code == 503, response.text[:300]
        assert response.json()["code"] == "service_unavailable", response.text[:300]


OUTAGE_CHECKS = [only_outages_are_5xx, *CHECKS[1:]]


def _fuzz(
    operation,
    role: str,
    shop: Shop,
    statuses: Counter,
    *,
    examples: int = MAX_EXAMPLES,
    checks: list = CHECKS,
    carts: bool = True,
) -> None:
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    # A fixed seed per operation and role: reproducible, and each role gets other inputs.
    @hypothesis_seed(zlib.crc32(f"{operation.label} as {role}".encode()))
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def fuzz(case, data):
        _steer(data, case, shop, role)
        if carts:
            shop.seed_carts()
        with transaction.atomic():
            try:
                response = case.call_and_validate(app=wsgi_app(), checks=checks)
            finally:
                transaction.set_rollback(True)
        statuses[response.status_code] += 1

    try:
        fuzz()
    except BaseException as exc:
        exc.add_note(f"Role: {role}")
        raise


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_conforms_to_schema(shop, label, record_property):
    """Every response of the operation, as any role and for any generated input, is a
    documented non-5xx; and the seeded shop lets the operation succeed at least once."""
    operation = OPERATIONS[label]
    statuses = Counter()
    for role in ROLES:
        _fuzz(operation, role, shop, statuses)
    record_property("statuses", dict(sorted(statuses.items())))

    assert any(200 <= status < 300 for status in statuses), dict(statuses)


@pytest.fixture
def redis_down(settings):
    """Carts, throttles and cache on a Redis that refuses connections (as in
    test_outages): nothing listens on port 1."""
    dead = "redis://127.0.0.1:1/0"
    settings.CART_REDIS_URL = dead
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_conforms_to_schema_with_redis_down(
    shop, redis_down, label, record_property
):
    """With Redis unreachable, every answer is still documented: the 503 JSON of the
    carts and of every throttled operation included, and no other 5xx."""
    statuses = Counter()
    for role in ("guest", "customer", "staff"):
        _fuzz(
            OPERATIONS[label],
            role,
            shop,
            statuses,
            examples=OUTAGE_EXAMPLES,
            checks=OUTAGE_CHECKS,
            carts=False,
        )
    record_property("statuses", dict(sorted(statuses.items())))


def test_every_api_endpoint_is_fuzzed():
    """Every method of every DRF view under /api/v1/ is an operation of the schema, so the
    fuzz test above covers it: none is excluded or hidden from the schema."""
    routed = {
        f"{method} {path.replace('{pk}', '{id}')}"
        for path, _, method, _ in EndpointEnumerator().get_api_endpoints()
        if path.startswith("/api/v1/")
    }

    assert set(OPERATIONS) == routed
    # 51, + 19 of shipping and tax (three CRUDs and the cart's quotes), + the address
    # book, the password and verification flows, refunds.
    assert len(OPERATIONS) == 83
