"""The cart store's contract, run against real Redis and against the in-process store."""

import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cart.store import (
    CartLine,
    CartMissing,
    CatalogChanged,
    LineChange,
    LineCountLimit,
    LineQuantityLimit,
    LocalCartStore,
    MergedLine,
    RedisCartStore,
    WindowFull,
    get_store,
)

P = Decimal("19.99")


@pytest.fixture(params=["redis", "local"])
def store(request):
    if request.param == "redis":
        if not django_settings.REDIS_URL:
            pytest.skip(
                "REDIS_URL is not set: the Redis store's tests need a real Redis"
            )
        store = get_store()
        assert isinstance(store, RedisCartStore)
        return store
    return LocalCartStore()


def test_add_creates_then_increments_the_line(store):
    """Adding twice adds the quantities; the line keeps the price seen when first added."""
    assert store.add("c1", 7, 2, P) == 2
    assert store.add("c1", 7, 3, Decimal("25.00")) == 5
    assert store.get("c1", 7) == CartLine(7, 5, Decimal("19.99"))
    assert store.contains("c1", 7) is True
    assert store.contains("c1", 8) is False
    assert store.get("c1", 8) is None


def test_add_respects_the_quantity_limit_atomically(store):
    """Going over max_quantity changes nothing and reports what the line holds."""
    store.add("c1", 7, 4, P, max_quantity=5)
    with pytest.raises(LineQuantityLimit) as exc:
        store.add("c1", 7, 2, P, max_quantity=5)
    assert exc.value.current == 4
    assert store.get("c1", 7).quantity == 4


def test_add_respects_the_line_limit(store):
    """A new line beyond max_lines is refused; adding to an existing line is still fine."""
    store.add("c1", 1, 1, P, max_lines=2)
    store.add("c1", 2, 1, P, max_lines=2)
    store.set_coupon("c1", "SAVE")  # the coupon is not a line
    with pytest.raises(LineCountLimit) as exc:
        store.add("c1", 3, 1, P, max_lines=2)
    assert exc.value.count == 2
    assert store.add("c1", 2, 1, P, max_lines=2) == 2
    assert store.count("c1") == 2


def test_add_and_read_returns_the_cart_after_the_add(store):
    """One step: the line's new quantity and a snapshot equal to a read made after it;
    limits refuse as ``add`` does, writing nothing."""
    store.add("c1", 3, 1, P)
    store.set_coupon("c1", "SAVE")

    added = store.add_and_read("c1", 7, 2, P, max_quantity=5, max_lines=3)

    assert added.quantity == 2
    assert added.snapshot == store.snapshot("c1")
    assert [line.product_id for line in added.snapshot.lines] == [3, 7]
    assert added.snapshot.coupon == "SAVE"
    assert added.snapshot.also is None
    with pytest.raises(LineQuantityLimit) as exc:
        store.add_and_read("c1", 7, 4, P, max_quantity=5)
    assert exc.value.current == 2
    with pytest.raises(LineCountLimit):
        store.add_and_read("c1", 8, 1, P, max_lines=2)
    assert store.snapshot("c1") == added.snapshot


def test_add_and_read_of_a_cart_that_must_exist(store):
    """``must_exist``: a missing cart is refused and not created; without it the add
    creates the cart."""
    with pytest.raises(CartMissing):
        store.add_and_read("gone", 7, 1, P, must_exist=True)
    assert store.exists("gone") is False

    assert store.add_and_read("gone", 7, 1, P).snapshot.exists is True


