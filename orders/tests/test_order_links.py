"""The order link of a confirmation mail: a guest's opens the order in any browser, a
user's goes through sign-in; a wrong token opens nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from orders.notifications import order_link
from orders.tests.factories import OrderFactory
from orders.tests.storefront import placed_order

pytestmark = pytest.mark.django_db


def mailed_link(order) -> str:
    """The link the order's confirmation carries, as a path on the test server."""
    return order_link(order).removeprefix("https://shop.example.com")


@pytest.fixture
def site(settings):
    settings.SHOP_SITE_URL = "https://shop.example.com"


def test_a_guests_mailed_link_opens_and_pays_the_order_in_another_browser(client, site):
    """The confirmation's link carries the guest's order token: a browser without the
    checkout's session is sent to the plain address and may see and pay the order."""
    order = placed_order(client)
    elsewhere = Client()

    response = elsewhere.get(mailed_link(order))

    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()  # the token left the URL
    page = elsewhere.get(order.get_absolute_url())
    assert page.status_code == 200 and "Pay $25.00" in page.content.decode()
    paid = elsewhere.post(
        reverse("shop:order-pay", args=[order.number]), {"payment_token": "tok_success"}
    )
    assert paid.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.parametrize("token", ["", "wrong", "x" * 5000, "\x00"])
def test_an_order_link_with_a_wrong_token_is_404(client, site, token):
    """A token that does not open the order is a 404 and opens nothing afterwards."""
    order = placed_order(client)
    stranger = Client()

    response = stranger.get(order.get_absolute_url(), {"token": token})

    assert response.status_code == 404
    assert stranger.get(order.get_absolute_url()).status_code == 404


def test_one_orders_token_does_not_open_another(client, site):
    """Each link opens its own order only."""
    first = placed_order(client)
    second = OrderFactory()  # another guest's
    stranger = Client()

    link = f"{second.get_absolute_url()}?token={first.access_token}"

    assert stranger.get(link).status_code == 404
    assert stranger.get(second.get_absolute_url()).status_code == 404


def test_a_users_mailed_link_goes_through_sign_in(client, site):
    """A signed-in customer's confirmation links to the sign-in page, which then shows
    the order; the link carries no token."""
    user = UserFactory()
    client.force_login(user)
    order = placed_order(client)
    assert order.user_id == user.pk
    link = mailed_link(order)
    assert order.access_token not in link

    signed_out = Client()
    assert signed_out.get(link).status_code == 200  # the sign-in form
    signed_in = Client()
    signed_in.force_login(user)
    response = signed_in.get(link)
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()


def test_an_order_link_gives_the_browser_a_new_session_key(client, site):
    """A session key planted in the browser beforehand does not gain the order."""
    order = placed_order(client)
    victim = Client()
    victim.get("/")  # a session of its own, whose key an attacker might have set
    victim.session["planted"] = True
    victim.session.save()
    planted = victim.session.session_key
    victim.cookies["sessionid"] = planted

    victim.get(mailed_link(order))

    assert victim.cookies["sessionid"].value != planted
    attacker = Client()
    attacker.cookies["sessionid"] = planted
    assert attacker.get(order.get_absolute_url()).status_code == 404
    assert victim.get(order.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("token", ["", "wrong"])
def test_a_stray_token_does_not_hide_the_order_from_who_may_see_it(client, site, token):
    """The guest who placed the order (token in the session) still reaches it through
    an address with a wrong token: it leads to the plain page."""
    order = placed_order(client)

    response = client.get(order.get_absolute_url(), {"token": token})

    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200
