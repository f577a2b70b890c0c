"""Cart persistence: one Redis hash per cart, every write one atomic Lua script.

A cart's key is ``cart:{<cart id>}``, e.g. ``cart:{user:42}`` or ``cart:{anon:<token>}``;
the braces are a Redis Cluster hash tag, and every script touches that one key, so a
cart lives on one node of a cluster. Its fields::

    "<product id>"  "<quantity>:<unit price>"     a line (the price seen when added)
    "<product id>"  "<quantity>:<unit price>:o"   a line whose "out of stock" was reported
    "_"             "1"                           the cart exists, even when empty
    "_c"            "<coupon code>"               the cart's coupon
    "_r"            "<revision>"                  random, new at every write

Every write renews the sliding lifetime (``CART_TTL``) and the revision, which the
checkout records on its order: a second checkout of the same revision is a double
submit. This module knows nothing of products, prices or HTTP: the limits it enforces
(stock caps, line counts) are passed in by ``cart.services``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from redis import Redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from shop.money import quantize

RESERVED = (b"_", b"_c", b"_r")
NOTED = "o"  # a line's flag: its "out of stock" warning was given


class CartLine(NamedTuple):
    product_id: int
    quantity: int
    unit_price: Decimal  # the price seen when the line was added
    out_of_stock_noted: bool = False

    def encode(self) -> str:
        value = f"{self.quantity}:{self.unit_price}"
        return f"{value}:{NOTED}" if self.out_of_stock_noted else value


class Snapshot(NamedTuple):
    """A cart as one read found it."""

    lines: tuple[CartLine, ...]  # by product id
    coupon: str | None
    ttl: int  # seconds left (0 when the cart does not exist)
    exists: bool
    revision: str = ""


class LineChange(NamedTuple):
    """A compare-and-set write: applied only if the line still equals ``expected``."""

    expected: CartLine
    new: CartLine | None  # None removes the line


class MergedLine(NamedTuple):
    product_id: int
    requested: int  # the target's quantity + the source's
    quantity: int  # what the target holds now (clamped); 0 when dropped


class StoreLimitError(Exception):
    """A write refused by a limit passed in by the caller; nothing was changed."""


class LineQuantityLimit(StoreLimitError):
    def __init__(self, current: int):
        super().__init__(f"the line would pass its limit (it holds {current})")
        self.current = current


class LineCountLimit(StoreLimitError):
    def __init__(self, count: int):
        super().__init__(f"the cart already holds {count} lines")
        self.count = count


class CartMissing(Exception):
    """A write to a cart that had to exist and does not: nothing was written."""


# --- Lua: each script is one atomic step on one cart's key ------------------------------

_LUA_COMMON = """
local function touch(key, rev, ttl)
  redis.call('HSET', key, '_', '1', '_r', rev)
  redis.call('EXPIRE', key, ttl)
end
local function line_count(key)
  local n = redis.call('HLEN', key)
  for _, v in ipairs(redis.call('HMGET', key, '_', '_c', '_r')) do
    if v then n = n - 1 end
  end
  return n
end
-- "quantity:price[:o]" -> quantity, price
local function parse(v)
  local a = string.find(v, ':', 1, true)
  local b = string.find(v, ':', a + 1, true)
  return tonumber(string.sub(v, 1, a - 1)), string.sub(v, a + 1, b and b - 1 or nil)
end
"""

# KEYS: the cart. Returns {ttl, flat HGETALL}.
_LUA_READ = "return {redis.call('TTL', KEYS[1]), redis.call('HGETALL', KEYS[1])}"

# ARGV: rev, ttl. Creates the cart (marker only) or renews it.
_LUA_TOUCH = _LUA_COMMON + "touch(KEYS[1], ARGV[1], ARGV[2]) return 1"

# ARGV: rev, ttl, product id, quantity to add, unit price, max quantity (-1: none),
# max lines (-1: none), must the cart exist (0|1). A line that exists keeps its price.
# Returns {1, new quantity, ttl, flat HGETALL} | {-1, current quantity} (over the max)
# | {-2, line count} (too many lines) | {-4} (no such cart).
_LUA_ADD = (
    _LUA_COMMON
    + """
local key, pid, qty, price = KEYS[1], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local maxq, maxlines = tonumber(ARGV[6]), tonumber(ARGV[7])
if ARGV[8] == '1' and redis.call('EXISTS', key) == 0 then return {-4} end
local cur, curq = redis.call('HGET', key, pid), 0
if cur then
  curq, price = parse(cur)