def test_redis_add_and_read_writes_only_under_the_expected_version(redis_store):
    """The value at ``version_key`` is read in the step and returned; an expected value
    that is not the current one refuses the add (nothing written) and names the
    current one, or None when the key is unset."""
    store = redis_store
    store.client.set("test:version", b"v2")

    with pytest.raises(CatalogChanged) as exc:
        store.add_and_read(
            "c1", 7, 1, P, version_key="test:version", expected_version=b"v1"
        )
    assert exc.value.version == b"v2"
    assert store.exists("c1") is False

    added = store.add_and_read(
        "c1", 7, 1, P, version_key="test:version", expected_version=b"v2"
    )
    assert (added.quantity, added.snapshot.also) == (1, b"v2")
    assert store.add_and_read("c1", 7, 1, P, version_key="test:version").quantity == 2

    store.client.delete("test:version")
    with pytest.raises(CatalogChanged) as exc:
        store.add_and_read(
            "c1", 7, 1, P, version_key="test:version", expected_version=b"v2"
        )
    assert exc.value.version is None
    assert store.get("c1", 7).quantity == 2


def test_redis_add_and_read_checks_a_throttle_window_first(redis_store):
    """A full window refuses before anything else (even a missing cart) with the
    window's own reply; an open one counts the request."""
    from types import SimpleNamespace

    store = redis_store
    store.client.delete("test:window")

    def window(now):
        return SimpleNamespace(key="test:window", args=[now, 60, 2, f"{now}:m"])

    store.add_and_read("c1", 7, 1, P, window=window(1000.0))
    store.add_and_read("c1", 7, 1, P, window=window(1001.0))
    with pytest.raises(WindowFull) as exc:
        store.add_and_read("gone", 7, 1, P, must_exist=True, window=window(1002.0))

    allowed, count, oldest = exc.value.reply
    assert (allowed, count, float(oldest)) == (0, 2, 1000.0)
    assert store.get("c1", 7).quantity == 2
    assert store.client.zcard("test:window") == 2
    store.client.delete("test:window")


def test_redis_add_and_read_after_redis_lost_its_scripts(redis_store):
    """After SCRIPT FLUSH (a restarted Redis) the step loads its script again."""
    redis_store.client.script_flush()

    assert redis_store.add_and_read("c1", 7, 2, P).quantity == 2
    assert redis_store.add_and_read("c1", 7, 1, P).quantity == 3


def test_redis_snapshot_sends_a_throttle_window_with_the_read(redis_store):
    """A window sent with a snapshot counts the request in the same round trip; a full
    one refuses with the window's own reply (whatever the cart)."""
    from types import SimpleNamespace

    store = redis_store
    store.client.delete("test:window")

    def window(now):
        return SimpleNamespace(key="test:window", args=[now, 60, 2, f"{now}:m"])

    store.add("c1", 7, 2, P)
    assert store.snapshot("c1", window=window(1000.0)).lines == (CartLine(7, 2, P),)
    assert store.snapshot("gone", window=window(1001.0)).exists is False
    with pytest.raises(WindowFull) as exc:
        store.snapshot("c1", window=window(1002.0))

    allowed, count, oldest = exc.value.reply
    assert (allowed, count, float(oldest)) == (0, 2, 1000.0)
    assert store.client.zcard("test:window") == 2
    store.client.script_flush()  # a restarted Redis: the window's script is loaded again
    store.client.delete("test:window")
    assert store.snapshot("c1", window=window(1003.0)).lines == (CartLine(7, 2, P),)
    assert store.client.zcard("test:window") == 1
    store.client.delete("test:window")


def test_local_snapshot_checks_no_window():
    with pytest.raises(ValueError):
        LocalCartStore().snapshot("c1", window=object())


def test_local_add_and_read_knows_no_version_and_no_window():
    """The in-process store has no catalog version (any expected one has changed) and
    never checks a throttle window (throttles are DRF's own there)."""
    store = LocalCartStore()
    with pytest.raises(CatalogChanged) as exc:
        store.add_and_read("c1", 7, 1, P, expected_version=b"v1")
    assert exc.value.version is None
    with pytest.raises(ValueError):
        store.add_and_read("c1", 7, 1, P, window=object())
    assert store.exists("c1") is False


