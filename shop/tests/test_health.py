"""The probes: /healthz says the process answers, /readyz that its stores do, and what
they are (the development default's SQLite and embedded Redis are no deployment's)."""

import pytest
from django.db import connection


def test_healthz_says_the_process_is_up_even_with_redis_down(client, settings):
    """/healthz answers 200 {"status": "ok"} whatever the stores do (a database outage
    too: test_outages); an orchestrator restarts only a process that does not answer."""
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_redis_answer_and_names_the_stores(
    client, settings
):
    """200 with both checks ok, and ``stores``: the database's vendor and whether Redis
    is a server (REDIS_URL) or the embedded one."""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "redis": "ok"}
    assert body["stores"] == {
        "database": connection.vendor,
        "redis": "embedded" if settings.REDIS_EMBEDDED else "server",
    }
    assert body["stores"]["database"] in {"postgresql", "sqlite"}


@pytest.mark.django_db
@pytest.mark.parametrize(("embedded", "named"), [(True, "embedded"), (False, "server")])
def test_readyz_says_whether_redis_is_the_embedded_one(
    client, settings, embedded, named
):
    """REDIS_EMBEDDED (no REDIS_URL) is reported as "embedded", else "server"."""
    settings.REDIS_EMBEDDED = embedded
    assert client.get("/readyz").json()["stores"]["redis"] == named


def test_probes_answer_only_get(client):
    """The probes are read-only: a POST is 405."""
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
