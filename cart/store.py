"""Cart persistence: one Redis hash per cart, every operation one atomic round trip.

Layout of a cart (key ``cart:<cart id>``, e.g. ``cart:user:42`` or ``cart:anon:<token>``)::

    "<product id>" -> "<quantity>:<unit price>"        a line
    "<product id>" -> "<quantity>:<unit price>:o"      a line whose "out of stock" was reported
    "_"            -> "1"                              marker: the cart exists even when empty
    "_c"           -> "<coupon code>"                  the cart's coupon
    "_e"           -> "<expiry ms>:<ttl>"              when the key expires (the app
                                                       server's clock, ms since the epoch),
                                                       the TTL set

One plain string per line keeps parsing cheap (one split, one int, one Decimal). Every
write refreshes the sliding TTL (``settings.CART_TTL``) and, in the same script, stamps
``_e`` with the absolute expiry (now + TTL, made by the caller), so a read is one plain
HGETALL (no TTL command): the seconds left are ``_e`` minus now, clamped to [0, TTL]; a
hash written before ``_e`` existed falls back to one TTL command. Stamp and read use the
app servers' clock, not Redis's: they only need to agree with each other. Read-check-write
operations are registered Lua scripts (one EVALSHA: atomic and a single round trip); plain
reads are one command. Without ``REDIS_URL`` an in-process store gives the same
semantics (thread-safe, with TTLs), so the embedded default behaves like production.

This module knows nothing about products or prices beyond what it stores: limits such as
stock caps are passed in by ``cart.services``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from redis.exceptions import NoScriptError

from shop.money import quantize
from shop.throttling import WINDOW_LUA, WINDOW_LUA_FN

KEY_PREFIX = "cart:"
MARKER = "_"
COUPON = "_c"
EXPIRES = "_e"  # "<absolute expiry in ms since the epoch>:<ttl in seconds>"
NOTED = "o"  # suffix flag: the line's "out of stock" warning was already given
_RESERVED, _COUPON, _EXPIRES = (
    MARKER.encode(),
    COUPON.encode(),
    EXPIRES.encode(),
)  # as HGETALL returns them (bytes)


class CartLine(NamedTuple):
    """One line of a cart. A named tuple, not a dataclass: a read builds one per line,
    and a tuple costs a third of a frozen dataclass (the 20-line view of
    bench/cart_store.py). Immutable, compared by value, fields by name as before."""

    product_id: int
    quantity: int
    unit_price: Decimal  # the price seen when the line was added
    out_of_stock_noted: bool = False

    def encode(self) -> str:
        value = f"{self.quantity}:{self.unit_price}"
        return f"{value}:{NOTED}" if self.out_of_stock_noted else value


class CartSnapshot(NamedTuple):
    """Everything a read needs, fetched in one round trip."""

    lines: tuple[CartLine, ...]
    coupon: str | None
    ttl: int | None  # seconds left; None when the cart does not exist
    exists: bool
    # The raw value of the key a caller asked to read along (``snapshot(also=...)``),
    # from the same round trip; None when not asked or not set.
    also: bytes | None = None


class MergedLine(NamedTuple):
    product_id: int
    requested: int  # target quantity + source quantity
    quantity: int  # what the target holds now (clamped); 0 when dropped


class MergeOutcome(NamedTuple):
    lines: tuple[MergedLine, ...]
    coupon_moved: bool


@dataclass(frozen=True)
class LineChange:
    """A compare-and-set write: applied only if the line still equals ``expected``."""

    product_id: int
    expected: CartLine
    new: CartLine | None  # None removes the line


class AddedLine(NamedTuple):
    """What ``add_and_read`` did: the line's new quantity and the whole cart after it."""

    quantity: int
    # ``also``: the catalog's version read in the same step (None when none is set).
    snapshot: CartSnapshot


class CartMissing(Exception):
    """``add_and_read`` of a cart that must exist and does not: the cart was not
    written (a window passed in has counted the request)."""


class CatalogChanged(Exception):
    """``add_and_read``: the catalog's version is not the one expected, so the cart was
    not written (a window passed in has counted the request). ``version``: the current
    one (None when none is set)."""

    def __init__(self, version: bytes | None):
        super().__init__("the catalog changed")
        self.version = version


class WindowFull(Exception):
    """``add_and_read``: the throttle's window refused the request; nothing was written.
    ``reply``: the window step's own reply, for ``shop.throttling.Window.settle``."""

    def __init__(self, reply):
        super().__init__("the throttle's window is full")
        self.reply = reply


class StoreLimitError(Exception):
    """A write refused by a limit passed in by the caller; nothing was changed."""


class LineQuantityLimit(StoreLimitError):
    def __init__(self, current: int):
        super().__init__(f"line would exceed its limit (holds {current})")
        self.current = current


class LineCountLimit(StoreLimitError):
    def __init__(self, count: int):
        super().__init__(f"cart already holds {count} lines")
        self.count = count


def _decode_line(product_id: int, raw: str) -> CartLine:
    parts = raw.split(":")
    return CartLine(product_id, int(parts[0]), Decimal(parts[1]), len(parts) > 2)


def _price(value: Decimal | str) -> str:
    return str(quantize(value))


def _ttl() -> int:
    return int(settings.CART_TTL)


# --- Lua: each script is one atomic step ---------------------------------------------------

