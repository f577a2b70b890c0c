"""The PostgreSQL backend pings a persistent connection only after it sat idle.

Each test drives its own connection the way Django drives one around a request
(``close_if_unusable_or_obsolete`` at the start, then queries), against the real server.
"""

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
    """End a backend as a server restart would; returns once it has exited."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


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


def test_a_busy_connection_the_server_ended_is_replaced_without_a_failed_request(
    conn, monkeypatch
):
    """Used moments ago, but the server ended its backend (a restart, a failover): the
    FATAL it sent makes the socket readable, so the ping runs and a new connection
    answers. No request fails."""
    first = request(conn)
    pings = count_pings(conn, monkeypatch)
    terminate(first)

    second = request(conn)

    assert second != first
    assert pings == [1]


def test_a_connection_dropped_after_the_check_fails_one_request_and_is_replaced(conn):
    """The one case left: dropped between the check and the query. That request fails
    (the API answers it 503) and the connection is replaced for the next one."""
    first = request(conn)
    conn.close_if_unusable_or_obsolete()
    conn.close_if_health_check_failed()  # the request's check: passes
    terminate(first)
    with pytest.raises(OperationalError):
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
    second = request(conn)
    assert second != first
