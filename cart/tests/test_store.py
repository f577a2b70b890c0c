"""The cart store (RedisCartStore) against the real Redis, through its public methods:
what each write does, the limits it keeps atomically, the lifetime, the revision."""

import threading
import time
from decimal import Decimal

import pytest
from redis import Redis
from redis.crc import key_slot

from cart.store import (
    CartLine,
    CartMissing,
    LineChange,
    LineCountLimit,
    LineQuantityLimit,
    MergedLine,
    RedisCartStore,
    get_store,
)

P = Decimal("19.99")


def line(variant_id, quantity, price=P, noted=False):
    return CartLine(variant_id, quantity, Decimal(price), noted)


def lines(store, cart_id):
    return {item.variant_id: item.quantity for item in store.read(cart_id).lines}


def run_at_once(count, work):
    """``work(i)`` in ``count`` threads released together; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- add -----------------------------------------------------------------------------------


def test_add_creates_then_increments_and_keeps_the_first_price(store):
    """The first add creates the cart and the line at its price; a second add adds the
    quantity and keeps the price seen first."""
    assert store.exists("c1") is False
    quantity, _ = store.add("c1", line(7, 2))
    assert quantity == 2
    quantity, _ = store.add("c1", line(7, 3, "25.00"))
    assert quantity == 5
    assert store.read("c1").lines == (line(7, 5, P),)
    assert store.exists("c1") is True


def test_add_answers_the_cart_as_a_read_after_it_finds_it(store):
    """The add's snapshot is the cart after the write: equal to a read made next."""
    store.add("c1", line(3, 1))
    store.set_coupon("c1", "SAVE")
    _, snapshot = store.add("c1", line(7, 2, "1.50"))
    assert snapshot == store.read("c1")
    assert snapshot.lines == (line(3, 1), line(7, 2, "1.50"))
    assert snapshot.coupon == "SAVE"
    assert snapshot.exists is True


def test_a_new_lines_price_is_stored_as_money(store):
    """A price is kept rounded to the cent, as the shop's money is (1.5 -> 1.50)."""
    store.add("c1", line(8, 1, "1.5"))
    [stored] = store.read("c1").lines
    assert str(stored.unit_price) == "1.50"


def test_add_over_the_quantity_cap_changes_nothing(store):
    """Passing max_quantity is refused with what the line holds; nothing is written."""
    store.add("c1", line(7, 4), max_quantity=5)
    before = store.read("c1")
    with pytest.raises(LineQuantityLimit) as exc:
        store.add("c1", line(7, 2), max_quantity=5)
    assert exc.value.current == 4
    assert store.read("c1") == before
    with pytest.raises(LineQuantityLimit) as exc:
        store.add("c2", line(7, 6), max_quantity=5)
    assert exc.value.current == 0
    assert store.exists("c2") is False


def test_add_over_the_line_limit_changes_nothing(store):
    """A new line beyond max_lines is refused (the coupon is not a line); adding to a
    line already there still works."""
    store.add("c1", line(1, 1), max_lines=2)
    store.add("c1", line(2, 1), max_lines=2)
    store.set_coupon("c1", "SAVE")
    with pytest.raises(LineCountLimit) as exc:
        store.add("c1", line(3, 1), max_lines=2)
    assert exc.value.count == 2
    quantity, _ = store.add("c1", line(2, 1), max_lines=2)
    assert quantity == 2
    assert lines(store, "c1") == {1: 1, 2: 2}


def test_add_to_a_cart_that_must_exist(store):
    """must_exist: a missing cart is refused and not created; an existing one is added
    to as always."""
    with pytest.raises(CartMissing):
        store.add("gone", line(7, 1), must_exist=True)
    assert store.exists("gone") is False
    store.touch("c1")
    quantity, _ = store.add("c1", line(7, 1), must_exist=True)
    assert quantity == 1


def test_concurrent_adds_lose_no_unit(store):
    """Threads adding to one line at once: every unit is counted."""
    threads, per_thread = 12, 25

    def work(_):
        for _ in range(per_thread):
            store.add("c1", line(7, 1))

    run_at_once(threads, work)
    assert lines(store, "c1") == {7: threads * per_thread}


def test_concurrent_adds_never_pass_the_quantity_cap(store):
    """Threads racing for the last units of a variant: exactly the cap is handed out."""

    def work(_):
        try:
            return store.add("c1", line(7, 1), max_quantity=5)[0]
        except LineQuantityLimit:
            return None

    results = run_at_once(20, work)
    assert sorted(r for r in results if r is not None) == [1, 2, 3, 4, 5]
    assert lines(store, "c1") == {7: 5}