# Every write script takes the '_e' value "<absolute expiry, ms since the epoch>:<ttl>"
# made by the caller (_stamp) in place of a bare TTL: it writes that stamp and sets the
# key's TTL from it in the same atomic step, so a read needs no TTL command and the
# script no TIME call. ttl_of(s) is the TTL part.
_LUA_STAMP_FN = """
local function ttl_of(s) return string.sub(s, string.find(s, ':', 1, true) + 1) end
local function stamp(key, s)
  redis.call('HSET', key, '_e', s)
  redis.call('EXPIRE', key, ttl_of(s))
end
"""

# Count of product lines in KEYS[1] (all fields but the marker, coupon and expiry).
_LUA_COUNT_FN = (
    _LUA_STAMP_FN
    + """
local function line_count(key)
  local n = redis.call('HLEN', key)
  for _, v in ipairs(redis.call('HMGET', key, '_', '_c', '_e')) do
    if v then n = n - 1 end
  end
  return n
end
"""
)

# add_line(key, pid, qty, price, stamp, max quantity (-1: none), max lines (-1: none)):
# adds qty to the line (created at price; an existing line keeps its price).
# Returns {1, new quantity} | {-1, current quantity} (over max) | {-2, line count} (too many lines)
_LUA_ADD_FN = (
    _LUA_COUNT_FN
    + """
local function add_line(key, pid, qty, price, st, maxq, maxlines)
  local cur = redis.call('HGET', key, pid)
  local curq = 0
  if cur then
    local a = string.find(cur, ':', 1, true)
    curq = tonumber(string.sub(cur, 1, a - 1))
    local b = string.find(cur, ':', a + 1, true)
    if b then price = string.sub(cur, a + 1, b - 1) else price = string.sub(cur, a + 1) end
  elseif maxlines >= 0 then
    local n = line_count(key)
    if n >= maxlines then return {-2, n} end
  end
  local newq = curq + qty
  if maxq >= 0 and newq > maxq then return {-1, curq} end
  redis.call('HSET', key, pid, newq .. ':' .. price, '_', '1', '_e', st)
  redis.call('EXPIRE', key, ttl_of(st))
  return {1, newq}
end
"""
)

# ARGV: product id, quantity to add, unit price, stamp, max quantity, max lines
_LUA_ADD = (
    _LUA_ADD_FN
    + """
return add_line(KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5]),
                tonumber(ARGV[6]))
"""
)

# The API's add: every check of the write, the write and the read of the cart after it in
# one step. KEYS: the cart, the catalog's version key, a throttle's window (an unused one
# repeats the cart's key). ARGV: the six of _LUA_ADD, then: must the cart exist (0|1),
# the version expected ('' expects none; read when KEYS[2] is not the cart's key), the
# window's four arguments (now, duration, limit, member; none without a window).
# Checked in this order, nothing written by a refusal but the window's own count:
# {-3, count, oldest} the window is full | {-4} no such cart | {-5, version} the catalog's
# version is not the one expected | add_line's {-1, ...} and {-2, ...} |
# {1, new quantity, version, field, value, field, value, ...} (HGETALL after the write).
_LUA_ADD_READ = (
    WINDOW_LUA_FN
    + _LUA_ADD_FN
    + """
local key = KEYS[1]
if KEYS[3] ~= key then
  local w = window(KEYS[3], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12])
  if w[1] == 0 then return {-3, w[2], w[3]} end
end
if ARGV[7] == '1' and redis.call('EXISTS', key) == 0 then return {-4} end
local version = ''
if KEYS[2] ~= key then version = redis.call('GET', KEYS[2]) or '' end
if ARGV[8] ~= '' and ARGV[8] ~= version then return {-5, version} end
local r = add_line(key, ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5]),
                   tonumber(ARGV[6]))
if r[1] < 0 then return r end
local out = {1, r[2], version}
local flat = redis.call('HGETALL', key)
for i = 1, #flat do out[i + 3] = flat[i] end
return out
"""
)

# ARGV: product id, quantity (0 removes), unit price, stamp, max lines (-1: none)
# A line that exists keeps the price it was added at. Returns {1, quantity} | {-2, count}
_LUA_SET = (
    _LUA_COUNT_FN
    + """
local key, pid = KEYS[1], ARGV[1]
local qty, price, st, maxlines = tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
if ARGV[6] == '1' and redis.call('EXISTS', key) == 0 then return {-4, 0} end
local cur = redis.call('HGET', key, pid)
if qty <= 0 then
  redis.call('HDEL', key, pid)
  redis.call('HSET', key, '_', '1', '_e', st)
  redis.call('EXPIRE', key, ttl_of(st))
  return {1, 0}
end
if cur then
  local a = string.find(cur, ':', 1, true)
  local b = string.find(cur, ':', a + 1, true)
  if b then price = string.sub(cur, a + 1, b - 1) else price = string.sub(cur, a + 1) end
elseif maxlines >= 0 then
  local n = line_count(key)
  if n >= maxlines then return {-2, n} end
end
redis.call('HSET', key, pid, qty .. ':' .. price, '_', '1', '_e', st)
redis.call('EXPIRE', key, ttl_of(st))
return {1, qty}
"""
)

# ARGV: product id, stamp. Returns 1 if the line was there.
_LUA_REMOVE = (
    _LUA_STAMP_FN
    + """
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then stamp(KEYS[1], ARGV[2]) end
return removed
"""
)

