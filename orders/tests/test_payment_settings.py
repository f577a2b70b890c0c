"""The payment settings: the gateway by name, and the start-up guard (a production shop
on the test gateway, or on Stripe without its keys, does not start), in fresh
processes so that the tests' own settings are untouched."""

import pytest

from orders.payments import TestGateway, get_gateway
from orders.payments.stripe_gateway import StripeGateway
from orders.tests.gateways import RecordingGateway
from shop.tests.test_settings import _env_example, _run_manage

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x" * 60,
    "DATABASE_URL": "sqlite:////tmp/payments-check.sqlite3",
}
STRIPE_KEYS = {
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
}


def test_the_gateway_is_chosen_by_name(settings):
    """SHOP_PAYMENT_GATEWAY: test (the default), stripe, or a dotted path."""
    assert type(get_gateway()) is TestGateway
    settings.SHOP_PAYMENT_GATEWAY = "stripe"
    assert type(get_gateway()) is StripeGateway
    settings.SHOP_PAYMENT_GATEWAY = "orders.tests.gateways.RecordingGateway"
    assert type(get_gateway()) is RecordingGateway


@pytest.mark.parametrize("gateway", ["test", "orders.payments.TestGateway"])
def test_the_test_gateway_with_debug_off_stops_start_up(gateway):
    """DEBUG off and the test gateway: every command stops, saying what to set."""
    result = _run_manage("check", env={**PRODUCTION, "SHOP_PAYMENT_GATEWAY": gateway})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SHOP_PAYMENT_GATEWAY is the test gateway" in (
        result.stderr
    )
    assert "SHOP_ALLOW_TEST_PAYMENTS=true" in result.stderr


def test_allowed_test_payments_start_and_check_deploy_warns():
    """SHOP_ALLOW_TEST_PAYMENTS=true starts (a staging or benchmark shop), and
    `check --deploy` still says that no money is taken (orders.W010)."""
    env = {**_env_example(), **PRODUCTION}
    env.update(SHOP_PAYMENT_GATEWAY="test", SHOP_ALLOW_TEST_PAYMENTS="true")
    result = _run_manage("check", env=env)
    assert result.returncode == 0, result.stderr
    deploy = _run_manage("check", "--deploy", env=env)
    assert "orders.W010" in deploy.stderr + deploy.stdout
    assert "no money is taken" in deploy.stderr + deploy.stdout


@pytest.mark.parametrize("missing", list(STRIPE_KEYS))
def test_stripe_without_a_key_stops_start_up(missing):
    """Stripe selected without one of its keys: start-up stops, naming it."""
    env = {**PRODUCTION, **STRIPE_KEYS, "SHOP_PAYMENT_GATEWAY": "stripe"}
    env[missing] = ""
    result = _run_manage("check", env=env)
    assert result.returncode != 0
    assert f"SHOP_PAYMENT_GATEWAY=stripe needs {missing}" in result.stderr


def test_development_runs_the_test_gateway():
    """With DJANGO_DEBUG on, the test gateway needs nothing."""
    result = _run_manage("check", env={"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