def test_set_sets_keeps_price_and_zero_removes(store):
    """set() replaces the quantity, keeps an existing line's price, and 0 removes the line."""
    store.add("c1", 7, 2, P)
    assert store.set("c1", 7, 9, Decimal("1.00")) == 9
    assert store.get("c1", 7) == CartLine(7, 9, P)
    assert store.set("c1", 8, 1, Decimal("1.5")) == 1
    assert store.get("c1", 8).unit_price == Decimal("1.50")
    assert store.set("c1", 7, 0, P) == 0
    assert store.contains("c1", 7) is False
    assert store.exists("c1") is True  # an emptied cart still exists until destroyed


def test_set_that_must_find_the_cart_creates_none(store):
    """set(must_exist=True) on a cart that is gone writes nothing: CartMissing; on one
    that exists it sets as always."""
    with pytest.raises(CartMissing):
        store.set("gone", 1, 2, P, must_exist=True)
    assert store.exists("gone") is False

    store.touch("c1")
    assert store.set("c1", 1, 2, P, must_exist=True) == 2
    assert store.snapshot("c1").lines[0].quantity == 2


def test_set_respects_the_line_limit(store):
    """set() of a new line beyond max_lines is refused."""
    store.set("c1", 1, 1, P, max_lines=1)
    with pytest.raises(LineCountLimit):
        store.set("c1", 2, 1, P, max_lines=1)
    assert store.set("c1", 1, 3, P, max_lines=1) == 3


def test_remove_reports_whether_the_line_was_there(store):
    """remove() is True once, then False."""
    store.add("c1", 7, 1, P)
    assert store.remove("c1", 7) is True
    assert store.remove("c1", 7) is False
    assert store.remove("missing", 7) is False


def test_lines_count_quantity_and_coupon(store):
    """lines() lists every line sorted by product; count, quantity and coupon are exact."""
    store.add("c1", 9, 2, Decimal("1.10"))
    store.add("c1", 3, 5, Decimal("2.00"))
    store.set_coupon("c1", "SAVE10")
    assert store.lines("c1") == [
        CartLine(3, 5, Decimal("2.00")),
        CartLine(9, 2, Decimal("1.10")),
    ]
    assert store.count("c1") == 2
    assert store.quantity("c1") == 7
    assert store.get_coupon("c1") == "SAVE10"
    store.set_coupon("c1", None)
    assert store.get_coupon("c1") is None
    assert store.lines("missing") == []
    assert store.count("missing") == 0
    assert store.quantity("missing") == 0


def test_snapshot_reads_everything_at_once(store):
    """snapshot() has lines, coupon, TTL and existence."""
    store.add("c1", 3, 1, P)
    store.set_coupon("c1", "X")
    snap = store.snapshot("c1")
    assert snap.lines == (CartLine(3, 1, P),)
    assert snap.coupon == "X"
    assert snap.exists is True
    assert 0 < snap.ttl <= django_settings.CART_TTL
    missing = store.snapshot("nope")
    assert (missing.lines, missing.coupon, missing.ttl, missing.exists) == (
        (),
        None,
        None,
        False,
    )


def test_ttl_slides_on_every_write(store, settings):
    """Every write sets the TTL back to CART_TTL; set_ttl changes it; a missing cart has none."""
    settings.CART_TTL = 1000
    store.add("c1", 1, 1, P)
    assert 990 <= store.ttl("c1") <= 1000
    assert store.set_ttl("c1", 50) is True
    assert store.ttl("c1") <= 50
    store.add("c1", 1, 1, P)
    assert store.ttl("c1") >= 990
    store.set_ttl("c1", 50)
    store.set_coupon("c1", "A")
    assert store.ttl("c1") >= 990
    assert store.ttl("missing") is None
    assert store.set_ttl("missing", 10) is False


def test_cart_expires_after_its_ttl(store):
    """A cart whose TTL ran out is gone."""
    store.add("c1", 1, 1, P)
    store.set_ttl("c1", 1)
    time.sleep(1.2)
    assert store.exists("c1") is False
    assert store.lines("c1") == []


