"""Root fixtures: clients for each kind of API user, a clean Redis per test, and Redis
round trips counted on the wire (for the budget suite, shop/tests/test_budgets.py, the
one place that counts them)."""

import pytest
from redis.connection import AbstractConnection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory


def pytest_configure(config):
    """A fast password hasher: full-strength hashing only slows every test that logs in."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_caches(settings):
    """Each test starts with an empty Redis: no carts, no throttle windows, no cached
    catalog. The tests' Redis database (REDIS_URL, /15 by default in `make test`) is
    flushed, and the carts' too when CART_REDIS_URL names another; the per-process
    record of thumbnails made is emptied (each test has its own media)."""
    from django.core.cache import caches
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()
    caches["thumbnails"].clear()
    if settings.CART_REDIS_URL != settings.REDIS_URL:
        from cart.store import get_store

        get_store().client.flushdb()
    yield


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user) -> APIClient:
    """An API client that sends ``user``'s access JWT."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    token = RefreshToken.for_user(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.user = user
    return client


@pytest.fixture
def customer(db):
    return UserFactory(role="customer")


@pytest.fixture
def seller(db):
    return UserFactory(role="seller")


@pytest.fixture
def other_seller(db):
    return UserFactory(role="seller")


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def customer_client(customer):
    return client_for(customer)


@pytest.fixture
def seller_client(seller):
    return client_for(seller)


@pytest.fixture
def other_seller_client(other_seller):
    return client_for(other_seller)


@pytest.fixture
def staff_client(staff_user):
    return client_for(staff_user)


# --- Redis round trips, counted on the wire -----------------------------------------------


def _commands(packed) -> list[list[bytes]]:
    """The commands in what a connection sends (RESP arrays of bulk strings)."""
    data = b"".join(bytes(chunk) for chunk in packed)
    commands, pos = [], 0
    while pos < len(data):
        end = data.index(b"\r\n", pos)
        assert data[pos : pos + 1] == b"*"
        count, pos = int(data[pos + 1 : end]), end + 2
        args = []
        for _ in range(count):
            end = data.index(b"\r\n", pos)
            assert data[pos : pos + 1] == b"$"
            length, pos = int(data[pos + 1 : end]), end + 2
            args.append(data[pos : pos + length])
            pos += length + 2
        commands.append(args)
    return commands


def _count_round_trips(monkeypatch, *, cart_only: bool) -> list[str]:
    seen = []
    send = AbstractConnection.send_packed_command

    def counting(self, command, *args, **kwargs):
        packed = [command] if isinstance(command, bytes | str) else list(command)
        commands = _commands(c.encode() if isinstance(c, str) else c for c in packed)
        if not cart_only or any(
            arg.startswith(b"cart:") for cmd in commands for arg in cmd
        ):
            seen.append("+".join(cmd[0].decode().upper() for cmd in commands))
        return send(self, packed, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return seen


@pytest.fixture
def cart_commands(monkeypatch):
    """The Redis round trips that touch a cart key, as sent on the wire: one command by
    its name ("HGETALL"), several sent together joined by "+" ("HGETALL+GET"). Round
    trips that touch no cart key (the throttle's, the catalog cache's) are not counted.
    Counted where every round trip leaves for its socket, so no way of sending escapes."""
    return _count_round_trips(monkeypatch, cart_only=True)


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Every Redis round trip, named as in ``cart_commands`` (throttles' included)."""
    return _count_round_trips(monkeypatch, cart_only=False)


@pytest.fixture(autouse=True)
def _results_may_be_joined():
    """Each test may ``get()`` an eager result. Celery keeps "joining would block" in one
    process-wide flag that each eager ``delay()`` sets and then restores: two threads
    queueing at once (the concurrent checkout tests) can restore each other's True and
    leave it set, and every later ``get()`` in this process is then refused as a
    subtask's."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
