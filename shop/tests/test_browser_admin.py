"""The back office in a real browser (Debian's Chromium through Playwright): the
dashboard's figures and its chart drawn by the locally served Chart.js, at desktop and
phone width. Screenshots go to ``SHOP_SCREENSHOTS`` (default /tmp/screens)."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.reports import sales_day_rebuild
from orders.tests.factories import order_with
from shop.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _sales():
    """A week of paid orders (past days stored as beat would), one today."""
    lamp = ProductFactory(name="Walnut Lamp", stock=50)
    mug = ProductFactory(name="Stoneware Mug", stock=3)  # low stock
    now = datetime.now(UTC)
    for back, (product, quantity) in enumerate(
        [(lamp, 1), (mug, 2), (lamp, 3), (mug, 1), (lamp, 2), (lamp, 1), (mug, 4)]
    ):
        order = order_with(products_and_quantities=[(product, quantity)])
        paid_at = now - timedelta(days=back)
        Order.objects.filter(pk=order.pk).update(status="paid", paid_at=paid_at)
        if back:
            sales_day_rebuild(day=paid_at.date())


def test_staff_read_the_dashboard_in_a_browser(live_server):
    from playwright.sync_api import expect, sync_playwright

    _sales()
    staff = UserFactory(is_staff=True, is_superuser=True, email="owner@example.com")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=DESKTOP)
            page.goto(live_server.url + "/admin/login/?next=/admin/")
            page.fill("#id_username", staff.email)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_contain_text("back office")
            expect(page.get_by_text("Revenue today")).to_be_visible()
            expect(page.locator("caption", has_text="Top products")).to_be_visible()
            expect(page.get_by_role("link", name="Walnut Lamp")).to_be_visible()
            low = page.locator(
                "table", has=page.locator("caption", has_text="Low stock")
            )
            expect(low.get_by_role("link", name="Stoneware Mug")).to_be_visible()
            # Chart.js came from our own static files and drew the 30 days.
            page.wait_for_function("window.Chart && Chart.getChart('revenue-chart')")
            bars = page.evaluate(
                "Chart.getChart('revenue-chart').data.datasets[0].data.length"
            )
            assert bars == 30
            for section in ("Catalog", "Orders", "Customers", "Marketing", "Settings"):
                expect(
                    page.locator(f"caption:has-text('{section}')").first
                ).to_be_visible()
            page.screenshot(
                path=str(SCREENSHOTS / "admin-dashboard.png"), full_page=True
            )
            page.set_viewport_size(PHONE)
            # Fits a phone once the chart has redrawn for the new width.
            page.wait_for_function(
                f"document.documentElement.scrollWidth <= {PHONE['width']}"
            )
            page.screenshot(
                path=str(SCREENSHOTS / "admin-dashboard-phone.png"), full_page=True
            )
        finally:
            browser.close()


CSV_FILE = (
    "sku,name,description,category,price,stock,weight_grams,option:Size\n"
    "LAMP-S,Paper Lamp,Folded paper shade,lighting,24.00,4,600,S\n"
    "LAMP-L,Paper Lamp,Folded paper shade,lighting,34.00,2,900,L\n"
)


def test_staff_import_products_from_csv_in_a_browser(live_server, tmp_path):
    """Upload, the dry run's preview (nothing written yet), confirm: the product and
    its variants exist, their stock in the ledger; and the order page's actions."""
    from playwright.sync_api import expect, sync_playwright

    from catalog.models import Product, StockMovement
    from catalog.tests.factories import CategoryFactory

    CategoryFactory(slug="lighting", name="Lighting")
    staff = UserFactory(is_staff=True, is_superuser=True, email="owner@example.com")
    paid = order_with(
        products_and_quantities=[(ProductFactory(name="Walnut Lamp"), 2)],
        status="paid",
        email="ada@example.com",
    )
    upload = tmp_path / "products.csv"
    upload.write_text(CSV_FILE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=DESKTOP)
            page.goto(live_server.url + "/admin/login/?next=/admin/catalog/product/")
            page.fill("#id_username", staff.email)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.get_by_role("link", name="Import").click()
            page.set_input_files("input[type=file]", str(upload))
            format_select = page.locator("select[name=format]")
            if format_select.count():
                format_select.select_option(label="csv")
            page.locator("input[type=submit]").first.click()
            expect(page.get_by_text("LAMP-S").first).to_be_visible()
            assert not Product.objects.filter(name="Paper Lamp").exists()  # dry run
            page.screenshot(path=str(SCREENSHOTS / "admin-import-preview.png"))
            page.get_by_role("button", name="Confirm import").click()
            expect(page.locator(".messagelist")).to_be_visible()
            lamp = Product.objects.get(name="Paper Lamp")
            assert sorted(lamp.variants.values_list("sku", "stock")) == [
                ("LAMP-L", 2),
                ("LAMP-S", 4),
            ]
            assert (
                StockMovement.objects.filter(
                    variant__product=lamp, reason="import"
                ).count()
                == 2
            )

            page.goto(f"{live_server.url}/admin/orders/order/{paid.pk}/change/")
            expect(page.get_by_role("link", name="Fulfil")).to_be_visible()
            expect(page.get_by_role("link", name="Refund")).to_be_visible()
            expect(page.locator("caption", has_text="Timeline")).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "admin-order.png"), full_page=True)
            page.get_by_role("link", name="Fulfil").click()
            page.fill("#id_carrier", "DHL")
            page.fill("#id_tracking_number", "JD0142")
            page.get_by_role("button", name="Fulfil").click()
            expect(page.locator(".messagelist")).to_contain_text("fulfilled")
        finally:
            browser.close()
    paid.refresh_from_db()
    assert (paid.status, paid.tracking_number) == ("fulfilled", "JD0142")