def test_concurrent_adds_never_pass_the_line_limit(store):
    """Threads adding different variants at once: the cart never holds more lines than
    max_lines."""

    def work(i):
        try:
            store.add("c1", line(100 + i, 1), max_lines=5)
            return True
        except LineCountLimit:
            return False

    results = run_at_once(20, work)
    assert results.count(True) == 5
    assert len(store.read("c1").lines) == 5


# --- set, remove, coupon, destroy ----------------------------------------------------------


def test_set_replaces_the_quantity_and_keeps_the_price(store):
    """set() puts the quantity (not adds it); a line already there keeps its price, a
    new one takes the one given."""
    store.add("c1", line(7, 2))
    assert store.set("c1", line(7, 9, "1.00")) == 9
    assert store.set("c1", line(8, 1, "1.50")) == 1
    assert store.read("c1").lines == (line(7, 9, P), line(8, 1, "1.50"))


def test_set_keeps_the_line_limit_and_must_exist(store):
    """set() of a new line beyond max_lines is refused; with must_exist a missing cart
    is refused and not created."""
    store.set("c1", line(1, 1), max_lines=1)
    with pytest.raises(LineCountLimit):
        store.set("c1", line(2, 1), max_lines=1)
    assert store.set("c1", line(1, 3), max_lines=1) == 3
    with pytest.raises(CartMissing):
        store.set("gone", line(1, 2), must_exist=True)
    assert store.exists("gone") is False


def test_remove_says_whether_the_line_was_there(store):
    """remove() is True once, then False; an emptied cart still exists, and removing
    from a missing cart creates none."""
    store.add("c1", line(7, 1))
    assert store.remove("c1", 7) is True
    assert store.remove("c1", 7) is False
    assert store.read("c1").exists is True
    assert store.remove("missing", 7) is False
    assert store.exists("missing") is False


def test_a_coupon_goes_on_and_comes_off(store):
    """set_coupon() puts a code on the cart, None takes it off; the lines stay."""
    store.add("c1", line(1, 1))
    assert store.set_coupon("c1", "SAVE10") is True
    assert store.read("c1").coupon == "SAVE10"
    assert store.set_coupon("c1", None) is True
    assert store.read("c1").coupon is None
    assert lines(store, "c1") == {1: 1}


def test_a_coupon_never_creates_a_cart_when_taken_off_or_when_it_must_exist(store):
    """Taking a coupon off a missing cart (one a checkout just destroyed) writes
    nothing; putting one on with must_exist writes nothing either."""
    store.add("c1", line(1, 1))
    store.set_coupon("c1", "SAVE")
    store.destroy("c1")
    assert store.set_coupon("c1", None) is False
    assert store.exists("c1") is False
    assert store.set_coupon("c1", "SAVE", must_exist=True) is False
    assert store.exists("c1") is False
    store.touch("c1")
    assert store.set_coupon("c1", "SAVE", must_exist=True) is True
    assert store.read("c1").coupon == "SAVE"


def test_touch_creates_an_empty_cart_and_destroy_forgets_it(store):
    """touch() makes an empty cart that exists; destroy() makes it not exist."""
    store.touch("c1")
    snapshot = store.read("c1")
    assert (snapshot.exists, snapshot.lines, snapshot.coupon) == (True, (), None)
    store.destroy("c1")
    assert store.exists("c1") is False
    missing = store.read("c1")
    assert (missing.exists, missing.lines, missing.coupon, missing.ttl) == (
        False,
        (),
        None,
        0,
    )


def test_a_read_has_every_line_sorted_with_its_flag_and_the_coupon(store):
    """Lines come sorted by variant id (as numbers), each with its quantity, exact price
    and out-of-stock flag; the coupon and the cart's own fields are not lines."""
    for variant_id in (12, 3, 100, 7):
        store.add("c1", line(variant_id, variant_id, Decimal("0.10") * variant_id))
    store.apply_changes("c1", [LineChange(line(7, 7, "0.70"), line(7, 2, P, True))])
    store.set_coupon("c1", "SAVE10")
    snapshot = store.read("c1")
    assert snapshot.lines == (
        line(3, 3, "0.30"),
        line(7, 2, P, True),
        line(12, 12, "1.20"),
        line(100, 100, "10.00"),
    )
    assert snapshot.coupon == "SAVE10"


# --- lifetime and revision -----------------------------------------------------------------

