"""Stock alerts: a variant is low at or under its own threshold (else the shop's), as
the admin's filter and the staff's daily digest count it; no mail when nothing is
low."""

import pytest
from django.core import mail
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.alerts import low_stock_digest_send, stock_alerts
from catalog.tasks import send_low_stock_digest
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def variant(stock, threshold=None, **kwargs):
    made = ProductFactory(stock=stock, **kwargs).variants.get()
    if threshold is not None:
        made.low_stock_threshold = threshold
        made.save(update_fields=["low_stock_threshold"])
    return made


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5


def test_nothing_low_sends_no_mail(staff_user):
    variant(50)
    variant(8, threshold=7)
    assert low_stock_digest_send() == 0
    assert send_low_stock_digest.delay().get() == 0
    assert mail.outbox == []


def test_the_digest_lists_what_is_low_or_out(staff_user):
    out = variant(0)
    low = variant(5)  # at the shop's threshold
    own = variant(9, threshold=10)  # under its own
    variant(3, threshold=2)  # above its own: not low
    variant(0, is_active=False)  # off sale: not listed
    assert stock_alerts() == {"out": [out], "low": [low, own]}
    UserFactory(role="customer")  # not staff: not mailed
    assert low_stock_digest_send() == 3
    (message,) = mail.outbox
    assert message.to == [staff_user.email]
    assert "3 variants low or out of stock" in message.subject
    for v in (out, low, own):
        assert v.sku in message.body
        assert v.sku in message.alternatives[0][0]


def test_the_admin_filter_uses_each_variants_threshold(staff_user):
    low = variant(9, threshold=10)
    at_default = variant(4)
    variant(6)
    variant(3, threshold=2)
    variant(0)
    client = Client()
    client.force_login(staff_user)
    response = client.get("/admin/catalog/variant/?stock_level=low")
    assert response.status_code == 200
    assert {v.pk for v in response.context["cl"].result_list} == {
        low.pk,
        at_default.pk,
    }
    out = client.get("/admin/catalog/variant/?stock_level=out")
    assert [v.stock for v in out.context["cl"].result_list] == [0]


def test_the_digest_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["low-stock-digest"]
    assert entry["task"] == "catalog.tasks.send_low_stock_digest"
