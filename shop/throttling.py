"""DRF's scoped throttle with its sliding window kept atomically in Redis.

DRF's SimpleRateThrottle reads the request history from the cache, trims it and writes
it back: two round trips, and parallel requests can all read the same history and pass
together. Here the same window (the timestamps of the last ``duration`` seconds, at most
``num_requests`` of them) is a Redis sorted set that one Lua script trims, counts and
appends to. A Redis that does not answer is an outage (503), never a silent pass: the
sign-in budget must not switch off while Redis is down.
"""

import math
import secrets

from django_redis import get_redis_connection
from rest_framework.throttling import ScopedRateThrottle

from shop.redis_errors import script_refusals

# KEYS[1]: the window. ARGV: now, duration (s), limit, a unique member.
# Returns {1} when allowed (and recorded), {0, oldest timestamp} when refused.
WINDOW_LUA = """
local now, duration, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, oldest[2] or ARGV[1]}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(duration))
return {1}
"""

_scripts: dict[int, object] = {}


def _window_script():
    client = get_redis_connection("default")
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(WINDOW_LUA)
    return script


class ScopedSlidingWindowThrottle(ScopedRateThrottle):
    """The view's ``throttle_scope`` picks the rate (``DEFAULT_THROTTLE_RATES``) and the
    key (the user, else the client's address); a view without a scope is not throttled."""

    def get_rate(self):
        from rest_framework.settings import api_settings

        # Read at each request, so that a changed REST_FRAMEWORK setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        with script_refusals():
            reply = _window_script()(
                keys=[f"throttle:{self.key}"],
                args=[repr(self.now), self.duration, self.num_requests,
                      f"{self.now!r}:{secrets.token_hex(4)}"],
            )  # fmt: skip
        # What SimpleRateThrottle.wait() reads: the window's length and its oldest entry.
        self.history = [] if reply[0] else [float(reply[1])] * self.num_requests
        return bool(reply[0])


class _Scoped:
    """What the throttle reads of a view: its scope."""

    def __init__(self, scope: str):
        self.throttle_scope = scope


def page_throttle_wait(request, scope: str) -> int | None:
    """For a page's POST: None when it may go on (counted in ``scope``'s window, the same
    one as the API's, so switching to the pages buys no more tries), else the whole
    seconds to wait."""
    throttle = ScopedSlidingWindowThrottle()
    if throttle.allow_request(request, _Scoped(scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))
