"""The one-round-trip sliding window throttle behaves as DRF's SimpleRateThrottle."""

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from shop import throttling
from shop.throttling import SlidingWindowThrottle


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def throttles(clock, rate="3/min"):
    """Our throttle and DRF's, same rate, same clock, same client address."""

    class Ours(SlidingWindowThrottle):
        scope = "test"
        timer = clock

        def get_rate(self):
            return rate

        def get_cache_key(self, request, view):
            return f"throttle_test_{self.get_ident(request)}"

    class Theirs(SimpleRateThrottle):
        scope = "test-drf"
        timer = clock

        def get_rate(self):
            return rate

        def get_cache_key(self, request, view):
            return f"throttle_test_drf_{self.get_ident(request)}"

    return Ours, Theirs


@pytest.fixture
def needs_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: the sliding window lives in Redis")


def test_same_decisions_and_waits_as_simple_rate_throttle(needs_redis):
    """Over a sequence of requests (a burst, a refusal, the window sliding past the first
    one) both throttles allow and refuse the same requests and ask the same wait."""
    clock = Clock()
    ours, theirs = throttles(clock)
    request = APIRequestFactory().post("/api/v1/cart/items/", REMOTE_ADDR="10.0.0.7")
    decisions = []
    for offset in (0, 1, 2, 3, 30, 60.0, 60.5, 61.5, 62, 62.5, 200):
        clock.now = 1_000_000.0 + offset
        mine, drf = ours(), theirs()
        row = (mine.allow_request(request, None), drf.allow_request(request, None))
        waits = (mine.wait(), drf.wait()) if not row[0] else (None, None)
        decisions.append((offset, row, waits))

    for offset, (mine, drf), (my_wait, drf_wait) in decisions:
        assert mine == drf, offset
        assert my_wait == pytest.approx(drf_wait), offset
    assert [allowed for _, (allowed, _), _ in decisions] == [
        True,
        True,
        True,
        False,
        False,
        True,
        False,
        True,
        True,
        False,
        True,
    ]
    assert decisions[3][2][0] == pytest.approx(57.0)


def test_a_check_is_one_redis_command(needs_redis, monkeypatch):
    """Allowing a request costs one EVALSHA (DRF's throttle: a GET and a SET)."""
    seen = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        seen.append(args[0])
        return original(self, *args, **options)

    throttle_class, _ = throttles(Clock())
    request = APIRequestFactory().post("/", REMOTE_ADDR="10.0.0.8")
    throttle_class().allow_request(request, None)  # registers the script
    monkeypatch.setattr(redis.Redis, "execute_command", counting)

    assert throttle_class().allow_request(request, None) is True
    assert seen == ["EVALSHA"]


def test_redis_errors_let_the_request_through(needs_redis, monkeypatch):
    """Like the cache (IGNORE_EXCEPTIONS), the throttle fails open when Redis is down."""

    def down(*args, **kwargs):
        raise RedisConnectionError("refused")

    throttle_class, _ = throttles(Clock(), rate="1/min")
    request = APIRequestFactory().post("/", REMOTE_ADDR="10.0.0.9")
    monkeypatch.setattr(redis.Redis, "execute_command", down)

    assert throttle_class().allow_request(request, None) is True
    assert throttle_class().allow_request(request, None) is True


def test_without_django_redis_it_is_simple_rate_throttle(settings):
    """With the in-process cache the window is DRF's own (no script, same limits)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    assert throttling._window_script() is None
    throttle_class, _ = throttles(Clock(), rate="2/min")
    request = APIRequestFactory().post("/", REMOTE_ADDR="10.0.0.10")

    assert [throttle_class().allow_request(request, None) for _ in range(3)] == [
        True,
        True,
        False,
    ]
