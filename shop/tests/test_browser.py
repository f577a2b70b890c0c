"""The storefront in a real browser: headless Chromium (Debian's) driven by Playwright.

One journey from search to a paid order, with screenshots of the catalog, cart and order
pages at desktop and phone width under ``screenshots/`` (git-ignored).
"""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.tests.factories import CouponFactory
from orders.models import Order

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The live server runs in a thread while Playwright's sync API runs its own event loop.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _shop_data():
    home = CategoryFactory(name="Home")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    garden = CategoryFactory(name="Garden")
    ProductFactory(
        name="Walnut Serving Board",
        category=kitchen,
        price=Decimal("45.00"),
        stock=8,
        description="Oiled American walnut, 40 × 25 cm.",
    )
    ProductFactory(
        name="Stoneware Mug", category=kitchen, price=Decimal("14.50"), stock=3
    )
    ProductFactory(
        name="Linen Tea Towel", category=kitchen, price=Decimal("9.90"), stock=0
    )
    ProductFactory(
        name="Brass Plant Mister", category=garden, price=Decimal("24.00"), stock=12
    )
    ProductFactory(name="Wool Throw", category=home, price=Decimal("89.00"), stock=5)
    ProductFactory(
        name="Beeswax Candle", category=home, price=Decimal("12.00"), stock=40
    )
    CouponFactory(
        code="WELCOME10", name="10% off your first order", percent_off=Decimal("10")
    )
    return UserFactory(email="ada@example.com", name="Ada Lovelace")


def _shot(page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.mark.django_db(transaction=True)
def test_search_to_paid_order_in_a_browser(live_server):
    """A shopper searches, adds to the cart, changes the quantity, applies a coupon, signs in
    (the cart is kept and they are told), checks out, pays with tok_success and sees the
    order paid; the pages fit a phone's width."""
    from playwright.sync_api import expect, sync_playwright

    _shop_data()
    SCREENSHOTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=DESKTOP)
            page.set_default_timeout(15_000)

            page.goto(live_server.url + "/")
            expect(
                page.get_by_role("heading", name="Good things, fairly priced")
            ).to_be_visible()
            expect(page.get_by_text("Sold out")).to_be_visible()
            _shot(page, "catalog")

            # Search, then open the product.
            page.get_by_label("Search products").fill("walnut")
            page.get_by_role("button", name="Search").click()
            expect(
                page.get_by_role("heading", name=re.compile("Results for"))
            ).to_be_visible()
            page.get_by_role("link", name="Walnut Serving Board").click()
            expect(
                page.get_by_role("heading", name="Walnut Serving Board")
            ).to_be_visible()
            _shot(page, "product")

            # Add to cart, then change the quantity on the cart page.
            page.get_by_label("Quantity", exact=True).fill("1")
            page.get_by_role("button", name="Add to cart").click()
            expect(page).to_have_url(re.compile(r"/cart/$"))
            expect(
                page.get_by_text("Added 1 × Walnut Serving Board to your cart.")
            ).to_be_visible()
            page.get_by_role(
                "spinbutton", name="Quantity of Walnut Serving Board"
            ).fill("2")
            page.get_by_role(
                "button", name="Update quantity of Walnut Serving Board"
            ).click()
            expect(page.get_by_text("Quantity updated.")).to_be_visible()
            expect(page.get_by_test_id("subtotal")).to_have_text("$90.00")

            # Apply a coupon (typed in lower case).
            page.get_by_label("Coupon code").fill("welcome10")
            page.get_by_role("button", name="Apply coupon").click()
            expect(page.get_by_text("Coupon WELCOME10 applied.")).to_be_visible()
            expect(page.get_by_test_id("discount")).to_have_text("−$9.00")
            expect(page.get_by_test_id("total")).to_have_text("$81.00")
            expect(page.get_by_test_id("cart-count")).to_have_text("2")
            _shot(page, "cart")

            # Sign in: the cart comes along and the shopper is told.
            page.get_by_role("link", name="Sign in").click()
            page.get_by_label("Email", exact=True).fill("ada@example.com")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(
                page.get_by_text(re.compile("from your basket into your cart"))
            ).to_be_visible()
            expect(page.get_by_test_id("cart-count")).to_have_text("2")

            # Checkout: the email is prefilled for a signed-in shopper.
            page.get_by_role("link", name=re.compile("Cart")).click()
            expect(page.get_by_test_id("total")).to_have_text("$81.00")
            page.get_by_role("link", name="Checkout").click()
            expect(page.get_by_label("Email", exact=True)).to_have_value(
                "ada@example.com"
            )
            page.get_by_label("Full name").fill("Ada Lovelace")
            page.get_by_label("Shipping address").fill(
                "12 St James's Square\nLondon SW1Y 4JH"
            )
            page.get_by_role("button", name="Place order").click()
            expect(page.get_by_test_id("order-status")).to_have_text("Pending payment")

            # Pay with the test gateway's card.
            page.get_by_label("Card").fill("tok_success")
            page.get_by_role("button", name=re.compile(r"^Pay ")).click()
            expect(
                page.get_by_text("Payment received. Thank you for your order!")
            ).to_be_visible()
            expect(page.get_by_test_id("order-status")).to_have_text("Paid")
            _shot(page, "order")

            # Nothing overflows sideways at a phone's width.
            page.set_viewport_size(PHONE)
            for path in ("/", "/cart/", page.url):
                page.goto(path if path.startswith("http") else live_server.url + path)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (
                    f"{path} scrolls sideways on a phone by {overflow}px"
                )
        finally:
            browser.close()

    order = Order.objects.get()
    assert (order.status, order.total, order.coupon_code, order.user.email) == (
        "paid",
        Decimal("81.00"),
        "WELCOME10",
        "ada@example.com",
    )