def test_touch_creates_an_empty_cart(store):
    """touch() makes an empty cart that exists (for a new anonymous token)."""
    assert store.touch("c1") is True
    assert store.exists("c1") is True
    assert store.count("c1") == 0
    assert store.touch("c1") is False


def test_destroy(store):
    """destroy() removes the cart and says whether there was one."""
    store.add("c1", 1, 1, P)
    assert store.destroy("c1") is True
    assert store.exists("c1") is False
    assert store.destroy("c1") is False


def test_take_leaves_what_the_order_did_not_take(store):
    """take() subtracts each ordered quantity (a line at 0 goes), drops the coupon the
    order used, and keeps what was added meanwhile, with its price and its TTL."""
    store.add("c1", 1, 2, P)
    store.add("c1", 2, 1, P)
    store.add("c1", 1, 3, P)  # added while the order (of 2) was being placed
    store.add("c1", 3, 4, Decimal("1.50"))  # a new line meanwhile
    store.set_coupon("c1", "C")
    store.set_ttl("c1", 500)

    assert store.take("c1", [(1, 2), (2, 1)], "C") is True

    snapshot = store.snapshot("c1")
    assert [
        (line.product_id, line.quantity, line.unit_price) for line in snapshot.lines
    ] == [
        (1, 3, P),
        (3, 4, Decimal("1.50")),
    ]
    assert snapshot.coupon is None
    assert 490 <= snapshot.ttl <= 500


def test_take_of_everything_forgets_the_cart(store):
    """A cart left without lines is gone (its coupon with it), as destroy() leaves it;
    a coupon put on meanwhile is not the one used, but has nothing left to apply to."""
    store.add("c1", 1, 2, P)
    store.set_coupon("c1", "OTHER")

    assert store.take("c1", [(1, 2)], "C") is False
    assert store.exists("c1") is False
    assert store.take("c1", [(1, 2)], None) is False  # no cart: nothing to do
    assert store.exists("c1") is False


def test_take_keeps_a_coupon_changed_meanwhile(store):
    store.add("c1", 1, 1, P)
    store.add("c1", 2, 1, P)
    store.set_coupon("c1", "NEW")

    assert store.take("c1", [(1, 1)], "OLD") is True
    assert store.get_coupon("c1") == "NEW"
    assert store.take("c1", [(2, 5)], None) is False  # more than held: the line goes


def test_copy_replaces_the_target(store):
    """copy() makes dst an exact copy of src (coupon included), src untouched."""
    store.add("src", 1, 2, P)
    store.set_coupon("src", "C")
    store.add("dst", 5, 1, P)
    assert store.copy("src", "dst") is True
    assert store.lines("dst") == [CartLine(1, 2, P)]
    assert store.get_coupon("dst") == "C"
    assert store.lines("src") == [CartLine(1, 2, P)]
    assert store.copy("missing", "dst") is False
    assert store.lines("dst") == [CartLine(1, 2, P)]


def test_merge_adds_clamps_and_destroys_the_source(store):
    """merge() adds quantities, clamps to caps and max quantity, keeps dst prices, drops src."""
    store.add("src", 1, 3, Decimal("1.00"))
    store.add("src", 2, 4, Decimal("2.00"))
    store.add("src", 3, 1, Decimal("3.00"))
    store.add("src", 4, 9, Decimal("4.00"))
    store.add("dst", 1, 2, Decimal("1.50"))
    outcome = store.merge("src", "dst", caps={2: 3, 3: 0}, max_quantity=8)
    assert set(outcome.lines) == {
        MergedLine(1, 5, 5),
        MergedLine(2, 4, 3),
        MergedLine(3, 1, 0),
        MergedLine(4, 9, 8),
    }
    assert store.lines("dst") == [
        CartLine(1, 5, Decimal("1.50")),
        CartLine(2, 3, Decimal("2.00")),
        CartLine(4, 8, Decimal("4.00")),
    ]
    assert store.exists("src") is False
    assert store.merge("src", "dst") is None


