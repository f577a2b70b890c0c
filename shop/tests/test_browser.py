"""The storefront in a real browser: headless Chromium (Debian's) driven by Playwright.

One journey: the category menu's sub-menus on hover and keyboard focus, a product with
options chosen without JavaScript (the picker's form) and with it (price, stock and
picture follow), a sold-out combination refused, a variant added, a coupon, sign-in,
checkout and payment. Screenshots of each page at desktop and phone width go to
``/tmp/screens/`` (``SHOP_SCREENSHOTS`` names another folder).
"""

import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.models import ProductImage
from catalog.tests.factories import (
    CategoryFactory,
    ProductFactory,
    product_with_variants,
)
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
SCREENSHOTS = Path(os.environ.get("SHOP_SCREENSHOTS", "/tmp/screens"))
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


def _shirt(rgb: tuple[int, int, int], *, back: bool = False) -> SimpleUploadedFile:
    """A product photo of a tee: a shirt's shape on a pale studio background."""
    picture = Image.new("RGB", (1200, 1200), (238, 236, 230))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((220, 1020, 980, 1110), fill=(220, 217, 210))  # its shadow
    body = [(420, 220), (520, 190), (600, 240), (680, 190), (780, 220), (1000, 380),
            (900, 520), (820, 470), (820, 1040), (380, 1040), (380, 470), (300, 520),
            (200, 380)]  # fmt: skip
    draw.polygon(body, fill=rgb, outline=tuple(max(c - 60, 0) for c in rgb))
    if not back:
        draw.arc(
            (520, 160, 680, 300),
            20,
            160,
            fill=tuple(max(c - 70, 0) for c in rgb),
            width=14,
        )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return SimpleUploadedFile("tee.png", buffer.getvalue(), content_type="image/png")


def _shop_data():
    home = CategoryFactory(name="Home")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    CategoryFactory(name="Living room", parent=home)
    garden = CategoryFactory(name="Garden")
    clothes = CategoryFactory(name="Clothes")
    tees = CategoryFactory(name="Tees", parent=clothes)
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
    # A tee: S / Red sold out, M / Red 3 left, M / Blue and L / Blue in stock;
    # S / Blue and L / Red are not made.
    tee = product_with_variants(
        name="Organic Cotton Tee", slug="organic-cotton-tee", category=tees,
        description="Heavy organic cotton, cut straight.",
        options={"Size": ["S", "M", "L"], "Colour": ["Red", "Blue"]},
        variants=[
            {"sku": "TEE-S-RED", "options": {"Size": "S", "Colour": "Red"},
             "price": Decimal("20.00"), "stock": 0},
            {"sku": "TEE-M-RED", "options": {"Size": "M", "Colour": "Red"},
             "price": Decimal("20.00"), "stock": 3},
            {"sku": "TEE-M-BLUE", "options": {"Size": "M", "Colour": "Blue"},
             "price": Decimal("22.00"), "stock": 6},
            {"sku": "TEE-L-BLUE", "options": {"Size": "L", "Colour": "Blue"},
             "price": Decimal("24.00"), "stock": 9},
        ],
    )  # fmt: skip
    red = ProductImage.objects.create(
        product=tee, image=_shirt((178, 34, 52)), alt="The tee in red", position=0
    )
    blue = ProductImage.objects.create(
        product=tee, image=_shirt((36, 74, 140)), alt="The tee in blue", position=1
    )
    ProductImage.objects.create(
        product=tee, image=_shirt((178, 34, 52), back=True), alt="Its back", position=2
    )
    tee.variants.filter(options__Colour="Red").update(image=red)
    tee.variants.filter(options__Colour="Blue").update(image=blue)
    CouponFactory(
        code="WELCOME10", name="10% off your first order", percent_off=Decimal("10")
    )
    UserFactory(email="ada@example.com", name="Ada Lovelace")
    return tee


