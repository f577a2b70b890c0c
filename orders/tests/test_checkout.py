import socket
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, connections

from catalog.models import Product, StockMovement
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.models import Coupon, CouponRedemption
from orders.models import IdempotencyKey, Order
from orders.checkout import order_place
from orders.tests.carts import cart_with
from shop.background import run_beside, wait_for_background
from shop.exceptions import CheckoutConflict, EmptyCart

ADDRESS = {
    "shipping_name": "Grace Hopper",
    "shipping_address": "1 Harbour Way\nArlington",
}


def place(cart, *, user=None, email="guest@example.com", key=None):
    return order_place(
        cart=cart, user=user, email=email, idempotency_key=key, **ADDRESS
    )


def run_concurrently(count: int, target) -> list:
    """Run ``target(i)`` in ``count`` threads released together; their results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db
def test_checkout_creates_order_takes_stock_and_redeems_coupon(settings, customer):
    """Order with snapshots and totals from the pricing function; stock and coupon taken."""
    settings.SHOP_TAX_RATE = Decimal("0.0825")
    kitchen = CategoryFactory()
    a = ProductFactory(price=Decimal("19.99"), stock=5, category=kitchen)
    b = ProductFactory(price=Decimal("4.35"), stock=3)
    coupon = Coupon.objects.create(code="KITCHEN10", percent_off=Decimal("10"))
    coupon.categories.add(kitchen)
    cart = cart_with([(a, 2), (b, 3)], coupon="kitchen10", user=customer)

    placed = place(cart, user=customer, email=customer.email, key="k-1")

    order = placed.order
    assert placed.created is True
    assert order.status == Order.Status.PENDING and order.user == customer
    # 39.98 + 13.05 = 53.03; 10% of the kitchen line 39.98 = 4.00; tax 8.25% of 49.03 = 4.04
    assert (order.subtotal, order.discount, order.tax, order.total) == (
        Decimal("53.03"), Decimal("4.00"), Decimal("4.04"), Decimal("53.07"),
    )  # fmt: skip
    assert order.coupon_code == "KITCHEN10" and order.currency == "USD"
    items = list(
        order.items.values_list("product_id", "product_name", "unit_price", "quantity")
    )
    assert items == [
        (a.pk, a.name, Decimal("19.99"), 2),
        (b.pk, b.name, Decimal("4.35"), 3),
    ]
    assert dict(Product.objects.values_list("pk", "stock")) == {a.pk: 3, b.pk: 0}
    movements = StockMovement.objects.filter(
        order=order, reason=StockMovement.Reason.CHECKOUT
    )
    assert sorted(movements.values_list("product_id", "delta")) == [
        (a.pk, -2),
        (b.pk, -3),
    ]
    assert CouponRedemption.objects.get(order=order).coupon == coupon
    assert IdempotencyKey.objects.get(owner=cart.owner, key="k-1").order == order


@pytest.mark.django_db
def test_checkout_of_empty_cart_is_400():
    """An empty (or unknown) cart cannot be checked out: EmptyCart, 400."""
    with pytest.raises(EmptyCart) as exc:
        place(cart_with([]))
    assert exc.value.status_code == 400 and exc.value.code == "cart_empty"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_checkout_reports_every_problem_and_changes_nothing():
    """Archived, sold-out and short lines and a bad coupon all listed in one 409; no change."""
    fine = ProductFactory(stock=5)
    archived = ProductFactory(stock=5, is_active=False)
    sold_out = ProductFactory(stock=0)
    short = ProductFactory(stock=2)
    Coupon.objects.create(code="OFF", percent_off=Decimal("5"), is_active=False)
    cart = cart_with(
        [(fine, 1), (archived, 1), (sold_out, 2), (short, 3)], coupon="OFF"
    )
    Product.objects.filter(pk=sold_out.pk).update(stock=0)

    with pytest.raises(CheckoutConflict) as exc:
        place(cart)

    assert exc.value.status_code == 409 and exc.value.code == "checkout_conflict"
    problems = [
        {k: v for k, v in p.items() if k != "detail"}
        for p in exc.value.extra["problems"]
    ]
    assert problems == [
        {
            "product_id": archived.pk,
            "code": "product_unavailable",
            "requested": 1,
            "available": 0,
        },
        {
            "product_id": sold_out.pk,
            "code": "out_of_stock",
            "requested": 2,
            "available": 0,
        },
        {
            "product_id": short.pk,
            "code": "insufficient_stock",
            "requested": 3,
            "available": 2,
        },
        {
            "product_id": None,
            "code": "coupon_invalid",
            "requested": None,
            "available": None,
        },
    ]
    assert not Order.objects.exists()
    assert not StockMovement.objects.exists()
    assert dict(Product.objects.values_list("pk", "stock")) == {
        fine.pk: 5, archived.pk: 5, sold_out.pk: 0, short.pk: 2,
    }  # fmt: skip


@pytest.mark.django_db
def test_deleted_product_in_cart_is_a_problem():
    """A product deleted since it was added is reported as unavailable."""
    gone = ProductFactory()
    cart = cart_with([(gone, 1)])
    gone_pk = gone.pk
    gone.delete()
    with pytest.raises(CheckoutConflict) as exc:
        place(cart)
    assert exc.value.extra["problems"][0]["product_id"] == gone_pk
    assert exc.value.extra["problems"][0]["code"] == "product_unavailable"


@pytest.mark.django_db
def test_same_idempotency_key_returns_the_same_order():
    """A repeated key gives the first order back (created=False), never a second one."""
    product = ProductFactory(stock=5)
    cart = cart_with([(product, 1)])
    first = place(cart, key="abc")
    cart_with([])  # unrelated cart, to show keys are per owner
    second = place(cart, key="abc")
    assert second.created is False and second.order.pk == first.order.pk
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 4


@pytest.mark.django_db
def test_idempotency_keys_are_per_cart_owner():
    """The same key from another cart owner is a different checkout."""
    product = ProductFactory(stock=5)
    one = place(cart_with([(product, 1)]), key="same")
    two = place(cart_with([(product, 1)]), key="same")
    assert one.order.pk != two.order.pk and two.created is True


@pytest.mark.django_db
def test_confirmation_email_sent_after_commit(django_capture_on_commit_callbacks):
    """After commit the buyer gets a plain-text and HTML confirmation with the order number."""
    cart = cart_with([(ProductFactory(name="Teapot", price=Decimal("12.00")), 2)])
    with django_capture_on_commit_callbacks(execute=True):
        order = place(cart, email="buyer@example.com").order
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"]
    assert order.number in message.subject
    assert "2 x Teapot" in message.body and "Total: 24.00 USD" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and order.number in html and "Teapot" in html


@pytest.fixture
def background_thread(settings):
    """The background thread on, and drained before the test's settings are undone
    (a job left queued by a failing test must not run in the next one)."""
    settings.SHOP_BACKGROUND_THREAD = True
    yield
    # The thread's own database connection (it records a sent mail) is closed, so that
    # the test database can be dropped at the end.
    run_beside(connections.close_all)
    wait_for_background(timeout=60)


def _mail_failures(caplog):
    """The failed sends logged (by the sender, which raises none of them)."""
    return [r for r in caplog.records if r.name == "orders.services" and r.exc_info]


@pytest.mark.django_db
def test_a_silent_mail_server_costs_a_checkout_that_sends_itself_at_most_the_timeout(
    django_capture_on_commit_callbacks, settings, caplog
):
    """Sending within the request (SHOP_BACKGROUND_THREAD off), a mail server that takes
    the connection and never greets fails the send after EMAIL_TIMEOUT: logged, and the
    order stands."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        # Should the timeout not apply, the send ends when this watchdog closes the
        # server (a reset, not "timed out"), so the test fails instead of hanging.
        watchdog = threading.Timer(20, silent.close)
        watchdog.start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = silent.getsockname()
        settings.EMAIL_TIMEOUT = 0.2
        product = ProductFactory(stock=5)
        try:
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                placed = place(cart_with([(product, 2)]), email="buyer@example.com")
            took = time.monotonic() - started
        finally:
            watchdog.cancel()
    # About the 0.2 s timeout (generous for a slow machine), far from the watchdog's 20.
    assert took < 5
    assert placed.created and Order.objects.filter(pk=placed.order.pk).exists()
    failures = _mail_failures(caplog)
    assert len(failures) == 1 and "timed out" in str(failures[0].exc_info[1])