# take: what an order took out of the cart. ARGV[1]: the coupon it used ('' none),
# ARGV[2]: a value for KEYS[2] (the catalog's version token, replaced first, whatever
# follows), then product id, quantity pairs. Each line loses the quantity ordered (gone
# at 0), the coupon goes if it is still the one used, and a cart left without lines is
# deleted. Whatever was added meanwhile stays. Returns 0: no cart, 1: cart deleted, 2:
# cart kept.
_LUA_TAKE = (
    _LUA_COUNT_FN
    + """
local key = KEYS[1]
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[2]) end
if redis.call('EXISTS', key) == 0 then return 0 end
for i = 3, #ARGV, 2 do
  local cur = redis.call('HGET', key, ARGV[i])
  if cur then
    local sep = string.find(cur, ':', 1, true)
    local left = tonumber(string.sub(cur, 1, sep - 1)) - tonumber(ARGV[i + 1])
    if left > 0 then
      redis.call('HSET', key, ARGV[i], left .. string.sub(cur, sep))
    else
      redis.call('HDEL', key, ARGV[i])
    end
  end
end
if ARGV[1] ~= '' and redis.call('HGET', key, '_c') == ARGV[1] then
  redis.call('HDEL', key, '_c')
end
if line_count(key) == 0 then
  redis.call('DEL', key)
  return 1
end
return 2
"""
)

# ARGV: code ('' removes), stamp, must the cart exist (0|1). Returns 1 if written.
_LUA_SET_COUPON = (
    _LUA_STAMP_FN
    + """
if ARGV[1] == '' then
  -- Taking a coupon off never creates a cart (one destroyed meanwhile stays gone).
  if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
  redis.call('HDEL', KEYS[1], '_c')
else
  if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
  redis.call('HSET', KEYS[1], '_c', ARGV[1])
end
redis.call('HSET', KEYS[1], '_', '1', '_e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ttl_of(ARGV[2]))
return 1
"""
)

_LUA_QUANTITY = """
local flat = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #flat, 2 do
  if string.sub(flat[i], 1, 1) ~= '_' then
    local v = flat[i + 1]
    local a = string.find(v, ':', 1, true)
    if a then total = total + tonumber(string.sub(v, 1, a - 1)) end
  end
end
return total
"""

_LUA_COUNT = _LUA_COUNT_FN + "return line_count(KEYS[1])"

# KEYS: src, dst. ARGV: stamp. Replaces dst with a copy of src. Returns 0 if src is missing.
_LUA_COPY = (
    _LUA_STAMP_FN
    + """
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(flat))
stamp(KEYS[2], ARGV[1])
return 1
"""
)

# KEYS: src, dst. ARGV: stamp, max quantity, max lines, then pairs (product id, cap).
# Quantities add; each line is clamped to min(cap, max quantity) (a cap of 0 drops it);
# new lines beyond max lines are dropped; dst keeps its prices; src's coupon moves only
# when dst has none; src is deleted. Returns {coupon moved, pid, requested, merged, ...}
# or {-1} when src does not exist.
_LUA_MERGE = (
    _LUA_COUNT_FN
    + """
local src, dst = KEYS[1], KEYS[2]
local st, maxq, maxlines = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local flat = redis.call('HGETALL', src)
if #flat == 0 then return {-1} end
local caps = {}
for i = 4, #ARGV, 2 do caps[ARGV[i]] = tonumber(ARGV[i + 1]) end
local out = {0}
local fields, values, coupon = {}, {}, nil
for i = 1, #flat, 2 do
  local f = flat[i]
  if f == '_c' then coupon = flat[i + 1]
  elseif string.sub(f, 1, 1) ~= '_' then
    fields[#fields + 1] = f; values[#values + 1] = flat[i + 1]
  end
end
-- The target's lines for all source fields in one HMGET, every write in one HSET.
local curs = {}
if #fields > 0 then curs = redis.call('HMGET', dst, unpack(fields)) end
local count = nil  -- the target's line count, read only once a new line needs it
local writes = {'_', '1', '_e', st}
for j = 1, #fields do
  local f, v, cur = fields[j], values[j], curs[j]
  local a = string.find(v, ':', 1, true)
  local b = string.find(v, ':', a + 1, true)
  local q = tonumber(string.sub(v, 1, a - 1))
  local price
  if b then price = string.sub(v, a + 1, b - 1) else price = string.sub(v, a + 1) end
  local curq = 0
  if cur then
    local c = string.find(cur, ':', 1, true)
    local d = string.find(cur, ':', c + 1, true)
    curq = tonumber(string.sub(cur, 1, c - 1))
    if d then price = string.sub(cur, c + 1, d - 1) else price = string.sub(cur, c + 1) end
  end
  local limit = maxq
  local cap = caps[f]
  if cap ~= nil and (limit < 0 or cap < limit) then limit = cap end
  local want = curq + q
  local got = want
  if limit >= 0 and got > limit then got = limit end
  if not cur and maxlines >= 0 then
    if count == nil then count = line_count(dst) end
    if count >= maxlines then got = 0 end
  end
  if got < curq then got = curq end
  if got > 0 then
    writes[#writes + 1] = f; writes[#writes + 1] = got .. ':' .. price
    if not cur and count ~= nil then count = count + 1 end
  end
  out[#out + 1] = tonumber(f); out[#out + 1] = want; out[#out + 1] = got
end
if coupon and redis.call('HSETNX', dst, '_c', coupon) == 1 then out[1] = 1 end
redis.call('DEL', src)
redis.call('HSET', dst, unpack(writes))
redis.call('EXPIRE', dst, ttl_of(st))
return out
"""
)

# ARGV: stamp, then triples (field, expected value, new value); '' as new deletes.
# Each triple applies only if the field still holds the expected value (compare-and-set),
# so a read's write-back never undoes a concurrent write. Returns how many applied.
_LUA_CAS = (
    _LUA_STAMP_FN
    + """
local applied = 0
for i = 2, #ARGV, 3 do
  local f, expected, new = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HGET', KEYS[1], f) == expected then
    if new == '' then redis.call('HDEL', KEYS[1], f) else redis.call('HSET', KEYS[1], f, new) end
    applied = applied + 1
  end
end
if applied > 0 then
  redis.call('HSET', KEYS[1], '_', '1', '_e', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ttl_of(ARGV[1]))
end
return applied
"""
)

