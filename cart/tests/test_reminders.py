"""Abandoned-cart reminders: opted-in customers, carts left long enough, once per cart,
never after an order, and what the task and the account page do."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cart.cart import Cart
from cart.models import CartReminder
from cart.reminders import carts_remind
from cart.store import CartLine, get_store
from cart.tasks import remind_abandoned_carts
from catalog.tests.factories import ProductFactory
from orders.tests.factories import order_with

pytestmark = pytest.mark.django_db
HOURS = 24


@pytest.fixture(autouse=True)
def shop_settings(settings):
    settings.SHOP_SITE_URL = "https://shop.example"
    settings.SHOP_ABANDONED_CART_HOURS = HOURS
    settings.CART_TTL = 7 * 24 * 3600
    return settings


def left_cart(user, *, hours_ago: float, settings, product=None):
    """The user's cart with one line, as if last changed ``hours_ago`` hours ago: it was
    written with a lifetime that much shorter than CART_TTL (the store renews a cart's
    lifetime to CART_TTL on every write, so the time left tells its age)."""
    full = settings.CART_TTL
    settings.CART_TTL = full - int(hours_ago * 3600)
    product = product or ProductFactory()
    cart = Cart.for_user(user)
    get_store().add(cart.id, CartLine(product.variants.get().pk, 1, product.price))
    settings.CART_TTL = full
    return cart


def test_an_opted_in_customer_gets_one_reminder_for_a_cart_left_long_enough(settings):
    ada = UserFactory(cart_reminders=True, email="ada@example.com")
    left_cart(ada, hours_ago=HOURS + 1, settings=settings)
    assert carts_remind() == 1
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "https://shop.example/cart/" in message.body
    assert "https://shop.example/account/" in message.body  # how to stop them
    assert "Back to my cart" in message.alternatives[0][0]
    assert carts_remind() == 0 and remind_abandoned_carts() == 0  # once per cart
    assert len(mail.outbox) == 1


def test_no_reminder_without_the_opt_in_too_soon_or_for_an_empty_cart(settings):
    off = UserFactory(cart_reminders=False)
    left_cart(off, hours_ago=HOURS + 5, settings=settings)
    fresh = UserFactory(cart_reminders=True)
    left_cart(fresh, hours_ago=HOURS - 1, settings=settings)
    empty = UserFactory(cart_reminders=True)
    get_store().touch(Cart.for_user(empty).id)
    UserFactory(cart_reminders=True)  # no cart at all
    assert carts_remind() == 0
    assert mail.outbox == []


def test_never_after_they_ordered(settings):
    buyer = UserFactory(cart_reminders=True)
    product = ProductFactory()
    left_cart(buyer, hours_ago=HOURS + 2, settings=settings, product=product)
    order_with(
        products_and_quantities=[(ProductFactory(), 1)], user=buyer
    )  # ordered since
    assert carts_remind() == 0


def test_a_changed_cart_is_a_new_cart_to_remind_of(settings):
    ada = UserFactory(cart_reminders=True)
    left_cart(ada, hours_ago=HOURS + 1, settings=settings)
    assert carts_remind() == 1
    left_cart(ada, hours_ago=HOURS + 1, settings=settings)  # added again, left again
    assert carts_remind() == 1
    assert CartReminder.objects.filter(user=ada).count() == 2


def test_a_failed_send_gives_the_claim_back(settings, monkeypatch):
    ada = UserFactory(cart_reminders=True)
    left_cart(ada, hours_ago=HOURS + 1, settings=settings)

    def refuse(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert carts_remind() == 0
    assert not CartReminder.objects.exists()
    monkeypatch.undo()
    assert carts_remind() == 1


def test_without_a_site_url_nothing_is_sent(settings):
    settings.SHOP_SITE_URL = ""
    ada = UserFactory(cart_reminders=True)
    left_cart(ada, hours_ago=HOURS + 1, settings=settings)
    assert carts_remind() == 0 and mail.outbox == []


def test_the_account_page_sets_the_opt_in(client):
    ada = UserFactory(name="Ada")
    client.force_login(ada)
    page = client.get(reverse("shop:account"))
    assert "Mail me once about a cart I leave" in page.content.decode()
    response = client.post(
        reverse("shop:account-profile"), {"name": "Ada", "cart_reminders": "on"}
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.cart_reminders is True
    client.post(reverse("shop:account-profile"), {"name": "Ada"})
    ada.refresh_from_db()
    assert ada.cart_reminders is False


def test_the_dashboard_counts_reminders_and_the_orders_that_followed(settings):
    from orders.reports import dashboard

    ada = UserFactory(cart_reminders=True)
    left_cart(ada, hours_ago=HOURS + 1, settings=settings)
    carts_remind()
    reminder = CartReminder.objects.get()
    CartReminder.objects.filter(pk=reminder.pk).update(
        sent_at=reminder.sent_at - timedelta(hours=1)
    )
    order_with(products_and_quantities=[(ProductFactory(), 1)], user=ada)
    order_with(
        products_and_quantities=[(ProductFactory(), 1)], user=UserFactory()
    )  # not reminded
    figures = dashboard()
    assert (figures.carts_reminded, figures.orders_after_reminder) == (1, 1)