def test_merge_keeps_the_targets_coupon(store):
    """The source's coupon moves only when the target has none."""
    store.add("src", 1, 1, P)
    store.set_coupon("src", "SRC")
    store.add("dst", 2, 1, P)
    assert store.merge("src", "dst").coupon_moved is True
    assert store.get_coupon("dst") == "SRC"
    store.add("src2", 1, 1, P)
    store.set_coupon("src2", "OTHER")
    assert store.merge("src2", "dst").coupon_moved is False
    assert store.get_coupon("dst") == "SRC"


def test_merge_respects_the_line_limit(store):
    """New lines beyond max_lines are dropped (reported with quantity 0)."""
    store.add("dst", 1, 1, P)
    store.add("src", 2, 1, P)
    store.add("src", 1, 1, P)
    outcome = store.merge("src", "dst", max_lines=1)
    assert set(outcome.lines) == {MergedLine(1, 2, 2), MergedLine(2, 1, 0)}
    assert store.count("dst") == 1


def test_merge_into_a_missing_cart_creates_it(store):
    """Merging into a cart that does not exist yet moves everything."""
    store.add("src", 1, 2, P)
    store.merge("src", "dst")
    assert store.lines("dst") == [CartLine(1, 2, P)]


def test_apply_changes_is_compare_and_set(store):
    """A change applies only if the line still holds what was read."""
    store.add("c1", 1, 5, P)
    store.add("c1", 2, 1, P)
    store.set_coupon("c1", "OLD")
    read = store.lines("c1")
    store.add("c1", 2, 1, P)  # a concurrent write after the read
    applied = store.apply_changes(
        "c1",
        [
            LineChange(1, read[0], CartLine(1, 3, Decimal("9.99"), True)),
            LineChange(2, read[1], None),  # stale: must not remove the new quantity
        ],
        coupon=("OLD", None),
    )
    assert applied == 2
    assert store.lines("c1") == [
        CartLine(1, 3, Decimal("9.99"), True),
        CartLine(2, 2, P),
    ]
    assert store.get_coupon("c1") is None
    assert store.apply_changes("missing", [LineChange(1, read[0], None)]) == 0
    assert store.exists("missing") is False


def test_concurrent_increments_lose_nothing(store):
    """Many threads adding to the same line at once: every unit is counted."""
    threads, per_thread = 16, 50
    barrier = threading.Barrier(threads)

    def work():
        barrier.wait()
        for _ in range(per_thread):
            store.add("c1", 7, 1, P)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert store.get("c1", 7).quantity == threads * per_thread


def test_concurrent_adds_never_pass_the_cap(store):
    """Threads racing for the last units: the cap is never exceeded."""
    threads = 20
    barrier = threading.Barrier(threads)
    results = []

    def work():
        barrier.wait()
        try:
            results.append(store.add("c1", 7, 1, P, max_quantity=5))
        except LineQuantityLimit:
            results.append(None)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(r for r in results if r is not None) == [1, 2, 3, 4, 5]
    assert store.get("c1", 7).quantity == 5