def _remove_pictures():
    """The pictures and their thumbnails leave the media folder with the test."""
    from sorl.thumbnail import delete

    for picture in ProductImage.objects.all():
        delete(picture.image)


def _shot(page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+(?:\.\d+)?", rgb)[:3]]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two CSS colours (``rgb(r, g, b)``)."""
    high, low = sorted([_luminance(foreground), _luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


# Whether an element is really on screen: its box inside the viewport, and the element
# the browser finds at its centre is itself or inside it (not clipped, not covered).
VISIBLE = """element => {
  const box = element.getBoundingClientRect();
  const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
    && box.right <= window.innerWidth && box.bottom <= window.innerHeight;
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return inside && hit !== null && element.contains(hit);
}"""


def _sub_menu(page, top: str):
    return page.locator(f".category-nav li:has(> a:text-is('{top}')) > .sub")


def _check_menu(page) -> None:
    """A sub-menu appears on hover and on keyboard focus, on screen and not clipped."""
    clothes = _sub_menu(page, "Clothes")
    assert not clothes.evaluate(VISIBLE)
    page.get_by_role("link", name="Clothes", exact=True).hover()
    clothes.get_by_role("link", name="Tees").wait_for(state="visible")
    assert clothes.evaluate(VISIBLE), "the hovered sub-menu is clipped or covered"
    _shot_viewport(page, "menu-hover")

    page.mouse.move(5, 880)  # away from the menu
    home = _sub_menu(page, "Home")
    page.get_by_role("link", name="Garden", exact=True).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Home"
    home.get_by_role("link", name="Kitchen").wait_for(state="visible")
    assert home.evaluate(VISIBLE), "the focused sub-menu is clipped or covered"
    page.keyboard.press("Tab")  # into the sub-menu: it stays open
    assert page.evaluate("document.activeElement.textContent") == "Kitchen"
    assert home.evaluate(VISIBLE)
    _shot_viewport(page, "menu-focus")
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")


def _shot_viewport(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"))


def _natural_fit(page, selector: str) -> tuple[float, float]:
    """(natural width / shown width) of the image, and its device pixel ratio."""
    page.locator(selector).first.wait_for(state="visible")
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth)",
        arg=selector,
    )
    return page.locator(selector).first.evaluate(
        "i => [i.naturalWidth / i.getBoundingClientRect().width, devicePixelRatio]"
    )


@pytest.mark.django_db(transaction=True)
def test_a_shopper_chooses_options_and_pays_in_a_browser(live_server):
    """The catalog's menus open on hover and focus; a tee's options are chosen without
    and with JavaScript (price, stock and picture follow); a sold-out combination
    cannot be added, not even by a doctored form; a variant goes to the cart, a coupon
    applies, the shopper signs in (the cart comes along), checks out and pays with
    tok_success; the pages fit a phone's width."""
    from playwright.sync_api import expect, sync_playwright

    tee = _shop_data()
    # Read before Playwright's loop starts: a query inside it opens a connection of its
    # own that outlives the test.
    sold_out_id = tee.variants.get(sku="TEE-S-RED").pk
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            try:
                _walk(browser, url, sold_out_id, expect)
            finally:
                browser.close()
        order = Order.objects.get()
        assert (order.status, order.total, order.coupon_code, order.user.email) == (
            "paid",
            Decimal("43.20"),
            "WELCOME10",
            "ada@example.com",
        )
        item = order.items.get()
        assert (item.sku, item.quantity, item.name) == (
            "TEE-L-BLUE", 2, "Organic Cotton Tee — L / Blue"
        )  # fmt: skip
    finally:
        _remove_pictures()


def _walk(browser, url, sold_out_id, expect):
    # --- Without JavaScript: the picker is a form -------------------------------
    plain = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = plain.new_page()
    page.set_default_timeout(15_000)
    page.goto(url + "/p/organic-cotton-tee/")
    expect(page.get_by_test_id("price")).to_have_text(
        "$20.00"
    )  # M / Red, first in stock
    page.get_by_label("Size").select_option("L")
    page.get_by_label("Colour").select_option("Blue")
    page.get_by_role("button", name="Choose").click()
    expect(page).to_have_url(re.compile(r"\?Size=L&Colour=Blue$"))
    expect(page.get_by_test_id("price")).to_have_text("$24.00")
    expect(page.get_by_test_id("stock")).to_have_text("In stock")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    page.get_by_label("Size").select_option("S")
    page.get_by_label("Colour").select_option("Red")
    page.get_by_role("button", name="Choose").click()
    expect(page.get_by_test_id("stock")).to_have_text("Sold out")
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)
    _shot(page, "product-nojs-sold-out")
    plain.close()

    # --- With JavaScript -------------------------------------------------------
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url + "/")
    expect(
        page.get_by_role("heading", name="Good things, fairly priced")
    ).to_be_visible()
    expect(page.get_by_text("Sold out").first).to_be_visible()
    # Card pictures are thumbnails about the size they are shown at.
    ratio, dpr = _natural_fit(page, ".product-card img")
    assert 1 <= ratio / dpr <= 1.25, ratio
    _shot(page, "catalog")

    # The cart badge reads at 4.5:1 at least (WCAG AA).
    badge = page.get_by_test_id("cart-count")
    colours = badge.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert contrast(*colours) >= 4.5, colours

    _check_menu(page)

    # The sub-menu leads to the tees; the category's filters narrow the list.
    page.get_by_role("link", name="Clothes", exact=True).hover()
    _sub_menu(page, "Clothes").get_by_role("link", name="Tees").click()
    expect(page.get_by_role("heading", name="Tees")).to_be_visible()
    page.get_by_label("Size").select_option("Size:L")
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"option=Size%3AL"))
    expect(page.get_by_test_id("product-count")).to_have_text("1 product")
    _shot(page, "category-filtered")
    page.get_by_role("link", name="Organic Cotton Tee").click()

    # The pickers follow the choice without a reload.
    expect(page.get_by_role("heading", name="Organic Cotton Tee")).to_be_visible()
    expect(page.get_by_role("button", name="Choose")).to_be_hidden()
    expect(page.get_by_test_id("price")).to_have_text("$20.00")
    expect(page.get_by_test_id("stock")).to_have_text("Only 3 left in stock")
    main = page.get_by_test_id("gallery-image")
    expect(main).to_have_attribute("alt", "The tee in red")
    ratio, dpr = _natural_fit(page, "#gallery-image")
    assert ratio == dpr, "the large picture is scaled by the browser"
    _shot(page, "product")
    page.evaluate("window.reloaded = false")
    page.get_by_label("Size").select_option("L")  # L / Red: not made
    expect(page.get_by_test_id("stock")).to_have_text(
        "This combination is not available."
    )
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)
    page.get_by_label("Colour").select_option("Blue")  # L / Blue
    expect(page.get_by_test_id("price")).to_have_text("$24.00")
    expect(page.get_by_test_id("stock")).to_have_text("In stock")
    expect(main).to_have_attribute("alt", "The tee in blue")
    expect(page).to_have_url(re.compile(r"\?Size=L&Colour=Blue$"))
    assert page.evaluate("window.reloaded") is False, "the page was reloaded"
    page.get_by_label("Size").select_option("S")  # S / Blue: not made either
    expect(page.get_by_label("Colour").locator("option[value=Red]")).to_have_text(
        "Red — sold out"
    )
    page.get_by_label("Colour").select_option("Red")  # S / Red: sold out
    expect(page.get_by_test_id("stock")).to_have_text("Sold out")
    expect(page.get_by_test_id("price")).to_have_text("$20.00")
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)
    _shot(page, "product-sold-out")
    # The gallery's thumbnails swap the large picture.
    page.get_by_role("link", name="Its back").click()
    expect(main).to_have_attribute("alt", "Its back")

    # A doctored form naming the sold-out variant is refused by the server.
    page.get_by_label("Size").select_option("M")
    page.locator("#buy-area [name=variant_id]").evaluate(
        f"(input) => input.value = '{sold_out_id}'"
    )
    page.get_by_role("button", name="Add to cart").click()
    expect(
        page.get_by_text("Organic Cotton Tee — S / Red is out of stock.")
    ).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("0")

    # Add two L / Blue.
    page.get_by_label("Size").select_option("L")
    page.get_by_label("Colour").select_option("Blue")
    page.get_by_label("Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(
        page.get_by_text("Added 2 × Organic Cotton Tee — L / Blue to your cart.")
    ).to_be_visible()
    expect(page.get_by_test_id("line-options")).to_have_text(
        re.compile(r"Size: L / Colour: Blue")
    )
    expect(page.get_by_test_id("subtotal")).to_have_text("$48.00")

    # Apply a coupon (typed in lower case).
    page.get_by_label("Coupon code").fill("welcome10")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_text("Coupon WELCOME10 applied.")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("$43.20")
    expect(page.get_by_test_id("cart-count")).to_have_text("2")
    _shot(page, "cart")

    # Sign in: the cart comes along and the shopper is told.
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email", exact=True).fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_text(re.compile(r"We moved 2 items .*into your cart"))
    ).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")

    # Checkout: the email is prefilled for a signed-in shopper.
    page.get_by_role("link", name=re.compile("Cart")).click()
    expect(page.get_by_test_id("total")).to_have_text("$43.20")
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_label("Email", exact=True)).to_have_value("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Shipping address").fill("12 St James's Square\nLondon SW1Y 4JH")
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
    for path in ("/", "/c/tees/", "/p/organic-cotton-tee/", "/cart/", page.url):
        page.goto(path if path.startswith("http") else url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
    context.close()


WALK_B = Path(os.environ.get("SHOP_SCREENSHOTS_SHIPPING", "/tmp/walk-b"))


@pytest.mark.django_db(transaction=True)
def test_a_guest_checks_out_choosing_a_shipping_method(live_server):
    """A shop that ships: without JavaScript, the checkout asks the country, "Update
    shipping options" lists the methods priced for the cart with the new total, the
    guest picks one, places the order and pays; the order page shows the address and
    the method, and its total is the one the checkout showed."""
    from playwright.sync_api import expect, sync_playwright

    from orders.tests.shipping import by_weight, flat, tax, zone

    ProductFactory(name="Stoneware Mug", price=Decimal("14.50"), stock=5,
                   variant__weight_grams=450)  # fmt: skip
    domestic, eu = zone("Domestic", ["US"]), zone("EU", ["FR", "DE"])
    flat(domestic, "4.90", free_over="50.00", estimated_days=5)
    flat(eu, "9.90", name="EU standard", estimated_days=7)
    by_weight(eu, [(1000, "14.90"), (5000, "24.90")], name="EU express",
              estimated_days=2)  # fmt: skip
    tax("FR", "0.2")
    WALK_B.mkdir(parents=True, exist_ok=True)

    def shot(page, name):
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(WALK_B / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(live_server.url + "/")
            page.get_by_role("link", name="Stoneware Mug").first.click()
            page.get_by_label("Quantity", exact=True).fill("2")
            page.get_by_role("button", name="Add to cart").click()
            page.get_by_role("link", name="Checkout").click()
            expect(page.get_by_test_id("shipping-methods")).to_contain_text(
                "Choose the country"
            )
            shot(page, "1-checkout-country-step")

            page.get_by_label("Email", exact=True).fill("marie@example.com")
            page.get_by_label("Name").fill("Marie Curie")
            page.get_by_label("Address line 1").fill("11 Rue Pierre et Marie Curie")
            page.get_by_label("City").fill("Paris")
            page.get_by_label("Postcode").fill("75005")
            page.get_by_label("Country").select_option("FR")
            page.get_by_role("button", name="Update shipping options").click()
            methods = page.get_by_test_id("shipping-methods")
            expect(methods).to_contain_text("EU standard · $9.90 · 7 days")
            expect(methods).to_contain_text("EU express · $14.90 · 2 days")
            expect(methods).not_to_contain_text("Standard · $4.90")
            # 29.00 + 9.90, tax 20 %: 46.68
            expect(page.get_by_test_id("checkout-total")).to_have_text("$46.68")
            shot(page, "2-checkout-methods")

            page.get_by_label(re.compile("EU express")).check()
            page.get_by_role("button", name="Update shipping options").click()
            expect(page.get_by_test_id("checkout-shipping")).to_have_text("$14.90")
            expect(page.get_by_test_id("checkout-total")).to_have_text("$52.68")
            shot(page, "3-checkout-express-chosen")

            page.get_by_role("button", name="Place order").click()
            expect(page.get_by_test_id("order-status")).to_have_text("Pending payment")
            expect(page.get_by_test_id("order-shipping-method")).to_have_text(
                "By EU express · $14.90"
            )
            expect(page.get_by_text("11 Rue Pierre et Marie Curie")).to_be_visible()
            shot(page, "4-order-pending")
            page.get_by_label("Card").fill("tok_success")
            page.get_by_role("button", name=re.compile(r"^Pay ")).click()
            expect(page.get_by_test_id("order-status")).to_have_text("Paid")
            shot(page, "5-order-paid")
            context.close()
        finally:
            browser.close()
    order = Order.objects.get()
    assert (order.status, order.shipping_method, order.shipping, order.total) == (
        "paid", "EU express", Decimal("14.90"), Decimal("52.68"),
    )  # fmt: skip
    assert order.address["country"] == "FR" and order.shipping_country == "FR"


@pytest.mark.django_db(transaction=True)
def test_with_javascript_the_checkout_requotes_when_the_country_or_method_changes(
    live_server,
):
    """With JavaScript the shopper need not press "Update shipping options": choosing
    the country lists its methods and choosing a method shows the new total, what was
    typed kept and the focus on the choice just made."""
    from playwright.sync_api import expect, sync_playwright

    from orders.tests.shipping import flat, tax, zone

    ProductFactory(name="Stoneware Mug", price=Decimal("14.50"), stock=5)
    flat(zone("Domestic", ["US"]), "4.90", estimated_days=5)
    eu = zone("EU", ["FR"])
    flat(eu, "9.90", name="EU standard", estimated_days=7)
    flat(eu, "19.90", name="EU express", estimated_days=2)
    tax("FR", "0.2")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=DESKTOP)
            page.set_default_timeout(15_000)
            page.goto(live_server.url + "/p/stoneware-mug/")
            page.get_by_role("button", name="Add to cart").click()
            page.goto(live_server.url + "/checkout/")
            page.get_by_label("Email", exact=True).fill("marie@example.com")
            page.get_by_label("City").fill("Paris")
            page.get_by_label("Country").select_option("FR")
            methods = page.get_by_test_id("shipping-methods")
            expect(methods).to_contain_text("EU standard · $9.90 · 7 days")
            expect(page.get_by_label("City")).to_have_value("Paris")
            expect(page.get_by_label("Email", exact=True)).to_have_value(
                "marie@example.com"
            )
            # 14.50 + 9.90, tax 20 %: 29.28
            expect(page.get_by_test_id("checkout-total")).to_have_text("$29.28")

            page.get_by_label(re.compile("EU express")).check()
            # 14.50 + 19.90, tax 20 %: 41.28
            expect(page.get_by_test_id("checkout-total")).to_have_text("$41.28")
            expect(page.get_by_label(re.compile("EU express"))).to_be_checked()
            # The keyboard carries on from the choice just made.
            expect(page.get_by_label(re.compile("EU express"))).to_be_focused()
        finally:
            browser.close()
    assert not Order.objects.exists()
