import os

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Product pictures and their thumbnails go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def broker(settings):
    """The Celery app sending its tasks to the broker (the tests' Redis, REDIS_URL) instead
    of running them in the process; its queue is empty before and after the test."""
    if not settings.CELERY_BROKER_URL:
        pytest.skip("needs a broker: REDIS_URL")
    from shop.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    try:
        _declare_and_purge(app)
        yield app
    finally:
        try:
            _declare_and_purge(app)
        finally:
            app.conf.task_always_eager, app.conf.broker_url = saved


def _declare_and_purge(app) -> None:
    # Declared each time: every test starts on a flushed Redis, which also removes the
    # queue's binding, while the app's connections remember having declared it.
    with app.connection_for_write() as conn:
        app.amqp.queues[app.conf.task_default_queue](conn.default_channel).declare()
    app.control.purge()


@pytest.fixture(scope="session")
def localstripe():
    """localstripe on loopback for the session: its base address (STRIPE_API_BASE).
    .ci/run installs it (requirements-dev.txt), so CI never skips."""
    try:
        import localstripe as _  # noqa: F401
    except ImportError:
        if os.environ.get("SHOP_REQUIRE_LOCALSTRIPE") == "true":  # CI (.ci/run)
            raise
        pytest.skip("localstripe is not installed: pip install -r requirements-dev.txt")
    from orders.tests import localstripe_server

    process, base = localstripe_server.start()
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def stripe_shop(settings, localstripe):
    """The shop on the Stripe gateway, talking to localstripe."""
    from orders.tests import localstripe_server as ls

    settings.SHOP_PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = ls.SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = ls.PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = ls.WEBHOOK_SECRET
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    return localstripe