def test_snapshot_parses_many_lines_sorted_with_flags_and_coupon(store):
    """A snapshot of many lines: sorted by product id (numerically), each with its
    quantity, exact price and out-of-stock flag; the marker and coupon are not lines."""
    for product_id in (12, 3, 100, 7):
        store.add("c1", product_id, product_id, Decimal("0.10") * product_id)
    store.apply_changes(
        "c1", [LineChange(7, CartLine(7, 7, Decimal("0.70")), CartLine(7, 2, P, True))]
    )
    store.set_coupon("c1", "SAVE10")
    snap = store.snapshot("c1")
    assert snap.lines == (
        CartLine(3, 3, Decimal("0.30")),
        CartLine(7, 2, P, True),
        CartLine(12, 12, Decimal("1.20")),
        CartLine(100, 100, Decimal("10.00")),
    )
    assert [line.unit_price for line in snap.lines][-1].as_tuple().exponent == -2
    assert snap.coupon == "SAVE10"
    assert store.lines("c1") == list(snap.lines)


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_redis_snapshot_is_the_same_on_any_client(redis_store, protocol, decode):
    """Replies are read raw (bytes) whatever the client decodes, on RESP2 or RESP3."""
    import redis

    client = redis.Redis.from_url(
        django_settings.REDIS_URL, protocol=protocol, decode_responses=decode
    )
    redis_store.add("c1", 9, 2, Decimal("1.50"))
    redis_store.add("c1", 4, 1, P)
    redis_store.set_coupon("c1", "X")

    snapshot = RedisCartStore(client).snapshot("c1")

    assert snapshot == redis_store.snapshot("c1")
    assert snapshot.lines == (CartLine(4, 1, P), CartLine(9, 2, Decimal("1.50")))
    assert snapshot.coupon == "X"
    client.close()


def test_cart_line_is_immutable_and_named():
    """CartLine reads by field name, compares by value and cannot be changed."""
    line = CartLine(5, 2, P)
    assert (line.product_id, line.quantity, line.unit_price, line.out_of_stock_noted) == (
        5, 2, P, False,
    )  # fmt: skip
    assert line == CartLine(5, 2, Decimal("19.99")) and line != CartLine(5, 3, P)
    assert (
        line.encode() == "2:19.99" and CartLine(5, 2, P, True).encode() == "2:19.99:o"
    )
    with pytest.raises(AttributeError):
        line.quantity = 3


def _stamp(store, cart_id):
    """The raw ``_e`` field of a cart as ``(expiry ms, ttl)``, or None."""
    if isinstance(store, RedisCartStore):
        raw = store.client.hget("cart:" + cart_id, "_e")
        raw = None if raw is None else raw.decode()
    else:
        entry = store._data.get(cart_id)
        raw = None if entry is None else entry[0].get("_e")
    if raw is None:
        return None
    expires_ms, ttl = raw.split(":")
    return int(expires_ms), int(ttl)


def _assert_stamped(store, cart_id, ttl):
    now_ms = time.time_ns() // 1_000_000
    expires_ms, stamped_ttl = _stamp(store, cart_id)
    assert stamped_ttl == ttl
    assert now_ms + ttl * 1000 - 2000 <= expires_ms <= now_ms + ttl * 1000 + 1000


def test_every_write_stamps_the_absolute_expiry(store, settings):
    """Every write (touch, add, set, remove, coupon, compare-and-set, set_ttl, the copy and
    merge destinations) rewrites the '_e' field with now + the TTL it set, so a snapshot
    can tell the seconds left without a TTL command."""
    settings.CART_TTL = 1000

    def stamped_after(write, cart_id="c1"):
        store.set_ttl(cart_id, 50)
        _assert_stamped(store, cart_id, 50)
        write()
        _assert_stamped(store, cart_id, 1000)

    assert store.touch("c1") is True
    _assert_stamped(store, "c1", 1000)
    stamped_after(lambda: store.touch("c1"))
    stamped_after(lambda: store.add("c1", 1, 2, P))
    stamped_after(lambda: store.set("c1", 1, 3, P))
    stamped_after(lambda: store.set("c1", 2, 1, P))
    stamped_after(lambda: store.set("c1", 2, 0, P))
    stamped_after(lambda: store.remove("c1", 1))
    stamped_after(lambda: store.set_coupon("c1", "SAVE"))
    store.add("c1", 5, 1, P)
    stamped_after(
        lambda: store.apply_changes(
            "c1", [LineChange(5, CartLine(5, 1, P), CartLine(5, 4, P))]
        )
    )
    store.add("src", 5, 1, P)
    store.set_ttl("src", 20)
    assert store.copy("src", "dst") is True
    _assert_stamped(store, "dst", 1000)  # not the source's stamp
    store.set_ttl("src", 20)
    store.merge("src", "c1")
    _assert_stamped(store, "c1", 1000)
    # The stamp is bookkeeping: never a line, never counted, never merged or summed.
    assert [line.product_id for line in store.lines("c1")] == [5]
    assert store.count("c1") == 1
    assert store.quantity("c1") == 5
    assert store.get_coupon("c1") == "SAVE"


