"""Back in stock: people leave an email on a sold-out variant (API and product page),
are mailed once when its stock goes from 0 to more, in batches capped by the stock,
never twice, and can unsubscribe by the mail's link."""

from smtplib import SMTPException

import pytest
from django.core import mail
from django.test import Client

from catalog import restock
from catalog.models import BackInStockRequest, StockMovement
from catalog.restock import back_in_stock_send, back_in_stock_subscribe
from catalog.stock import stock_adjust
from catalog.tasks import send_back_in_stock
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out():
    return ProductFactory(stock=0, name="Lamp").variants.get()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``fn`` and what it queued on commit (the restock's task, eagerly)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def url(variant) -> str:
    return f"/api/v1/variants/{variant.pk}/notify-me/"


def waiting(variant, n):
    for i in range(n):
        back_in_stock_subscribe(variant_id=variant.pk, email=f"p{i}@example.com")


def restock_by(variant, delta, committed):
    committed(
        stock_adjust,
        variant=variant,
        delta=delta,
        reason=StockMovement.Reason.ADJUSTMENT,
    )


# --- the API --------------------------------------------------------------------


def test_anyone_leaves_an_email_once(api_client, sold_out):
    response = api_client.post(
        url(sold_out), {"email": "Ann@Example.com"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["email"] == "ann@example.com"
    assert response.json()["variant_id"] == sold_out.pk
    again = api_client.post(url(sold_out), {"email": "ann@example.com"}, format="json")
    assert again.status_code == 200
    assert BackInStockRequest.objects.count() == 1


def test_a_signed_in_user_may_leave_the_email_out(customer_client, customer, sold_out):
    response = customer_client.post(url(sold_out), {}, format="json")
    assert response.status_code == 201
    assert response.json()["email"] == customer.email.lower()


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": ""}])
def test_a_missing_or_bad_email_is_a_400(api_client, sold_out, body):
    response = api_client.post(url(sold_out), body, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert not BackInStockRequest.objects.exists()


def test_a_variant_in_stock_is_a_400(api_client):
    variant = ProductFactory(stock=3).variants.get()
    response = api_client.post(url(variant), {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "in_stock"


def test_an_unknown_or_inactive_variant_is_a_404(api_client, sold_out):
    assert (
        api_client.post(
            "/api/v1/variants/999999/notify-me/",
            {"email": "a@example.com"},
            format="json",
        ).status_code
        == 404
    )
    sold_out.is_active = False
    sold_out.save()
    assert api_client.post(url(sold_out), {"email": "a@example.com"},
                           format="json").status_code == 404  # fmt: skip
    hidden = ProductFactory(stock=0, is_active=False).variants.get()
    assert api_client.post(url(hidden), {"email": "a@example.com"},
                           format="json").status_code == 404  # fmt: skip


# --- the mail -------------------------------------------------------------------


def test_a_restock_mails_each_subscriber_once(sold_out, committed, settings):
    settings.SHOP_SITE_URL = "https://shop.example"
    waiting(sold_out, 2)
    restock_by(sold_out, 5, committed)
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.com", "p1@example.com"]
    message = mail.outbox[0]
    assert "Lamp is back in stock" in message.subject
    token = BackInStockRequest.objects.get(email=message.to[0]).token
    assert f"https://shop.example/back-in-stock/unsubscribe/{token}/" in message.body
    assert token in message.alternatives[0][0]
    # The task run again (a retry, a duplicate), or a second restock: no more mail.
    send_back_in_stock.delay(sold_out.pk)
    restock_by(sold_out, 1, committed)
    assert len(mail.outbox) == 2


def test_stock_that_stays_above_zero_mails_nobody(committed):
    variant = ProductFactory(stock=2).variants.get()
    BackInStockRequest.objects.create(variant=variant, email="x@example.com", token="t")
    restock_by(variant, 3, committed)
    assert mail.outbox == []


def test_a_round_mails_at_most_what_the_stock_allows(
    sold_out, committed, settings, monkeypatch
):
    """Batches of BATCH, at most max(stock × per unit, BATCH) a round; the rest wait
    for the next restock, oldest first."""
    monkeypatch.setattr(restock, "BATCH", 2)
    settings.SHOP_BACK_IN_STOCK_PER_UNIT = 3
    waiting(sold_out, 10)
    restock_by(sold_out, 1, committed)
    assert [m.to[0] for m in mail.outbox] == ["p0@example.com", "p1@example.com",
                                             "p2@example.com"]  # fmt: skip
    assert BackInStockRequest.objects.filter(notified_at=None).count() == 7
    restock_by(sold_out, -1, committed)  # sold
    restock_by(sold_out, 2, committed)  # back: up to 6 more
    assert len(mail.outbox) == 9


def test_the_stock_is_read_again_before_each_batch(
    sold_out, committed, settings, monkeypatch
):
    """Sold out again while a round is sending: the next batch is not sent."""
    monkeypatch.setattr(restock, "BATCH", 2)
    settings.SHOP_BACK_IN_STOCK_PER_UNIT = 3
    waiting(sold_out, 10)
    real = restock.back_in_stock_message

    def sell_out_after_first_batch(variant, request):
        if len(mail.outbox) == 1:  # the second mail of the first batch
            stock_adjust(variant=variant.pk, delta=-variant.stock, reason="checkout")
        return real(variant, request)

    monkeypatch.setattr(restock, "back_in_stock_message", sell_out_after_first_batch)
    restock_by(sold_out, 4, committed)  # 12 allowed, but sold out after 2
    assert len(mail.outbox) == 2
    assert BackInStockRequest.objects.filter(notified_at=None).count() == 8


def test_a_failed_send_gives_its_claims_back(sold_out, monkeypatch):
    waiting(sold_out, 3)
    stock_adjust(
        variant=sold_out, delta=5, reason="adjustment"
    )  # no task: not committed
    real = restock.back_in_stock_message

    def fail_second(variant, request):
        message = real(variant, request)
        if request.email == "p1@example.com":
            message.send = lambda: (_ for _ in ()).throw(SMTPException("down"))
        return message

    monkeypatch.setattr(restock, "back_in_stock_message", fail_second)
    with pytest.raises(SMTPException):
        back_in_stock_send(variant_id=sold_out.pk)
    assert [m.to[0] for m in mail.outbox] == ["p0@example.com"]
    assert set(
        BackInStockRequest.objects.filter(notified_at=None).values_list(
            "email", flat=True
        )
    ) == {"p1@example.com", "p2@example.com"}
    monkeypatch.setattr(restock, "back_in_stock_message", real)
    assert back_in_stock_send(variant_id=sold_out.pk) == 2
    assert len(mail.outbox) == 3


# --- the pages ------------------------------------------------------------------


def test_unsubscribing_by_the_link(sold_out, committed):
    made, _ = back_in_stock_subscribe(variant_id=sold_out.pk, email="a@example.com")
    client = Client()
    page = client.get(f"/back-in-stock/unsubscribe/{made.token}/")
    assert page.status_code == 200
    assert b"Unsubscribe</button>" in page.content
    assert BackInStockRequest.objects.exists()  # a GET (a mail scanner) changes nothing
    done = client.post(f"/back-in-stock/unsubscribe/{made.token}/")
    assert done.status_code == 200
    assert b'data-testid="unsubscribed"' in done.content
    assert not BackInStockRequest.objects.exists()
    assert client.get("/back-in-stock/unsubscribe/nope/").status_code == 404
    restock_by(sold_out, 3, committed)
    assert mail.outbox == []


def test_the_product_page_offers_the_form_for_a_sold_out_variant(sold_out):
    client = Client()
    page = client.get(sold_out.product.get_absolute_url())
    assert b'data-testid="notify-me-form"' in page.content
    in_stock = ProductFactory(stock=2)
    assert b"notify-me-form" not in client.get(in_stock.get_absolute_url()).content


def test_the_product_page_form_subscribes(sold_out):
    client = Client()
    action = f"/p/{sold_out.product.slug}/notify-me/"
    response = client.post(
        action, {"variant_id": sold_out.pk, "email": "b@example.com"}
    )
    assert response.status_code == 302
    assert BackInStockRequest.objects.get().email == "b@example.com"
    bad = client.post(action, {"variant_id": sold_out.pk, "email": "nope"})
    assert bad.status_code == 400
    assert b"errorlist" in bad.content
    in_stock = ProductFactory(stock=2).variants.get()
    wrong = client.post(action, {"variant_id": in_stock.pk, "email": "b@example.com"})
    assert wrong.status_code == 404  # not this product's variant
    stock_adjust(variant=sold_out, delta=1, reason="adjustment")
    now_in = client.post(action, {"variant_id": sold_out.pk, "email": "c@example.com"})
    assert now_in.status_code == 400
    assert b"in stock" in now_in.content
