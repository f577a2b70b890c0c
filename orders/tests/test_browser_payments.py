"""The pay page in headless Chromium against localstripe: the Stripe order's card form
(localstripe's fake Stripe.js), the return from confirming ("payment processing"), the
webhook, and the refunds on the buyer's page. Screenshots go to /tmp/walk-c/
(``SHOP_WALK_SCREENSHOTS`` names another folder).

localstripe's fake Stripe.js offers the Card Element and confirmCardPayment but not the
Payment Element's ``confirmPayment``: the walk checks that the page loads Stripe.js from
STRIPE_JS_URL and mounts an element, then confirms the intent through the API as
Stripe.js would, and comes back on the return_url as Stripe sends the buyer back.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.test import Client

from catalog.tests.factories import ProductFactory
from orders.models import Order, Payment
from orders.tests import localstripe_server as ls
from orders.tests.factories import order_with
from shop.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP

SCREENS = Path(os.environ.get("SHOP_WALK_SCREENSHOTS", "/tmp/walk-c"))
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def _signed_in_context(browser, customer, url):
    client = Client()
    client.force_login(customer)
    context = browser.new_context(viewport=DESKTOP)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]
    )
    return context


@pytest.mark.django_db(transaction=True)
def test_a_buyer_pays_with_stripe_in_a_browser(live_server, stripe_shop, customer):
    """Pay by card creates the intent; the page loads Stripe.js and mounts the element;
    back from confirming, the payment shows as processing; the webhook pays the order."""
    from playwright.sync_api import expect, sync_playwright

    order = order_with(
        products_and_quantities=[
            (ProductFactory(price=Decimal("24.50"), name="Kettle"), 1)
        ],
        user=customer,
        email=customer.email,
    )
    SCREENS.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    page_url = f"{url}/orders/{order.number}/"
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = _signed_in_context(browser, customer, url)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_url)
            page.screenshot(
                path=SCREENS / "01-stripe-order-pending.png", full_page=True
            )
            page.get_by_role("button", name="Pay $24.50 by card").click()
            page.wait_for_url(page_url)
            expect(page.locator("#payment-element")).to_be_visible()
            expect(page.get_by_test_id("payment-status")).to_contain_text(
                "waiting for your card"
            )
            page.wait_for_timeout(500)  # the fake element draws itself
            page.screenshot(path=SCREENS / "02-stripe-card-form.png", full_page=True)
            scripts = page.eval_on_selector_all(
                "script[src]", "nodes => nodes.map(n => n.src)"
            )
            assert f"{stripe_shop}/js.stripe.com/v3/" in scripts
            has_confirm = page.evaluate(
                "typeof Stripe('pk').confirmPayment === 'function'"
            )

            # No ORM query inside Playwright's loop (its connection would outlive
            # the test): the intent's id is in its client secret, on the page.
            secret = page.get_attribute("#stripe-pay", "data-client-secret")
            reference = secret.split("_secret_")[0]
            ls.buyer_confirms(stripe_shop, reference)
            page.goto(
                f"{page_url}?payment_intent={reference}"
                f"&payment_intent_client_secret={secret}&redirect_status=succeeded"
            )
            expect(page.get_by_test_id("payment-status")).to_contain_text(
                "payment processing"
            )
            page.screenshot(path=SCREENS / "03-stripe-processing.png", full_page=True)

            intent = ls.client(stripe_shop).v1.payment_intents.retrieve(reference)
            body = ls.event("payment_intent.succeeded", intent.to_dict())
            hook = requests.post(
                f"{url}/payments/stripe/webhook/",
                data=body,
                headers={"Stripe-Signature": ls.signature(body),
                         "Content-Type": "application/json"},
                timeout=10,
            )  # fmt: skip
            assert hook.status_code == 200, hook.text
            page.goto(page_url)
            expect(page.get_by_test_id("order-status")).to_have_text("Paid")
            page.screenshot(path=SCREENS / "04-stripe-paid.png", full_page=True)
        finally:
            browser.close()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.get(order=order).reference == reference
    # localstripe's fake Stripe.js has no Payment Element confirmPayment (see above).
    assert has_confirm is False
    assert not [e for e in errors if "confirmPayment" not in e], errors


@pytest.mark.django_db(transaction=True)
def test_the_buyer_sees_refunds_in_a_browser(live_server, customer, staff_user):
    """Paid with the test gateway, then partly refunded by staff: the buyer's page
    shows the refund and the refunded total."""
    from playwright.sync_api import expect, sync_playwright
    from rest_framework_simplejwt.tokens import RefreshToken

    order = order_with(
        products_and_quantities=[
            (ProductFactory(price=Decimal("9.90"), name="Mug"), 3)
        ],
        user=customer,
        email=customer.email,
    )
    item_id = order.items.get().pk
    token = RefreshToken.for_user(staff_user).access_token
    staff = {"Authorization": f"Bearer {token}"}
    SCREENS.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = _signed_in_context(browser, customer, url).new_page()
            page.goto(f"{url}/orders/{order.number}/")
            page.screenshot(path=SCREENS / "05-test-gateway-pay.png", full_page=True)
            page.get_by_label("Card").fill("tok_success")
            page.get_by_role("button", name="Pay $29.70").click()
            expect(page.get_by_test_id("order-status")).to_have_text("Paid")
            refund = requests.post(
                f"{url}/api/v1/orders/{order.number}/refunds/",
                json={"lines": [{"item_id": item_id, "quantity": 1}]},
                headers=staff,
                timeout=10,
            )
            assert refund.status_code == 201, refund.text
            page.reload()
            expect(page.get_by_test_id("order-status")).to_have_text(
                "Partially refunded"
            )
            expect(page.get_by_test_id("refunds")).to_contain_text("$9.90")
            page.screenshot(path=SCREENS / "06-refunded.png", full_page=True)
        finally:
            browser.close()
