"""The account's journeys in a real browser (headless Chromium driven by Playwright),
with JavaScript off (the pages must work without it): register, verify the email by the
mailed link, add an address on /account/, sign out, and reset a forgotten password by
the mailed link. The live server runs in this process, so the mail is read from Django's
outbox. Screenshots go to ``/tmp/walk-a/`` (``SHOP_SCREENSHOTS_A`` names another)."""

import os
from pathlib import Path

import pytest
from django.core import mail

from accounts.tests.mailbox import RESET_LINK, VERIFY_LINK, last_mail_to, link_in
from shop.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE

SCREENSHOTS = Path(os.environ.get("SHOP_SCREENSHOTS_A", "/tmp/walk-a"))
EMAIL = "grace@example.com"
FIRST_PASSWORD = "Cobol-Compiler-1959"
NEW_PASSWORD = "Flow-Matic-1955-B0"

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _shot(page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.mark.django_db(transaction=True)
def test_register_verify_add_an_address_and_reset_the_password(live_server, settings):
    """A new customer registers, verifies the email with the mailed link's button, adds
    an address, signs out, forgets the password and sets a new one by the mailed link,
    then signs in with it."""
    from playwright.sync_api import expect, sync_playwright

    settings.SHOP_SITE_URL = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
            page = context.new_page()
            page.set_default_timeout(15_000)
            _walk(page, live_server.url, expect)
        finally:
            browser.close()


def _walk(page, url, expect):
    # --- Register: a verification link is mailed -----------------------------------
    page.goto(url + "/accounts/register/")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Password again").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".messages")).to_contain_text("mailed you a link")
    path, _, _ = link_in(last_mail_to(EMAIL), VERIFY_LINK)

    # --- Verify: the link shows a button; the POST verifies -------------------------
    page.goto(url + path)
    expect(page.get_by_role("heading", name="Verify your email")).to_be_visible()
    _shot(page, "01-verify")
    page.get_by_role("button", name="Verify my email").click()
    expect(page).to_have_url(url + "/account/")
    expect(page.locator(".messages")).to_contain_text("email address is verified")
    expect(page.locator(".tag.ok", has_text="Verified")).to_be_visible()

    # --- The address book: an error first, then the address --------------------------
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Navy Yard")
    page.get_by_label("City").fill("Arlington")
    page.get_by_label("Postcode").fill("22202")
    page.get_by_label("Region").fill("VA")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Add address").click()
    expect(page.locator(".field.has-error")).to_contain_text("valid phone number")
    _shot(page, "02-address-error")
    page.get_by_label("Phone").fill("+1 202 555 0143")
    page.get_by_role("button", name="Add address").click()
    entry = page.get_by_test_id("address")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("1 Navy Yard")
    expect(entry).to_contain_text("Default")
    _shot(page, "03-account")

    # --- Sign out, forget the password, reset it by the mailed link ------------------
    page.get_by_role("button", name="Sign out").click()
    page.goto(url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    _shot(page, "04-forgot")
    page.get_by_label("Email").fill(EMAIL)
    sent = len(mail.outbox)
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    assert len(mail.outbox) == sent + 1
    path, _, _ = link_in(last_mail_to(EMAIL), RESET_LINK)
    page.goto(url + path)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    _shot(page, "05-new-password")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()
    _shot(page, "06-reset-complete")

    # The link is used up; the new password signs in.
    page.goto(url + path)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(url + "/account/")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
