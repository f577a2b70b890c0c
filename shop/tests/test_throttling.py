"""The API's throttle (``shop.throttling``): DRF's scoped sliding window, kept in Redis.

It must decide exactly as DRF's SimpleRateThrottle does (same requests allowed, same
waits), which is checked against DRF's own ScopedRateThrottle on an in-memory cache for
generated sequences of requests over time (the throttle's ``timer`` moves time). On top
of DRF: parallel requests cannot all pass together (one atomic script), and a Redis that
does not answer is an error (503), never a silent pass. The storefront's sign-in pages
count in the API's window.
"""

import itertools
import socket
import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, RequestFactory, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.tests.factories import PASSWORD
from shop.throttling import ScopedSlidingWindowThrottle, page_throttle_wait

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
START = 1_700_000_000.0
_addresses = itertools.count(1)


class View:
    """What a throttle reads of a view: its ``throttle_scope``."""

    def __init__(self, scope):
        self.throttle_scope = scope


def _new_address() -> str:
    """An address no earlier request came from: a window of its own."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _request(address: str):
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def _rest_framework(rates: dict) -> dict:
    """REST_FRAMEWORK with these throttle rates (the throttle reads them per request)."""
    from django.conf import settings

    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def _caches_on(url: str, **options) -> dict:
    from django.conf import settings

    default = settings.CACHES["default"]
    return {
        "default": {
            **default,
            "LOCATION": url,
            "OPTIONS": {**default["OPTIONS"], **options},
        }
    }


class Reference(ScopedRateThrottle):
    """DRF's own scoped throttle, on an in-memory cache of its own."""

    def __init__(self, rates: dict, cache: LocMemCache, now: float):
        self.THROTTLE_RATES = rates
        self.cache = cache
        self.timer = lambda: now


def _ours(now: float) -> ScopedSlidingWindowThrottle:
    throttle = ScopedSlidingWindowThrottle()
    throttle.timer = lambda: now
    return throttle


RATES = st.builds(
    lambda count, period: f"{count}/{period}",
    st.integers(min_value=0, max_value=4),
    st.sampled_from(["s", "min", "hour"]),
)
STEPS = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 30.0, 59.0, 60.0, 61.0, 3600.0]),
    st.floats(min_value=0, max_value=120, allow_nan=False, allow_infinity=False),
)
EVENTS = st.lists(
    st.tuples(STEPS, st.sampled_from(["a", "b"]), st.sampled_from([0, 1])),
    min_size=1,
    max_size=25,
)


@hypothesis_settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rate_a=RATES, rate_b=RATES, events=EVENTS)
def test_decisions_and_waits_are_those_of_drfs_simple_rate_throttle(
    rate_a, rate_b, events
):
    """For any sequence of requests over time, in two scopes from two addresses, each
    request is allowed or refused as DRF's SimpleRateThrottle decides, and a refused
    one is told the same wait (its window's oldest request leaving it)."""
    rates = {"a": rate_a, "b": rate_b}
    addresses = [_new_address(), _new_address()]
    cache = LocMemCache(f"reference-{addresses[0]}", {"OPTIONS": {"MAX_ENTRIES": 1000}})
    now = START
    with override_settings(REST_FRAMEWORK=_rest_framework(rates)):
        for step, (dt, scope, who) in enumerate(events):
            now += dt
            request, view = _request(addresses[who]), View(scope)
            reference, ours = Reference(rates, cache, now), _ours(now)
            expected = reference.allow_request(request, view)
            assert ours.allow_request(request, view) is expected, (step, now)
            if not expected:
                assert ours.wait() == pytest.approx(reference.wait(), abs=1e-6), step


