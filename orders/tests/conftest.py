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