elseif maxlines >= 0 then
  local n = line_count(key)
  if n >= maxlines then return {-2, n} end
end
local newq = curq + qty
if maxq >= 0 and newq > maxq then return {-1, curq} end
redis.call('HSET', key, pid, newq .. ':' .. price)
touch(key, ARGV[1], ARGV[2])
return {1, newq, redis.call('TTL', key), redis.call('HGETALL', key)}
"""
)

# ARGV: rev, ttl, product id, quantity (> 0), unit price, max lines, must exist.
# Returns {1, quantity} | {-2, line count} | {-4}.
_LUA_SET = (
    _LUA_COMMON
    + """
local key, pid, qty, price = KEYS[1], ARGV[3], tonumber(ARGV[4]), ARGV[5]
if ARGV[7] == '1' and redis.call('EXISTS', key) == 0 then return {-4} end
local cur = redis.call('HGET', key, pid)
if cur then
  local _
  _, price = parse(cur)
elseif tonumber(ARGV[6]) >= 0 then
  local n = line_count(key)
  if n >= tonumber(ARGV[6]) then return {-2, n} end
end
redis.call('HSET', key, pid, qty .. ':' .. price)
touch(key, ARGV[1], ARGV[2])
return {1, qty}
"""
)

# ARGV: rev, ttl, product id. Returns 1 if the line was there.
_LUA_REMOVE = (
    _LUA_COMMON
    + """
local removed = redis.call('HDEL', KEYS[1], ARGV[3])
if removed == 1 then touch(KEYS[1], ARGV[1], ARGV[2]) end
return removed
"""
)

# ARGV: rev, ttl, code ('' takes it off), must exist. Taking a coupon off never creates
# a cart. Returns 1 if written.
_LUA_COUPON = (
    _LUA_COMMON
    + """
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[3] == '' then
  if not exists then return 0 end
  redis.call('HDEL', KEYS[1], '_c')
else
  if ARGV[4] == '1' and not exists then return 0 end
  redis.call('HSET', KEYS[1], '_c', ARGV[3])
end
touch(KEYS[1], ARGV[1], ARGV[2])
return 1
"""
)

# What an order took. ARGV: rev, ttl, the coupon it used ('' none), then (product id,
# quantity) pairs. Each line loses the quantity ordered (gone at 0), the coupon goes if it
# is still the one used, and a cart left without lines is deleted; whatever was added
# meanwhile stays. Returns 1 if the cart still exists.
_LUA_TAKE = (
    _LUA_COMMON
    + """
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
for i = 4, #ARGV, 2 do
  local cur = redis.call('HGET', key, ARGV[i])
  if cur then
    local q = parse(cur)
    local left = q - tonumber(ARGV[i + 1])
    if left > 0 then
      redis.call('HSET', key, ARGV[i], left .. string.sub(cur, string.find(cur, ':', 1, true)))
    else
      redis.call('HDEL', key, ARGV[i])
    end
  end
end
if ARGV[3] ~= '' and redis.call('HGET', key, '_c') == ARGV[3] then
  redis.call('HDEL', key, '_c')
end
if line_count(key) == 0 then
  redis.call('DEL', key)
  return 0
end
touch(key, ARGV[1], ARGV[2])
return 1
"""
)

# The source of a merge, read and deleted in one step (so two merges of one cart cannot
# both move its lines). Returns its flat HGETALL ({} when there is no such cart).
_LUA_POP = """
local flat = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return flat
"""

# Lines moved in from another cart. ARGV: rev, ttl, max quantity, max lines, a coupon to
# take if the cart has none ('' none), then (product id, quantity, price, cap) quadruples.
# Quantities add; each line is clamped to min(cap, max quantity) (a cap of 0 drops it), a
# line already there keeps its quantity at least and its price; new lines beyond max
# lines are dropped. Returns {coupon taken (0|1), product id, requested, merged, ...}.
_LUA_MERGE_IN = (
    _LUA_COMMON
    + """