# ARGV: stamp. Creates the cart (marker only) or refreshes it. Returns 1 if it was new.
_LUA_TOUCH = (
    _LUA_STAMP_FN
    + """
local created = redis.call('HSETNX', KEYS[1], '_', '1')
stamp(KEYS[1], ARGV[1])
return created
"""
)

# ARGV: the stamp of the new TTL. Like EXPIRE (a TTL <= 0 deletes the cart), plus '_e'.
# Returns 1 if the cart existed.
_LUA_SET_TTL = (
    _LUA_STAMP_FN
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(ttl_of(ARGV[1])) <= 0 then redis.call('DEL', KEYS[1]) return 1 end
stamp(KEYS[1], ARGV[1])
return 1
"""
)


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisCartStore:
    """The cart store on Redis (django-redis's connection, short socket timeouts)."""

    # add_and_read runs a throttle's window in its step; snapshot sends one with its read
    checks_windows = True

    def __init__(self, client):
        self.client = client
        register = client.register_script
        self._add = register(_LUA_ADD)
        self._add_read = register(_LUA_ADD_READ)
        self._set = register(_LUA_SET)
        self._remove = register(_LUA_REMOVE)
        self._take = register(_LUA_TAKE)
        self._set_coupon = register(_LUA_SET_COUPON)
        self._quantity = register(_LUA_QUANTITY)
        self._count = register(_LUA_COUNT)
        self._copy = register(_LUA_COPY)
        self._merge = register(_LUA_MERGE)
        self._cas = register(_LUA_CAS)
        self._touch = register(_LUA_TOUCH)
        self._set_ttl = register(_LUA_SET_TTL)
        self._window = register(WINDOW_LUA)

    # -- writes --------------------------------------------------------------------------
    def touch(self, cart_id: str) -> bool:
        """Create an empty cart, or refresh its TTL. True if it was created."""
        return bool(
            self._evalsha(self._touch, [KEY_PREFIX + cart_id], [_stamp(_ttl())])
        )

    def add(
        self,
        cart_id: str,
        product_id: int,
        quantity: int,
        unit_price: Decimal,
        *,
        max_quantity: int | None = None,
        max_lines: int | None = None,
    ) -> int:
        """Add ``quantity`` to the line (created at ``unit_price``); the new quantity."""
        status, value = self._evalsha(
            self._add,
            [KEY_PREFIX + cart_id],
            _add_args(product_id, quantity, unit_price, max_quantity, max_lines),
        )
        return _check(status, value)

    def add_and_read(
        self,
        cart_id: str,
        product_id: int,
        quantity: int,
        unit_price: Decimal,
        *,
        max_quantity: int | None = None,
        max_lines: int | None = None,
        must_exist: bool = False,
        version_key: str | None = None,
        expected_version: bytes | None = None,
        window=None,
    ) -> AddedLine:
        """``add``, and the cart after it, in one atomic step (one round trip).

        Before writing it checks, in this order: ``window`` (a throttle's sliding window,
        ``shop.throttling.Window``: raises WindowFull), that the cart exists when
        ``must_exist`` (CartMissing), that the value at ``version_key`` is
        ``expected_version`` when one is given (CatalogChanged), then ``add``'s limits.
        The snapshot's ``also`` is the value at ``version_key`` (None when unset).
        """
        key = KEY_PREFIX + cart_id
        args = [
            *_add_args(product_id, quantity, unit_price, max_quantity, max_lines),
            1 if must_exist else 0,
            expected_version or b"",
        ]
        if window is not None:
            args += window.args
        reply = self._evalsha(
            self._add_read,
            [key, version_key or key, key if window is None else window.key],
            args,
        )
        status = reply[0]
        if status == 1:
            flat = iter(reply[3:])
            lines, coupon, stamp = _parse_fields(zip(flat, flat, strict=True))
            version = reply[2]
            ttl = _seconds_left(stamp) if stamp is not None else _ttl()
            snapshot = tuple.__new__(
                CartSnapshot, (tuple(lines), coupon, ttl, True, version or None)
            )
            return AddedLine(int(reply[1]), snapshot)
        if status == -3:
            raise WindowFull((0, reply[1], reply[2]))
        if status == -4:
            raise CartMissing(cart_id)
        if status == -5:
            raise CatalogChanged(reply[1] or None)
        _check(status, reply[1])
        raise AssertionError(f"unexpected reply {reply!r}")  # pragma: no cover

    def set(
        self,
        cart_id: str,
        product_id: int,
        quantity: int,
        unit_price: Decimal,
        *,
        max_lines: int | None = None,
        must_exist: bool = False,
    ) -> int:
        """Set the line's quantity (0 removes); an existing line keeps its price. With
        ``must_exist``, a cart that does not exist is not created: CartMissing."""
        status, value = self._evalsha(
            self._set,
            [KEY_PREFIX + cart_id],
            [
                product_id,
                int(quantity),
                _price(unit_price),
                _stamp(_ttl()),
                -1 if max_lines is None else max_lines,
                int(must_exist),
            ],
        )
        if status == -4:
            raise CartMissing(cart_id)
        return _check(status, value)

    def remove(self, cart_id: str, product_id: int) -> bool:
        return bool(
            self._evalsha(
                self._remove, [KEY_PREFIX + cart_id], [product_id, _stamp(_ttl())]
            )
        )

    def set_coupon(
        self, cart_id: str, code: str | None, *, must_exist: bool = False
    ) -> bool:
        """Put ``code`` on the cart, or take its coupon off (None), which never creates
        a cart that does not exist; with ``must_exist`` putting one on does not either.
        Whether the cart was written."""
        return bool(
            self._evalsha(
                self._set_coupon,
                [KEY_PREFIX + cart_id],
                [code or "", _stamp(_ttl()), 1 if must_exist else 0],
            )
        )

    def set_ttl(self, cart_id: str, seconds: int) -> bool:
        return bool(
            self._evalsha(self._set_ttl, [KEY_PREFIX + cart_id], [_stamp(int(seconds))])
        )

    def destroy(self, cart_id: str) -> bool:
        return bool(self.client.delete(KEY_PREFIX + cart_id))

    def take(self, cart_id: str, lines, coupon: str | None, *, also_set=None) -> bool:
        """Take out what an order took: ``lines`` as (product id, quantity), and
        ``coupon`` if the cart still has it, in one atomic step; what was added meanwhile
        stays. A cart left without lines is deleted. Whether the cart still exists.
        ``also_set``: a (key, value) outside the store written in the same round trip
        (the catalog's version token, after a checkout took stock), cart or no cart."""
        keys = [KEY_PREFIX + cart_id]
        args = [coupon or "", ""]
        if also_set is not None:
            keys.append(also_set[0])
            args[1] = also_set[1]
        for product_id, quantity in lines:
            args += [product_id, quantity]
        return int(self._evalsha(self._take, keys, args)) == 2

    def copy(self, src: str, dst: str) -> bool:
        """Replace ``dst`` with a copy of ``src``; False if ``src`` does not exist."""
        return bool(
            self._evalsha(
                self._copy, [KEY_PREFIX + src, KEY_PREFIX + dst], [_stamp(_ttl())]
            )
        )

    def merge(
        self,
        src: str,
        dst: str,
        *,
        caps: Mapping[int, int] | None = None,
        max_quantity: int | None = None,
        max_lines: int | None = None,
    ) -> MergeOutcome | None:
        """Move ``src``'s lines into ``dst`` and delete ``src``; None if ``src`` is gone."""
        args: list = [
            _stamp(_ttl()),
            -1 if max_quantity is None else max_quantity,
            -1 if max_lines is None else max_lines,
        ]
        if caps:
            for product_id, cap in caps.items():
                args += (product_id, max(int(cap), 0))
        raw = self._evalsha(self._merge, [KEY_PREFIX + src, KEY_PREFIX + dst], args)
        if raw[0] == -1:
            return None
        # The script returns integers only: {coupon moved, pid, requested, merged, ...}.
        triples = iter(raw[1:])
        new = tuple.__new__
        lines = tuple(
            [new(MergedLine, t) for t in zip(triples, triples, triples, strict=True)]
        )
        return new(MergeOutcome, (lines, raw[0] == 1))

    def apply_changes(
        self,
        cart_id: str,
        changes: Sequence[LineChange] = (),
        *,
        coupon: tuple[str, str | None] | None = None,
    ) -> int:
        """Compare-and-set several lines (and the coupon: ``(expected, new)``) at once."""
        args: list = [_stamp(_ttl())]
        for change in changes:
            args += [
                change.product_id,
                change.expected.encode(),
                change.new.encode() if change.new else "",
            ]
        if coupon is not None:
            args += [COUPON, coupon[0], coupon[1] or ""]
        if len(args) == 1:
            return 0
        return int(self._evalsha(self._cas, [KEY_PREFIX + cart_id], args))

    # -- reads ---------------------------------------------------------------------------
    def contains(self, cart_id: str, product_id: int) -> bool:
        return bool(self.client.hexists(KEY_PREFIX + cart_id, product_id))

    def get(self, cart_id: str, product_id: int) -> CartLine | None:
        raw = self.client.hget(KEY_PREFIX + cart_id, product_id)
        return None if raw is None else _decode_line(int(product_id), _s(raw))

    def lines(self, cart_id: str) -> list[CartLine]:
        return _lines_from_items(self.client.hgetall(KEY_PREFIX + cart_id).items())[0]

    def snapshot(
        self, cart_id: str, *, also: str | None = None, window=None
    ) -> CartSnapshot:
        """Lines, coupon and seconds left in one plain HGETALL (a missing key is an empty
        hash); the seconds left come from the ``_e`` stamp, or from one TTL command for a
        hash written before the stamp existed. ``also``: a key (outside the store) whose
        value is read in the same round trip, into the snapshot's ``also``. ``window``: a
        throttle's step (``shop.throttling.Window``) sent first in the same round trip;
        a full window raises WindowFull (the read is not looked at)."""
        key = KEY_PREFIX + cart_id
        commands = (
            [("HGETALL", key)] if also is None else [("HGETALL", key), ("GET", also)]
        )
        if window is not None:
            step = ("EVALSHA", self._window.sha, 1, window.key, *window.args)
            try:
                reply, *replies = self._round_trip(step, *commands)
            except NoScriptError:
                self.client.script_load(self._window.script)
                reply, *replies = self._round_trip(step, *commands)
            if not int(reply[0]):
                raise WindowFull((0, reply[1], reply[2]))
        else:
            replies = self._round_trip(*commands)
        fields, value = replies if also is not None else (replies[0], None)
        if isinstance(fields, dict):  # RESP3 (redis-py's default): a map
            pairs = list(fields.items())
        else:
            values = iter(fields)
            pairs = list(zip(values, values, strict=True))
        if not pairs:
            return _MISSING if value is None else _MISSING._replace(also=value)
        lines, coupon, stamp = _parse_fields(pairs)
        if stamp is not None:
            ttl = _seconds_left(stamp)
        else:
            ttl = self.client.ttl(key)
            if ttl == -2:  # expired between the two commands
                return _MISSING if value is None else _MISSING._replace(also=value)
            ttl = ttl if ttl >= 0 else None
        return tuple.__new__(CartSnapshot, (tuple(lines), coupon, ttl, True, value))

    def _round_trip(self, *commands) -> list:
        """Several commands sent together and their raw replies, as bytes whatever the
        client decodes: one round trip, on one of the client's pooled connections.
        redis-py's pipeline object would cost about a quarter of a round trip more in
        Python (measured); this is its core. Any error drops the connection, which may
        still hold unread replies."""
        pool = self.client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_packed_command(connection.pack_commands(commands))
            return [connection.read_response(disable_decoding=True) for _ in commands]
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)

    def _evalsha(self, script, keys: list, args: list):
        """A registered script run in one ``_round_trip`` (its raw reply, bytes).
        redis-py's command layers (retry wrapper, argument checks, metrics hooks) cost
        about a third of a loopback round trip here (measured: PING through the client
        against PING through ``_round_trip``), as much as the script itself. A Redis
        that lost the script (restarted, flushed) answers NOSCRIPT: it is loaded again
        and run once more."""
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            [reply] = self._round_trip(command)
        except NoScriptError:
            self.client.script_load(script.script)
            [reply] = self._round_trip(command)
        return reply

    def count(self, cart_id: str) -> int:
        return int(self._evalsha(self._count, [KEY_PREFIX + cart_id], []))

    def quantity(self, cart_id: str) -> int:
        return int(self._evalsha(self._quantity, [KEY_PREFIX + cart_id], []))

    def ttl(self, cart_id: str) -> int | None:
        """Seconds the cart has left; None if it does not exist."""
        ttl = self.client.ttl(KEY_PREFIX + cart_id)
        return None if ttl == -2 else ttl

    def exists(self, cart_id: str) -> bool:
        return bool(self.client.exists(KEY_PREFIX + cart_id))

    def get_coupon(self, cart_id: str) -> str | None:
        raw = self.client.hget(KEY_PREFIX + cart_id, COUPON)
        return None if raw is None else _s(raw)

    def ping(self) -> bool:
        return bool(self.client.ping())


def _add_args(product_id, quantity, unit_price, max_quantity, max_lines) -> list:
    """ARGV of an add (``add_line`` in Lua): -1 stands for no limit."""
    return [
        product_id,
        int(quantity),
        _price(unit_price),
        _stamp(_ttl()),
        -1 if max_quantity is None else max_quantity,
        -1 if max_lines is None else max_lines,
    ]


def _check(status: int, value: int) -> int:
    if status == -1:
        raise LineQuantityLimit(int(value))
    if status == -2:
        raise LineCountLimit(int(value))
    return int(value)


_MISSING = CartSnapshot(lines=(), coupon=None, ttl=None, exists=False)

# Lines and price strings already parsed, shared by every read of this process: a cart is
# read far more often than written (badge, page, API, checkout), so most reads find each
# of their lines here and parse nothing. Values are immutable, so sharing them is safe;
# each dict is emptied when full, so it follows the carts currently in use.
_LINES: dict[tuple[bytes, bytes], CartLine] = {}
_PRICES: dict[bytes, Decimal] = {}
_PARSED_MAX = 20_000
_UNDERSCORE = ord("_")  # reserved fields: bytes index to ints


def _seconds_left(stamp: bytes) -> int:
    """Seconds until the ``_e`` stamp's expiry (rounded up, like the local store), clamped
    to [0, the TTL that was set]: a clock of this process ahead of or behind the one of
    the process that wrote the stamp can neither make it negative nor longer than the
    cart's lifetime."""
    expires_ms, _, ttl = stamp.partition(b":")
    left = -((time.time_ns() // 1_000_000 - int(expires_ms)) // 1000)
    return min(max(left, 0), int(ttl))


def _parse_fields(pairs) -> tuple[list[CartLine], str | None, bytes | None]:
    """Lines, coupon and ``_e`` stamp of a hash's ``(field, value)`` pairs, as bytes.

    The hot read (every cart view): a line already parsed (same field, same stored value)
    costs one dict lookup; lines sorted by product id (the tuples' first item, unique)."""
    lines, coupon, stamp = [], None, None
    append, known = lines.append, _LINES.get
    for pair in pairs:
        line = known(pair)
        if line is None:
            field, raw = pair
            if field[0] == _UNDERSCORE:
                if field == _COUPON:
                    coupon = raw.decode()
                elif field == _EXPIRES:
                    stamp = raw
                continue
            line = _parse_line(field, raw)
        append(line)
    lines.sort()
    return lines, coupon, stamp


def _parse_line(field: bytes, raw: bytes) -> CartLine:
    """``field``: the product id; ``raw``: ``b"<quantity>:<unit price>[:o]"``."""
    parts = raw.split(b":")
    price = _PRICES.get(parts[1])
    if price is None:
        if len(_PRICES) >= _PARSED_MAX:
            _PRICES.clear()
        price = _PRICES[parts[1]] = Decimal(parts[1].decode())
    if len(_LINES) >= _PARSED_MAX:
        _LINES.clear()
    line = _LINES[field, raw] = CartLine(
        int(field), int(parts[0]), price, len(parts) > 2
    )
    return line


def _lines_from_items(items) -> tuple[list[CartLine], str | None]:
    lines, coupon = [], None
    for field, raw in items:
        field = _s(field)
        if field[0] == "_":
            if field == COUPON:
                coupon = _s(raw)
            continue
        parts = _s(raw).split(":")
        lines.append(
            CartLine(int(field), int(parts[0]), Decimal(parts[1]), len(parts) > 2)
        )
    lines.sort(key=lambda line: line.product_id)
    return lines, coupon


# --- the in-process store -------------------------------------------------------------------


def _stamp(ttl: int) -> str:
    """The ``_e`` value "<now + ttl, ms since the epoch>:<ttl>" (this process's clock):
    what both stores write, and what every Redis write script takes in place of a TTL."""
    return f"{time.time_ns() // 1_000_000 + ttl * 1000}:{ttl}"


class LocalCartStore:
    """The same store in process memory (no REDIS_URL): a dict of hashes, one lock, TTLs.

    Values are encoded exactly as in Redis, so both stores share one format and behaviour.
    """

    checks_windows = False  # no Redis: throttles are DRF's own (the in-process cache)

    def __init__(self):
        self._lock = threading.RLock()
        self._data: dict[str, tuple[dict[str, str], float]] = {}

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def _hash(self, cart_id: str) -> dict[str, str] | None:
        entry = self._data.get(cart_id)
        if entry is None:
            return None
        fields, expires_at = entry
        if expires_at <= time.monotonic():
            del self._data[cart_id]
            return None
        return fields

    def _write(
        self, cart_id: str, fields: dict[str, str], ttl: int | None = None
    ) -> None:
        fields[MARKER] = "1"
        ttl = _ttl() if ttl is None else ttl
        fields[EXPIRES] = _stamp(ttl)
        self._data[cart_id] = (fields, time.monotonic() + ttl)

    @staticmethod
    def _line_count(fields: dict[str, str]) -> int:
        return sum(1 for f in fields if f[0] != "_")

    @staticmethod
    def _split(raw: str) -> tuple[int, str]:
        parts = raw.split(":")
        return int(parts[0]), parts[1]

    # -- writes --------------------------------------------------------------------------
    def touch(self, cart_id: str) -> bool:
        with self._lock:
            fields = self._hash(cart_id)
            self._write(cart_id, fields if fields is not None else {})
            return fields is None

    def add(
        self,
        cart_id,
        product_id,
        quantity,
        unit_price,
        *,
        max_quantity=None,
        max_lines=None,
    ):
        field = str(product_id)
        with self._lock:
            fields = self._hash(cart_id) or {}
            price = _price(unit_price)
            current = 0
            if field in fields:
                current, price = self._split(fields[field])
            elif max_lines is not None and self._line_count(fields) >= max_lines:
                raise LineCountLimit(self._line_count(fields))
            new = current + int(quantity)
            if max_quantity is not None and new > max_quantity:
                raise LineQuantityLimit(current)
            fields[field] = f"{new}:{price}"
            self._write(cart_id, fields)
            return new

    def add_and_read(
        self,
        cart_id,
        product_id,
        quantity,
        unit_price,
        *,
        max_quantity=None,
        max_lines=None,
        must_exist=False,
        version_key=None,
        expected_version=None,
        window=None,
    ) -> AddedLine:
        # No Redis here: no catalog version is ever set, and throttles are DRF's own (a
        # window is never deferred to this store).
        if window is not None:
            raise ValueError("the in-process store checks no throttle window")
        with self._lock:  # re-entrant: the add and the read are one step
            if must_exist and self._hash(cart_id) is None:
                raise CartMissing(cart_id)
            if expected_version:
                raise CatalogChanged(None)
            new = self.add(
                cart_id,
                product_id,
                quantity,
                unit_price,
                max_quantity=max_quantity,
                max_lines=max_lines,
            )
            return AddedLine(new, self.snapshot(cart_id))

    def set(
        self, cart_id, product_id, quantity, unit_price, *, max_lines=None,
        must_exist=False,
    ):  # fmt: skip
        field = str(product_id)
        with self._lock:
            fields = self._hash(cart_id)
            if fields is None and must_exist:
                raise CartMissing(cart_id)
            fields = fields or {}
            if int(quantity) <= 0:
                fields.pop(field, None)
                self._write(cart_id, fields)
                return 0
            price = _price(unit_price)
            if field in fields:
                price = self._split(fields[field])[1]
            elif max_lines is not None and self._line_count(fields) >= max_lines:
                raise LineCountLimit(self._line_count(fields))
            fields[field] = f"{int(quantity)}:{price}"
            self._write(cart_id, fields)
            return int(quantity)

    def remove(self, cart_id, product_id) -> bool:
        with self._lock:
            fields = self._hash(cart_id)
            if fields is None:
                return False
            removed = fields.pop(str(product_id), None) is not None
            self._write(cart_id, fields)
            return removed

    def set_coupon(self, cart_id, code, *, must_exist=False) -> bool:
        with self._lock:
            if (not code or must_exist) and self._hash(cart_id) is None:
                return False  # taking a coupon off (or must_exist) never creates one
            fields = self._hash(cart_id) or {}
            if code:
                fields[COUPON] = code
            else:
                fields.pop(COUPON, None)
            self._write(cart_id, fields)
            return True

    def set_ttl(self, cart_id, seconds) -> bool:
        with self._lock:
            fields = self._hash(cart_id)
            if fields is None:
                return False
            if int(seconds) <= 0:
                del self._data[cart_id]
            else:
                self._write(cart_id, fields, int(seconds))
            return True

    def destroy(self, cart_id) -> bool:
        with self._lock:
            exists = self._hash(cart_id) is not None
            self._data.pop(cart_id, None)
            return exists

    def take(self, cart_id, lines, coupon, *, also_set=None) -> bool:
        # ``also_set`` names a Redis key: there is none here (the catalog cache is not
        # on Redis either, and its writers replace its token themselves).
        with self._lock:
            fields = self._hash(cart_id)
            if fields is None:
                return False
            for product_id, quantity in lines:
                raw = fields.get(str(product_id))
                if raw is None:
                    continue
                held, rest = raw.split(":", 1)
                left = int(held) - int(quantity)
                if left > 0:
                    fields[str(product_id)] = f"{left}:{rest}"
                else:
                    del fields[str(product_id)]
            if coupon and fields.get(COUPON) == coupon:
                del fields[COUPON]
            if not self._line_count(fields):
                del self._data[cart_id]
                return False
            return True

    def copy(self, src, dst) -> bool:
        with self._lock:
            fields = self._hash(src)
            if fields is None:
                return False
            self._write(dst, dict(fields))
            return True

    def merge(self, src, dst, *, caps=None, max_quantity=None, max_lines=None):
        caps = {str(k): max(int(v), 0) for k, v in (caps or {}).items()}
        with self._lock:
            source = self._hash(src)
            if source is None:
                return None
            target = self._hash(dst) or {}
            coupon_moved = False
            if COUPON in source and COUPON not in target:
                target[COUPON] = source[COUPON]
                coupon_moved = True
            count = self._line_count(target)
            merged = []
            for field, raw in source.items():
                if field[0] == "_":
                    continue
                quantity, price = self._split(raw)
                current = 0
                if field in target:
                    current, price = self._split(target[field])
                limit = max_quantity
                cap = caps.get(field)
                if cap is not None and (limit is None or cap < limit):
                    limit = cap
                want = current + quantity
                got = want if limit is None else min(want, limit)
                if field not in target and max_lines is not None and count >= max_lines:
                    got = 0
                got = max(got, current)
                if got > 0:
                    if field not in target:
                        count += 1
                    target[field] = f"{got}:{price}"
                merged.append(MergedLine(int(field), want, got))
            del self._data[src]
            self._write(dst, target)
            return MergeOutcome(lines=tuple(merged), coupon_moved=coupon_moved)

    def apply_changes(self, cart_id, changes=(), *, coupon=None) -> int:
        triples = [
            (str(c.product_id), c.expected.encode(), c.new.encode() if c.new else "")
            for c in changes
        ]
        if coupon is not None:
            triples.append((COUPON, coupon[0], coupon[1] or ""))
        with self._lock:
            fields = self._hash(cart_id)
            if fields is None or not triples:
                return 0
            applied = 0
            for field, expected, new in triples:
                if fields.get(field) == expected:
                    if new:
                        fields[field] = new
                    else:
                        fields.pop(field, None)
                    applied += 1
            if applied:
                self._write(cart_id, fields)
            return applied

    # -- reads ---------------------------------------------------------------------------
    def contains(self, cart_id, product_id) -> bool:
        return self.get(cart_id, product_id) is not None

    def get(self, cart_id, product_id):
        with self._lock:
            raw = (self._hash(cart_id) or {}).get(str(product_id))
        return None if raw is None else _decode_line(int(product_id), raw)

    def lines(self, cart_id):
        with self._lock:
            items = list((self._hash(cart_id) or {}).items())
        return _lines_from_items(items)[0]

    def snapshot(self, cart_id, *, also=None, window=None) -> CartSnapshot:
        # ``also`` names a Redis key: there is none here, so it reads as not set.
        if window is not None:
            raise ValueError("the in-process store checks no throttle window")
        with self._lock:
            fields = self._hash(cart_id)
            items = list((fields or {}).items())
            ttl = self._remaining(cart_id) if fields is not None else None
        lines, coupon = _lines_from_items(items)
        return CartSnapshot(
            lines=tuple(lines), coupon=coupon, ttl=ttl, exists=fields is not None
        )

    def _remaining(self, cart_id) -> int:
        return max(math.ceil(self._data[cart_id][1] - time.monotonic()), 0)

    def count(self, cart_id) -> int:
        with self._lock:
            return self._line_count(self._hash(cart_id) or {})

    def quantity(self, cart_id) -> int:
        with self._lock:
            fields = self._hash(cart_id) or {}
            return sum(int(v.split(":")[0]) for f, v in fields.items() if f[0] != "_")

    def ttl(self, cart_id):
        with self._lock:
            return self._remaining(cart_id) if self._hash(cart_id) is not None else None

    def exists(self, cart_id) -> bool:
        with self._lock:
            return self._hash(cart_id) is not None

    def get_coupon(self, cart_id):
        with self._lock:
            return (self._hash(cart_id) or {}).get(COUPON)

    def ping(self) -> bool:
        return True


CartStore = RedisCartStore | LocalCartStore

_local_store = LocalCartStore()
_redis_stores: dict[int, RedisCartStore] = {}


def get_store() -> CartStore:
    """The Redis store when ``REDIS_URL`` is set, else the in-process one."""
    if not settings.REDIS_URL:
        return _local_store
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    # One store (with its registered scripts) per client object.
    store = _redis_stores.get(id(client))
    if store is None or store.client is not client:
        store = _redis_stores[id(client)] = RedisCartStore(client)
    return store


def reset_local_store() -> None:
    """Empty the in-process store (tests)."""
    _local_store.clear()


def ping_store() -> bool:
    return get_store().ping()