def test_a_window_slides_and_refusals_are_not_counted(settings):
    """Two a minute: the third request is refused and told to wait until the first
    leaves the window; refused requests do not push that moment back."""
    settings.REST_FRAMEWORK = _rest_framework({"auth": "2/min"})
    request, view = _request(_new_address()), View("auth")

    def at(seconds):
        throttle = _ours(START + seconds)
        return throttle.allow_request(request, view), throttle

    assert at(0)[0] and at(10)[0]
    allowed, throttle = at(30)
    assert not allowed and throttle.wait() == pytest.approx(30)
    allowed, throttle = at(59.5)
    assert not allowed and throttle.wait() == pytest.approx(0.5)
    assert at(60)[0]  # the first left the window at 60 s exactly
    allowed, throttle = at(60.5)
    assert not allowed and throttle.wait() == pytest.approx(9.5)


def _released_together(count: int, make_throttle, request, view) -> list[bool]:
    """``count`` threads, each with its own throttle (and Redis connection), asking at
    the same moment; what each was answered."""
    barrier = threading.Barrier(count)
    results = []

    def attempt():
        throttle = make_throttle()
        barrier.wait()
        results.append(throttle.allow_request(request, view))

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_requests_cannot_pass_together(settings):
    """Twenty requests released at once against a budget of five: exactly five pass,
    each time (a read-then-write window would let several read the same history)."""
    settings.REST_FRAMEWORK = _rest_framework({"cart_write": "5/min"})
    for _ in range(5):
        request, view = _request(_new_address()), View("cart_write")
        results = _released_together(20, lambda: _ours(time.time()), request, view)
        assert sorted(results) == [False] * 15 + [True] * 5


def test_a_view_without_a_scope_or_a_scope_without_a_rate_is_not_throttled(settings):
    """Such a request always passes and never asks Redis (here: Redis is down)."""
    settings.REST_FRAMEWORK = _rest_framework({"auth": "1/min"})
    settings.CACHES = _caches_on(DEAD_REDIS)
    request = _request(_new_address())
    for view in (View(None), View(""), View("no_rate_for_this_scope")):
        assert all(_ours(START).allow_request(request, view) for _ in range(5))
    with pytest.raises(RedisConnectionError):
        _ours(START).allow_request(request, View("auth"))


@pytest.fixture
def silent_redis():
    """A server that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_is_an_error_and_the_api_answers_503(
    settings, silent_redis
):
    """A refused connection or a Redis that times out raises from the throttle (no
    silent pass), and the throttled endpoints answer 503 service_unavailable: sign-in
    fails closed rather than allowing unlimited guesses."""
    request, view = _request(_new_address()), View("auth")
    settings.CACHES = _caches_on(silent_redis, SOCKET_TIMEOUT=0.2)
    with pytest.raises(RedisTimeoutError):
        _ours(START).allow_request(request, view)

    settings.CACHES = _caches_on(DEAD_REDIS)
    with pytest.raises(RedisConnectionError):
        _ours(START).allow_request(request, view)
    sign_in = {"email": "nobody@example.com", "password": PASSWORD}
    response = APIClient().post("/api/v1/auth/token/", sign_in, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    with pytest.raises(RedisConnectionError):
        page_throttle_wait(_request(_new_address()), "auth")


@pytest.mark.django_db
def test_the_sign_in_pages_count_in_the_apis_window(settings, customer):
    """page_throttle_wait spends the same budget as the API: three sign-ins a minute
    from one address, through the API or the page, then both refuse (429) with the
    whole seconds to wait."""
    settings.REST_FRAMEWORK = _rest_framework({"auth": "3/min"})
    api, page = APIClient(), Client()
    wrong = {"email": customer.email, "password": "wrong"}
    assert api.post("/api/v1/auth/token/", wrong, format="json").status_code == 401
    login = {"username": customer.email, "password": "wrong"}
    assert page.post("/accounts/login/", login).status_code == 200  # the form again
    assert api.post("/api/v1/auth/token/", wrong, format="json").status_code == 401

    refused = page.post("/accounts/login/", {**login, "password": PASSWORD})
    assert refused.status_code == 429
    assert 58 <= int(refused["Retry-After"]) <= 60
    assert "_auth_user_id" not in page.session
    assert api.post("/api/v1/auth/token/", wrong, format="json").status_code == 429
    wait = page_throttle_wait(_request("127.0.0.1"), "auth")
    assert isinstance(wait, int) and 58 <= wait <= 60