local key, maxq, maxlines = KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local out, count = {0}, line_count(key)
for i = 6, #ARGV, 4 do
  local pid, q, price, cap = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
  local cur, curq = redis.call('HGET', key, pid), 0
  if cur then curq, price = parse(cur) end
  local want = curq + q
  local got = math.min(want, cap, maxq)
  if not cur and count >= maxlines then got = 0 end
  if got < curq then got = curq end
  if got > 0 then
    redis.call('HSET', key, pid, got .. ':' .. price)
    if not cur then count = count + 1 end
  end
  out[#out + 1] = tonumber(pid); out[#out + 1] = want; out[#out + 1] = got
end
if ARGV[5] ~= '' and redis.call('HSETNX', key, '_c', ARGV[5]) == 1 then out[1] = 1 end
touch(key, ARGV[1], ARGV[2])
return out
"""
)

# A read's write-back. ARGV: rev, ttl, then (field, expected value, new value) triples;
# '' as new deletes. Each applies only if the field still holds the expected value, so a
# reconciliation never undoes a concurrent write. Returns how many applied.
_LUA_CAS = (
    _LUA_COMMON
    + """
local applied = 0
for i = 3, #ARGV, 3 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    if ARGV[i + 2] == '' then
      redis.call('HDEL', KEYS[1], ARGV[i])
    else
      redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    end
    applied = applied + 1
  end
end
if applied > 0 then touch(KEYS[1], ARGV[1], ARGV[2]) end
return applied
"""
)


def _key(cart_id: str) -> str:
    return f"cart:{{{cart_id}}}"


def _limit(value: int | None) -> int:
    return -1 if value is None else int(value)


def _snapshot(ttl: int, flat: list) -> Snapshot:
    """A read's reply: the key's TTL and its flat HGETALL."""
    if not flat:
        return Snapshot((), None, 0, False)
    lines, coupon, revision = [], None, ""
    for field, value in zip(flat[::2], flat[1::2], strict=True):
        if field in RESERVED:
            if field == b"_c":
                coupon = value.decode()
            elif field == b"_r":
                revision = value.decode()
            continue
        quantity, price, *flag = value.decode().split(":")
        lines.append(CartLine(int(field), int(quantity), Decimal(price), bool(flag)))
    lines.sort()
    return Snapshot(tuple(lines), coupon, max(int(ttl), 0), True, revision)


class RedisCartStore:
    """The carts on Redis, or on a Redis Cluster (``CART_REDIS_CLUSTER``)."""

    def __init__(self, client: Redis | RedisCluster):
        self.client = client
        register = client.register_script
        self._read = register(_LUA_READ)
        self._touch = register(_LUA_TOUCH)
        self._add = register(_LUA_ADD)
        self._set = register(_LUA_SET)
        self._remove = register(_LUA_REMOVE)
        self._coupon = register(_LUA_COUPON)
        self._take = register(_LUA_TAKE)
        self._pop = register(_LUA_POP)
        self._merge_in = register(_LUA_MERGE_IN)
        self._cas = register(_LUA_CAS)

    def _write(self, script, cart_id: str, *args):
        """Run a write script with a new revision and the cart's lifetime."""
        revision = secrets.token_hex(8)
        return script(keys=[_key(cart_id)], args=[revision, settings.CART_TTL, *args])

    # -- reads ---------------------------------------------------------------------------
    def read(self, cart_id: str) -> Snapshot:
        """Lines, coupon, seconds left and revision, in one round trip."""
        ttl, flat = self._read(keys=[_key(cart_id)])
        return _snapshot(ttl, flat)

    def exists(self, cart_id: str) -> bool:
        return bool(self.client.exists(_key(cart_id)))

    def ping(self) -> bool:
        return bool(self.client.ping())

    # -- writes --------------------------------------------------------------------------
    def touch(self, cart_id: str) -> None:
        """Create an empty cart, or renew its lifetime."""
        self._write(self._touch, cart_id)

    def add(
        self,
        cart_id: str,
        line: CartLine,
        *,
        max_quantity: int | None = None,
        max_lines: int | None = None,
        must_exist: bool = False,
    ) -> tuple[int, Snapshot]:
        """Add ``line.quantity`` units (a new line at ``line.unit_price``); the line's new
        quantity and the cart after the write, from the same step."""
        reply = self._write(
            self._add, cart_id, line.product_id, line.quantity,
            str(quantize(line.unit_price)), _limit(max_quantity), _limit(max_lines),
            int(must_exist),
        )  # fmt: skip
        _raise_for(reply)
        return int(reply[1]), _snapshot(reply[2], reply[3])

    def set(
        self,
        cart_id: str,
        line: CartLine,
        *,
        max_lines: int | None = None,
        must_exist: bool = False,
    ) -> int:
        """Set a line's quantity (above 0); an existing line keeps its price."""
        reply = self._write(
            self._set, cart_id, line.product_id, line.quantity,
            str(quantize(line.unit_price)), _limit(max_lines), int(must_exist),
        )  # fmt: skip
        _raise_for(reply)
        return int(reply[1])

    def remove(self, cart_id: str, product_id: int) -> bool:
        """Take a line out; whether it was there."""
        return bool(self._write(self._remove, cart_id, product_id))

    def set_coupon(self, cart_id: str, code: str | None, *, must_exist=False) -> bool:
        """Put ``code`` on the cart, or take its coupon off (None, which never creates a
        cart); whether the cart was written."""
        return bool(self._write(self._coupon, cart_id, code or "", int(must_exist)))

    def destroy(self, cart_id: str) -> None:
        self.client.delete(_key(cart_id))

    def take(
        self, cart_id: str, lines: Iterable[tuple[int, int]], coupon: str | None
    ) -> bool:
        """Take out what an order took: (product id, quantity) pairs, and ``coupon`` if the
        cart still has it. What was added meanwhile stays; a cart left without lines is
        deleted. Whether the cart still exists."""
        pairs = [value for pair in lines for value in pair]
        return bool(self._write(self._take, cart_id, coupon or "", *pairs))

    def pop(self, cart_id: str) -> Snapshot:
        """Read a cart and delete it, in one step (the source of a merge)."""
        return _snapshot(0, self._pop(keys=[_key(cart_id)]))

    def merge_in(
        self,
        cart_id: str,
        lines: Sequence[CartLine],
        *,
        caps: Mapping[int, int],
        coupon: str | None,
        max_quantity: int,
        max_lines: int,
    ) -> tuple[tuple[MergedLine, ...], bool]:
        """Add another cart's ``lines`` (each capped by ``caps``, its product's stock);
        the merged lines, and whether ``coupon`` was taken (only by a cart without one)."""
        args = []
        for line in lines:
            cap = max(int(caps.get(line.product_id, 0)), 0)
            args += [line.product_id, line.quantity, str(line.unit_price), cap]
        reply = self._write(
            self._merge_in, cart_id, max_quantity, max_lines, coupon or "", *args
        )
        triples = reply[1:]
        merged = tuple(
            MergedLine(int(pid), int(requested), int(quantity))
            for pid, requested, quantity in zip(
                triples[::3], triples[1::3], triples[2::3], strict=True
            )
        )
        return merged, reply[0] == 1

    def apply_changes(
        self,
        cart_id: str,
        changes: Sequence[LineChange] = (),
        *,
        coupon: tuple[str, str | None] | None = None,
    ) -> int:
        """Compare-and-set lines (and the coupon, as ``(expected, new)``) at once."""
        args = []
        for change in changes:
            new = change.new.encode() if change.new is not None else ""
            args += [change.expected.product_id, change.expected.encode(), new]
        if coupon is not None:
            args += ["_c", coupon[0], coupon[1] or ""]
        return int(self._write(self._cas, cart_id, *args)) if args else 0


def _raise_for(reply) -> None:
    status = int(reply[0])
    if status == -1:
        raise LineQuantityLimit(int(reply[1]))
    if status == -2:
        raise LineCountLimit(int(reply[1]))
    if status == -4:
        raise CartMissing()


_stores: dict[tuple[str, bool], RedisCartStore] = {}


def get_store() -> RedisCartStore:
    """The store on ``CART_REDIS_URL`` (one client per process, short timeouts: a Redis
    that does not answer is an outage at once, not after retries)."""
    url, cluster = settings.CART_REDIS_URL, settings.CART_REDIS_CLUSTER
    store = _stores.get((url, cluster))
    if store is None:
        options = {
            "socket_timeout": settings.REDIS_TIMEOUT,
            "socket_connect_timeout": settings.REDIS_TIMEOUT,
            "retry": Retry(NoBackoff(), 0),
        }
        if cluster:
            client = RedisCluster.from_url(url, **options)
        else:
            client = Redis.from_url(url, **options)
        store = _stores[(url, cluster)] = RedisCartStore(client)
    return store
