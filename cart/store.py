"""Cart persistence: one Redis hash per cart, every write one atomic Lua script.

A cart's key is ``cart:{<cart id>}``, e.g. ``cart:{user:42}`` or ``cart:{anon:<token>}``;
the braces are a Redis Cluster hash tag, and every script touches that one key, so a
cart lives on one node of a cluster. Its fields::

    "<variant id>"  "<quantity>:<unit price>"     a line (the price seen when added)
    "<variant id>"  "<quantity>:<unit price>:o"   a line whose "out of stock" was reported
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
from contextlib import contextmanager
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from redis import Redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.exceptions import ClusterError, RedisClusterException
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from cart import lua
from shop.money import quantize
from shop.redis_errors import script_refusals

RESERVED = ("_", "_c", "_r")
NOTED = "o"  # a line's flag: its "out of stock" warning was given


class CartLine(NamedTuple):
    variant_id: int
    quantity: int
    unit_price: Decimal  # the price seen when the line was added
    out_of_stock_noted: bool = False

    def encode(self) -> str:
        value = f"{self.quantity}:{self.unit_price}"
        return f"{value}:{NOTED}" if self.out_of_stock_noted else value


class Snapshot(NamedTuple):
    """A cart as one read found it."""

    lines: tuple[CartLine, ...]  # by variant id
    coupon: str | None
    ttl: int  # seconds left (0 when the cart does not exist)
    exists: bool
    revision: str = ""


class LineChange(NamedTuple):
    """A compare-and-set write: applied only if the line still equals ``expected``."""

    expected: CartLine
    new: CartLine | None  # None removes the line


class MergedLine(NamedTuple):
    variant_id: int
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


def _key(cart_id: str) -> str:
    return f"cart:{{{cart_id}}}"


def _limit(value: int | None) -> int:
    return -1 if value is None else int(value)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _snapshot(ttl: int, flat: list) -> Snapshot:
    """A read's reply: the key's TTL and its flat HGETALL (bytes, or text from a client
    that decodes its replies: CART_REDIS_URL may ask for one)."""
    if not flat:
        return Snapshot((), None, 0, False)
    lines, coupon, revision = [], None, ""
    for field, value in zip(map(_text, flat[::2]), map(_text, flat[1::2]), strict=True):
        if field in RESERVED:
            if field == "_c":
                coupon = value
            elif field == "_r":
                revision = value
            continue
        quantity, price, *flag = value.split(":")
        lines.append(CartLine(int(field), int(quantity), Decimal(price), bool(flag)))
    lines.sort()
    return Snapshot(tuple(lines), coupon, max(int(ttl), 0), True, revision)


class RedisCartStore:
    """The carts on Redis, or on a Redis Cluster (``CART_REDIS_CLUSTER``)."""

    def __init__(self, client: Redis | RedisCluster):
        self.client = client
        register = client.register_script
        self._read = register(lua.READ)
        self._touch = register(lua.TOUCH)
        self._add = register(lua.ADD)
        self._set = register(lua.SET)
        self._remove = register(lua.REMOVE)
        self._coupon = register(lua.COUPON)
        self._take = register(lua.TAKE)
        self._pop = register(lua.POP)
        self._merge_in = register(lua.MERGE_IN)
        self._cas = register(lua.CAS)

    def _write(self, script, cart_id: str, *args):
        """Run a write script with a new revision and the cart's lifetime."""
        revision = secrets.token_hex(8)
        with script_refusals():  # a refused write is an outage, not a 500
            return script(
                keys=[_key(cart_id)], args=[revision, settings.CART_TTL, *args]
            )

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
            self._add, cart_id, line.variant_id, line.quantity,
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
            self._set, cart_id, line.variant_id, line.quantity,
            str(quantize(line.unit_price)), _limit(max_lines), int(must_exist),
        )  # fmt: skip
        _raise_for(reply)
        return int(reply[1])

    def remove(self, cart_id: str, variant_id: int) -> bool:
        """Take a line out; whether it was there."""
        return bool(self._write(self._remove, cart_id, variant_id))

    def set_coupon(self, cart_id: str, code: str | None, *, must_exist=False) -> bool:
        """Put ``code`` on the cart, or take its coupon off (None, which never creates a
        cart); whether the cart was written."""
        return bool(self._write(self._coupon, cart_id, code or "", int(must_exist)))

    def destroy(self, cart_id: str) -> None:
        self.client.delete(_key(cart_id))

    def take(
        self, cart_id: str, lines: Iterable[tuple[int, int]], coupon: str | None
    ) -> bool:
        """Take out what an order took: (variant id, quantity) pairs, and ``coupon`` if the
        cart still has it. What was added meanwhile stays; a cart left without lines is
        deleted. Whether the cart still exists."""
        pairs = [value for pair in lines for value in pair]
        return bool(self._write(self._take, cart_id, coupon or "", *pairs))

    def pop(self, cart_id: str) -> Snapshot:
        """Read a cart and delete it, in one step (the source of a merge)."""
        with script_refusals():
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
        """Add another cart's ``lines`` (each capped by ``caps``, its variant's stock);
        the merged lines, and whether ``coupon`` was taken (only by a cart without one)."""
        args = []
        for line in lines:
            cap = max(int(caps.get(line.variant_id, 0)), 0)
            args += [line.variant_id, line.quantity, str(line.unit_price), cap]
        reply = self._write(
            self._merge_in, cart_id, max_quantity, max_lines, coupon or "", *args
        )
        triples = reply[1:]
        merged = tuple(
            MergedLine(int(vid), int(requested), int(quantity))
            for vid, requested, quantity in zip(
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
            args += [change.expected.variant_id, change.expected.encode(), new]
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


@contextmanager
def _cluster_outage():
    """A cluster that cannot be reached (no node answers, slots not covered, CLUSTERDOWN)
    is an outage like a lost Redis: redis-py raises RedisClusterException (not even a
    RedisError) or ClusterError there, which no outage handler would know."""
    try:
        yield
    except (RedisClusterException, ClusterError) as exc:
        raise RedisConnectionError(f"Redis Cluster unavailable: {exc}") from exc


class _Cluster(RedisCluster):
    def execute_command(self, *args, **kwargs):
        with _cluster_outage():
            return super().execute_command(*args, **kwargs)


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
            with _cluster_outage():  # it asks a node for the slots at once
                client = _Cluster.from_url(url, **options)
        else:
            client = Redis.from_url(url, **options)
        store = _stores[(url, cluster)] = RedisCartStore(client)
    return store
