"""The PostgreSQL backend pings a persistent connection only after it sat idle.

Each test drives its own connection the way Django drives one around a request
(``close_if_unusable_or_obsolete`` at the start, then queries), against the real server.
"""

import time

import pytest
from django.db import OperationalError, connection, connections

from shop.postgresql.base import RECENT_SECONDS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend"),
]


@pytest.fixture
def conn():
    wrapper = connections.create_connection("default")
    yield wrapper
    wrapper.close()


def request(conn) -> int:
    """One request's use of the connection: the backend pid that answered."""
    conn.close_if_unusable_or_obsolete()
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def count_pings(conn, monkeypatch) -> list:
    pings = []
    real = conn.is_usable

    def is_usable():
        pings.append(1)
        return real()

    monkeypatch.setattr(conn, "is_usable", is_usable)
    return pings


def go_idle(conn) -> None:
    conn._used_at -= RECENT_SECONDS + 1


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.05)  # the backend exits asynchronously


def test_a_connection_in_steady_use_is_not_pinged(conn, monkeypatch):
    first = request(conn)
    pings = count_pings(conn, monkeypatch)
    assert [request(conn) for _ in range(5)] == [first] * 5
    assert pings == []


def test_an_idle_connection_is_pinged_before_reuse(conn, monkeypatch):
    first = request(conn)
    pings = count_pings(conn, monkeypatch)
    go_idle(conn)
    assert request(conn) == first
    assert pings == [1]
    assert request(conn) == first  # used just now: no second ping
    assert pings == [1]


def test_an_idle_connection_the_server_dropped_is_replaced(conn):
    first = request(conn)
    terminate(first)
    go_idle(conn)
    second = request(conn)
    assert second != first


def test_a_busy_connection_dropped_fails_one_request_and_the_next_reconnects(conn):
    """The price of skipping the ping: the request that finds the connection dead fails
    (the API answers it 503) and the connection is replaced for the next one."""
    first = request(conn)
    terminate(first)
    with pytest.raises(OperationalError):
        request(conn)
    second = request(conn)
    assert second != first