def test_set_ttl_zero_deletes_without_leaving_a_stamp(store):
    """set_ttl(0) removes the cart like EXPIRE 0 (the stamp does not recreate it)."""
    store.add("c1", 1, 1, P)
    assert store.set_ttl("c1", 0) is True
    assert store.exists("c1") is False
    assert _stamp(store, "c1") is None
    assert store.set_ttl("c1", 10) is False


def test_snapshot_ttl_matches_the_keys_ttl(store, settings):
    """The seconds left from the stamp equal what the TTL command says."""
    settings.CART_TTL = 1000
    store.add("c1", 1, 1, P)
    assert store.snapshot("c1").ttl == store.ttl("c1") == 1000
    store.set_ttl("c1", 37)
    assert store.snapshot("c1").ttl == store.ttl("c1") == 37


@pytest.fixture
def redis_store():
    if not django_settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Redis store's tests need a real Redis")
    return get_store()


def test_redis_snapshot_reads_the_stamp_with_one_command(redis_store, monkeypatch):
    """With a stamp, the snapshot is one HGETALL: expires_in is the stamp minus now (the
    TTL command is not called), clamped to [0, the TTL that was set]."""
    store = redis_store
    store.add("c1", 1, 1, P)
    monkeypatch.setattr(
        store.client, "ttl", lambda *a: pytest.fail("TTL called despite the stamp")
    )
    now_ms = time.time_ns() // 1_000_000
    store.client.hset("cart:c1", "_e", f"{now_ms + 30_000}:1000")
    assert store.snapshot("c1").ttl in (30, 29)
    store.client.hset("cart:c1", "_e", f"{now_ms + 5_000_000}:1000")  # clock skew
    assert store.snapshot("c1").ttl == 1000
    store.client.hset("cart:c1", "_e", f"{now_ms - 5_000}:1000")
    snap = store.snapshot("c1")
    assert (snap.ttl, snap.exists, snap.lines) == (0, True, (CartLine(1, 1, P),))


def test_redis_snapshot_falls_back_to_ttl_without_a_stamp(redis_store):
    """A hash written before the stamp existed: one TTL command gives the seconds left
    (None when the key has no TTL)."""
    client = redis_store.client
    client.hset("cart:old", mapping={"_": "1", "4": "2:19.99", "_c": "X"})
    client.expire("cart:old", 123)
    snap = redis_store.snapshot("old")
    assert snap.lines == (CartLine(4, 2, P),)
    assert (snap.coupon, snap.exists) == ("X", True)
    assert 122 <= snap.ttl <= 123
    client.persist("cart:old")
    assert redis_store.snapshot("old").ttl is None
    # The next write stamps it.
    redis_store.add("old", 4, 1, P)
    assert _stamp(redis_store, "old")[1] == django_settings.CART_TTL


def test_parsed_prices_keep_their_exact_representation_when_reused():
    """Prices parsed once are reused by later parses, each stored string keeping its own
    exact Decimal (\"1.5\" and \"1.50\" stay distinct representations)."""
    from cart.store import _parse_fields

    pairs = [(b"1", b"1:1.50"), (b"2", b"3:1.5"), (b"3", b"2:0.10:o")]
    for _ in range(2):
        lines, _coupon, _stamp = _parse_fields(pairs)
        assert [str(line.unit_price) for line in lines] == ["1.50", "1.5", "0.10"]
        assert lines == [
            CartLine(1, 1, Decimal("1.50")),
            CartLine(2, 3, Decimal("1.5")),
            CartLine(3, 2, Decimal("0.10"), True),
        ]
        assert all(type(line) is CartLine for line in lines)


