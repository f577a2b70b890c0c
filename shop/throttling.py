"""Throttles whose check is one Redis round trip.

DRF's SimpleRateThrottle reads the request history from the cache (GET, unpickle), trims
it, and writes it back (pickle, SET): two round trips on every throttled request, about
a quarter of an add-to-cart's time when profiled. ``SlidingWindowThrottle`` keeps the
same sliding window (the timestamps of the last ``duration`` seconds, at most
``num_requests`` of them) as a Redis sorted set, trimmed, counted and appended by one Lua
script, atomically. Without django-redis (the in-process cache) it is SimpleRateThrottle.
As the cache, it fails open when Redis does not answer.

The step is also a Lua function (``WINDOW_LUA_FN``) that another script can run first in
its own atomic step: the API's add to cart defers its throttle (``deferred``) into the
cart store's add, so the check and the write are one round trip. The checkout defers its
own into the cart's read (``WINDOW_LUA``, sent with it).
"""

import logging
import math
import secrets
from typing import NamedTuple

from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

# window(key, now, duration, limit, member): the sliding window's step, a Lua function that
# other scripts include to check a window in their own atomic step (the cart's add).
# Returns {1, count, '0'} when allowed (and recorded), {0, count, oldest} when refused.
WINDOW_LUA_FN = """
local function window(key, now, duration, limit, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  local n = redis.call('ZCARD', key)
  if n >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    -- An empty window (a limit of 0) has no oldest entry: now, so the wait is a whole window.
    return {0, n, oldest[2] or tostring(now)}
  end
  redis.call('ZADD', key, now, member)
  redis.call('EXPIRE', key, math.ceil(duration))
  return {1, n + 1, '0'}
end
"""

# KEYS[1]: the window. ARGV: now, duration (s), limit, a unique member.
WINDOW_LUA = (
    WINDOW_LUA_FN
    + "return window(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])"
)

_scripts: dict[int, object] = {}


def _window_script():
    """The registered script on django-redis's client, or None for another cache."""
    client_of = getattr(getattr(cache, "client", None), "get_client", None)
    if client_of is None:
        return None
    client = client_of(write=True)
    script = _scripts.get(id(client))
    if script is None or script.registered_client is not client:
        script = _scripts[id(client)] = client.register_script(WINDOW_LUA)
    return script


class SlidingWindowThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's sliding window in one atomic Redis step (see the module)."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        script = _window_script()
        if script is None:
            return super().allow_request(request, view)
        window = self._window(request, view)
        return True if window is None else window.check()

    def deferred(self, request, view) -> "Window | None":
        """This request's window step, for a caller that runs it inside its own Redis
        script (one round trip for both) and hands the reply to ``Window.settle``.
        None when there is nothing to defer: no rate, no key, or no django-redis (then
        ``allow_request`` decides as usual)."""
        if self.rate is None or _window_script() is None:
            return None
        return self._window(request, view)

    def _window(self, request, view) -> "Window | None":
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        self.now = self.timer()
        return Window(
            self,
            # Its own key: never the pickled history SimpleRateThrottle would keep.
            cache.make_key(f"{self.key}:window"),
            [
                repr(self.now),
                self.duration,
                self.num_requests,
                f"{self.now!r}:{secrets.token_hex(4)}",
            ],
        )


class Window(NamedTuple):
    """One request's sliding-window step: the Redis key and the script's arguments
    (now, duration, limit, a unique member) of ``WINDOW_LUA_FN``."""

    throttle: SlidingWindowThrottle
    key: str
    args: list

    def check(self) -> bool:
        """Run this step on its own (the throttle's script): whether it allowed the
        request. Fails open, as the cache does, when Redis does not answer."""
        try:
            reply = _window_script()(keys=[self.key], args=self.args)
        except RedisError as exc:
            logger.warning(
                "throttle %s not checked, Redis error: %r", self.throttle.scope, exc
            )
            return True
        return self.settle(reply)

    def settle(self, reply) -> bool:
        """Whether the step allowed the request, from the script's reply; a refusal
        leaves what ``SimpleRateThrottle.wait()`` reads: the window's size and its
        oldest entry."""
        allowed, count, oldest = reply
        self.throttle.history = [float(oldest)] * int(count) if not allowed else []
        return bool(allowed)

    def wait(self) -> float | None:
        return self.throttle.wait()


class ThrottleStep:
    """A deferred ``Window`` run exactly once: by the store read that carries it
    (``take`` hands it over), or on its own (``count``) when the request ends before
    that read, as a refusal, a replay, or an outage. Either way a full window answers
    429 first, as DRF's own check before the view would."""

    def __init__(self, window: Window | None):
        self._window = window

    def take(self) -> Window | None:
        window, self._window = self._window, None
        return window

    def count(self) -> None:
        window = self.take()
        if window is not None and not window.check():
            raise Throttled(wait=window.wait())


class ScopedSlidingWindowThrottle(ScopedRateThrottle, SlidingWindowThrottle):
    """DRF's ScopedRateThrottle (the view's ``throttle_scope`` picks the rate and the
    key) with the atomic sliding window: parallel requests cannot all read the same
    history and pass together."""


class _Scoped:
    """What ScopedRateThrottle reads of a view: its scope."""

    def __init__(self, scope: str):
        self.throttle_scope = scope


def page_throttle_wait(request, scope: str) -> int | None:
    """For a page's POST: None when it may go on (it is counted in ``scope``'s window,
    the same window as the API's views of that scope, so a client cannot switch to
    the pages to get more tries), else the whole seconds to wait."""
    throttle = ScopedSlidingWindowThrottle()
    if throttle.allow_request(request, _Scoped(scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))