WRITES = {
    "touch": lambda s: s.touch("c1"),
    "add": lambda s: s.add("c1", line(9, 1)),
    "set": lambda s: s.set("c1", line(1, 4)),
    "remove": lambda s: s.remove("c1", 2),
    "coupon on": lambda s: s.set_coupon("c1", "NEW"),
    "coupon off": lambda s: s.set_coupon("c1", None),
    "take": lambda s: s.take("c1", [(1, 1)], None),
    "merge_in": lambda s: s.merge_in(
        "c1", [line(5, 1)], caps={5: 1}, coupon=None, max_quantity=9, max_lines=9
    ),
    "apply_changes": lambda s: s.apply_changes(
        "c1", [LineChange(line(1, 2), line(1, 1))]
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_renews_the_lifetime_and_the_revision(store, settings, write):
    """Each write sets the cart's TTL back to CART_TTL (a sliding lifetime) and stores a
    new revision (what a checkout records)."""
    settings.CART_TTL = 100
    store.add("c1", line(1, 2))
    store.add("c1", line(2, 1))
    store.set_coupon("c1", "OLD")
    before = store.read("c1")
    assert 90 <= before.ttl <= 100 and before.revision
    settings.CART_TTL = 1000

    write(store)

    after = store.read("c1")
    assert after.exists is True
    assert 990 <= after.ttl <= 1000
    assert after.revision and after.revision != before.revision


def test_a_write_that_changes_nothing_keeps_the_revision(store):
    """Removing a line that is not there, or a compare-and-set that finds its line
    changed, writes nothing: the revision stays."""
    store.add("c1", line(1, 2))
    revision = store.read("c1").revision
    store.remove("c1", 99)
    store.apply_changes("c1", [LineChange(line(1, 5), None)])
    assert store.read("c1").revision == revision


def test_revisions_differ_between_carts_with_equal_contents(store):
    """Two carts holding the same lines still have their own revisions."""
    store.add("c1", line(1, 1))
    store.add("c2", line(1, 1))
    assert store.read("c1").revision != store.read("c2").revision


def test_a_cart_expires_after_its_lifetime(store, settings):
    """A cart not written for CART_TTL seconds is gone."""
    settings.CART_TTL = 1
    store.add("c1", line(1, 1))
    time.sleep(1.3)
    assert store.exists("c1") is False
    assert store.read("c1").lines == ()


# --- Redis itself --------------------------------------------------------------------------


@pytest.fixture
def store_of_its_own(settings, tmp_path):
    """The store on a redis-server of the test's own (the embedded one of the
    development default): SCRIPT FLUSH empties the whole server's script cache, and
    would take the scripts away from tests running beside this one on the shared
    Redis (pytest-xdist's other worker)."""
    from shop.embedded import embedded_redis_url

    settings.CART_REDIS_URL = embedded_redis_url(tmp_path / "redis.db")
    return get_store()


def test_the_scripts_survive_a_script_flush(store_of_its_own):
    """Redis losing its scripts (a restart, SCRIPT FLUSH): every operation still works,
    the scripts are loaded again."""
    store = store_of_its_own
    store.add("c1", line(1, 2))
    store.client.script_flush()
    assert store.add("c1", line(1, 1))[0] == 3
    store.client.script_flush()
    assert store.read("c1").lines == (line(1, 3),)
    store.client.script_flush()
    merged, _ = store.merge_in(
        "c2",
        store.pop("c1").lines,
        caps={1: 9},
        coupon=None,
        max_quantity=9,
        max_lines=9,
    )
    assert merged == (MergedLine(1, 3, 3),)
    assert store.ping() is True


def test_a_carts_key_carries_a_hash_tag(store):
    """A cart is one key, ``cart:{<cart id>}``: its slot on a cluster is its id's."""
    store.add("user:42", line(1, 1))
    store.set_coupon("user:42", "C")
    assert list(store.client.scan_iter(match="cart:*")) == [b"cart:{user:42}"]
    assert key_slot(b"cart:{user:42}") == key_slot(b"user:42")


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_the_store_reads_alike_on_any_client(store, settings, protocol, decode):
    """A client on RESP2 or RESP3, decoding its replies or not (CART_REDIS_URL may ask
    for either): the same carts, read and written alike."""
    client = Redis.from_url(
        settings.CART_REDIS_URL, protocol=protocol, decode_responses=decode
    )
    other = RedisCartStore(client)
    store.add("c1", line(9, 2, "1.50"))
    store.add("c1", line(4, 1))
    store.set_coupon("c1", "X")

    assert other.read("c1") == store.read("c1")
    quantity, snapshot = other.add("c1", line(4, 1))
    assert (quantity, snapshot) == (2, store.read("c1"))
    assert other.pop("c1").lines == (line(4, 2), line(9, 2, "1.50"))
    client.close()