@pytest.mark.django_db(transaction=True)  # the thread's connection sees what committed
def test_checkout_does_not_wait_for_the_mail_server(
    settings, caplog, background_thread
):
    """The confirmation is sent beside the request: a checkout is done while the mail
    server has not even greeted, and a server that then fails leaves the order placed
    with the failure logged."""
    with socket.create_server(("127.0.0.1", 0)) as server:  # never greets by itself
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
        settings.EMAIL_TIMEOUT = 30
        product = ProductFactory(stock=5)
        placed = place(cart_with([(product, 2)]), email="buyer@example.com")
        # The checkout has answered while its confirmation still waits for a greeting
        # (sent within the request, it would have failed by now, after EMAIL_TIMEOUT).
        assert not _mail_failures(caplog)
        # Only now does the mail server take the connection and end it unanswered.
        server.settimeout(10)
        sender, _ = server.accept()
        sender.close()
        wait_for_background(timeout=10)
    assert placed.created and Order.objects.filter(pk=placed.order.pk).exists()
    product.refresh_from_db()
    assert product.stock == 3
    failures = _mail_failures(caplog)
    assert len(failures) == 1
    assert "Could not reach the mail server" in failures[0].getMessage()


@pytest.mark.django_db(transaction=True)  # the thread's connection sees what committed
def test_mail_sent_beside_the_request_arrives(background_thread):
    """With the background thread on, the confirmation is sent once its turn comes."""
    cart = cart_with([(ProductFactory(name="Teapot", price=Decimal("12.00")), 2)])
    order = place(cart, email="buyer@example.com").order
    wait_for_background(timeout=10)
    assert [m.to for m in mail.outbox] == [["buyer@example.com"]]
    assert order.number in mail.outbox[0].subject