carts = st.dictionaries(
    st.integers(1, 30),
    st.tuples(st.integers(1, 50), st.sampled_from(["1.00", "2.50", "19.99"])),
    max_size=15,
)


# Each example starts by destroying both carts, so sharing the store fixture is safe.
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    source=carts,
    target=carts,
    source_coupon=st.sampled_from([None, "SRC"]),
    target_coupon=st.sampled_from([None, "DST"]),
    caps=st.dictionaries(st.integers(1, 30), st.integers(0, 60), max_size=10),
    max_quantity=st.sampled_from([None, 10, 40]),
    max_lines=st.sampled_from([None, 0, 5, 20]),
)
def test_merge_in_redis_equals_the_in_process_store(
    redis_store, source, target, source_coupon, target_coupon, caps, max_quantity,
    max_lines,
):  # fmt: skip
    """Redis's one-script merge (one HMGET of the target, one HSET of every write) and
    the in-process merge agree on the outcome and on the cart left, for any carts,
    caps and limits."""

    def run(store):
        for cart_id in ("m:src", "m:dst"):
            store.destroy(cart_id)
        for cart_id, lines, coupon in (
            ("m:src", source, source_coupon),
            ("m:dst", target, target_coupon),
        ):
            for product_id, (quantity, price) in lines.items():
                store.add(cart_id, product_id, quantity, Decimal(price))
            if coupon and lines:
                store.set_coupon(cart_id, coupon)
        outcome = store.merge(
            "m:src", "m:dst", caps=caps, max_quantity=max_quantity,
            max_lines=max_lines,
        )  # fmt: skip
        left = (
            store.lines("m:dst"),
            store.get_coupon("m:dst"),
            store.count("m:dst"),
            store.exists("m:src"),
        )
        if outcome is not None:
            outcome = (sorted(outcome.lines, key=repr), outcome.coupon_moved)
        return outcome, left

    assert run(redis_store) == run(LocalCartStore())


def test_a_coupon_that_must_find_its_cart_never_creates_one(store):
    """``must_exist``: putting a coupon on a missing cart writes nothing; on a cart that
    exists it is written as usual."""
    assert store.set_coupon("gone", "SAVE", must_exist=True) is False
    assert store.exists("gone") is False

    store.add("c1", 1, 1, P)
    assert store.set_coupon("c1", "SAVE", must_exist=True) is True
    assert store.get_coupon("c1") == "SAVE"


def test_taking_a_coupon_off_never_creates_a_cart(store):
    """A cart destroyed (say by a checkout) just before its coupon is taken off stays
    gone: its token does not become valid again."""
    store.add("c1", 1, 1, P)
    store.set_coupon("c1", "SAVE")
    store.destroy("c1")
    store.set_coupon("c1", None)
    assert store.exists("c1") is False
    store.add("c1", 1, 1, P)
    store.set_coupon("c1", "SAVE")
    store.set_coupon("c1", None)
    assert store.get_coupon("c1") is None and store.exists("c1") is True


def test_take_also_sets_a_key_in_its_round_trip_cart_or_no_cart(store):
    """The catalog's version token, replaced by a checkout's take: written whether or
    not the cart is still there. The local store has no Redis keys: it takes alike and
    writes nothing else."""
    redis = store.client if isinstance(store, RedisCartStore) else None
    if redis is not None:
        redis.delete("test:also")
    store.add("c1", 1, 2, P)

    assert store.take("c1", [(1, 1)], None, also_set=("test:also", "11")) is True
    assert [(line.product_id, line.quantity) for line in store.lines("c1")] == [(1, 1)]
    if redis is not None:
        assert redis.get("test:also") == b"11"
    assert store.take("gone", [(1, 1)], None, also_set=("test:also", "12")) is False
    if redis is not None:
        assert redis.get("test:also") == b"12"
        redis.delete("test:also")