@pytest.mark.django_db
def test_confirmation_links_to_the_order_page(
    django_capture_on_commit_callbacks, settings
):
    """With SHOP_SITE_URL the mail links to the order's page (a guest's with its token);
    without it, the mail has no link."""
    settings.SHOP_SITE_URL = "https://shop.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        order = place(cart_with([(ProductFactory(), 1)])).order
    link = f"https://shop.example.com/orders/{order.number}/?token={order.access_token}"
    message = mail.outbox[-1]
    assert link in message.body
    assert f'href="{link}"' in message.alternatives[0][0]

    settings.SHOP_SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        place(cart_with([(ProductFactory(), 1)]))
    assert "http" not in mail.outbox[-1].body


@pytest.mark.django_db
def test_nothing_sent_when_checkout_fails(django_capture_on_commit_callbacks):
    """A refused checkout sends no email."""
    cart = cart_with([(ProductFactory(stock=1), 2)])
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(CheckoutConflict),
    ):
        place(cart)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_forty_buyers_race_for_ten_units():
    """40 carts of 1 unit each, stock 10, all at once: exactly 10 orders, the rest 409."""
    product = ProductFactory(stock=10)
    carts = [cart_with([(product, 1)]) for _ in range(40)]

    results = run_concurrently(40, lambda i: place(carts[i], email=f"b{i}@example.com"))

    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(placed) == 10 and len(refused) == 30
    assert all(isinstance(r, CheckoutConflict) for r in refused), refused
    assert all(r.extra["problems"][0]["code"] == "out_of_stock" for r in refused)
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.count() == 10
    movements = StockMovement.objects.filter(product=product, reason="checkout")
    assert movements.count() == 10
    assert sorted(movements.values_list("stock_after", flat=True)) == list(range(10))


@pytest.mark.django_db(transaction=True)
def test_last_coupon_use_raced_goes_to_exactly_one_order():
    """max_uses=1 raced by 8 checkouts: one order gets it; the others a coupon problem, no order."""
    Coupon.objects.create(code="LAST", amount_off=Decimal("5.00"), max_uses=1)
    carts = [cart_with([(ProductFactory(price=Decimal("20.00")), 1)], coupon="LAST")]
    carts += [cart_with([(ProductFactory(price=Decimal("20.00")), 1)], coupon="LAST")
              for _ in range(7)]  # fmt: skip

    results = run_concurrently(8, lambda i: place(carts[i], email=f"c{i}@example.com"))

    placed = [r for r in results if not isinstance(r, Exception)]
    assert len(placed) == 1 and placed[0].order.discount == Decimal("5.00")
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, CheckoutConflict) for r in refused), refused
    assert {r.extra["problems"][0]["code"] for r in refused} == {"coupon_used_up"}
    assert Order.objects.count() == 1 and CouponRedemption.objects.count() == 1
    assert StockMovement.objects.filter(reason="checkout").count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_key_sent_concurrently_makes_one_order():
    """Five requests with one Idempotency-Key at once: one order, all answers name it."""
    product = ProductFactory(stock=10)
    cart = cart_with([(product, 2)])

    results = run_concurrently(5, lambda i: place(cart, key="double-click"))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.order.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 8


@pytest.mark.django_db(transaction=True)
def test_double_submit_without_a_key_orders_the_cart_once():
    """Five checkouts of one cart at once, no Idempotency-Key: one order, the rest see an
    empty cart (the owner's lock is held until the cart is emptied, not just until COMMIT)."""
    product = ProductFactory(stock=10)
    cart = cart_with([(product, 2)])

    results = run_concurrently(5, lambda i: place(cart))

    placed = [r for r in results if not isinstance(r, Exception)]
    assert len(placed) == 1, results
    assert all(isinstance(r, EmptyCart) for r in results if isinstance(r, Exception)), (
        results
    )
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 8


@pytest.mark.django_db
def test_checkout_email_longer_than_the_column_is_a_400(api_client):
    """An address over 254 characters is a field error, not a database error."""
    from orders.tests.carts import cart_with as _cart_with

    cart = _cart_with([(ProductFactory(stock=5), 1)])
    response = api_client.post(
        "/api/v1/orders/",
        {"email": "a" * 250 + "@example.com", "shipping_name": "A",
         "shipping_address": "1 Road"},
        format="json", HTTP_X_CART_TOKEN=cart.token,
    )  # fmt: skip
    assert response.status_code == 400
    assert "email" in response.json()
