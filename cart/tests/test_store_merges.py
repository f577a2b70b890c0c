"""The cart store's writes of other carts' lines, against the real Redis: what an order
took (take), the source of a merge (pop), the merge (merge_in), a read's write-back
(apply_changes)."""

from cart.store import LineChange, MergedLine
from cart.tests.test_store import line, lines, run_at_once

# --- take (what an order took) -------------------------------------------------------------


def test_take_leaves_what_the_order_did_not_take(store):
    """take() subtracts each ordered quantity (a line at 0 goes), drops the coupon the
    order used, and keeps what was added meanwhile, at its price."""
    store.add("c1", line(1, 2))
    store.add("c1", line(2, 1))
    store.add("c1", line(1, 3))  # added while the order (of 2) was being placed
    store.add("c1", line(3, 4, "1.50"))  # a new line meanwhile
    store.set_coupon("c1", "C")

    assert store.take("c1", [(1, 2), (2, 1)], "C") is True

    snapshot = store.read("c1")
    assert snapshot.lines == (line(1, 3), line(3, 4, "1.50"))
    assert snapshot.coupon is None


def test_take_keeps_a_coupon_changed_meanwhile(store):
    """A coupon put on after the order was placed is not the one it used: it stays."""
    store.add("c1", line(1, 1))
    store.add("c1", line(2, 1))
    store.set_coupon("c1", "NEW")
    assert store.take("c1", [(1, 1)], "OLD") is True
    assert store.read("c1").coupon == "NEW"


def test_take_of_everything_forgets_the_cart(store):
    """A cart left without lines is gone, coupon and all (a line taken beyond what it
    holds goes too); taking from a missing cart creates none."""
    store.add("c1", line(1, 2))
    store.add("c1", line(2, 1))
    store.set_coupon("c1", "OTHER")
    assert store.take("c1", [(1, 2), (2, 5)], "C") is False
    assert store.exists("c1") is False
    assert store.take("c1", [(1, 2)], None) is False
    assert store.exists("c1") is False


# --- pop and merge_in ----------------------------------------------------------------------


def test_pop_reads_and_deletes_in_one_step(store):
    """pop() answers the cart and it is gone; a second pop finds nothing."""
    store.add("src", line(1, 2))
    store.set_coupon("src", "C")
    popped = store.pop("src")
    assert (popped.exists, popped.lines, popped.coupon) == (True, (line(1, 2),), "C")
    assert store.exists("src") is False
    assert store.pop("src").exists is False


def test_concurrent_pops_hand_a_cart_out_once(store):
    """Two merges of one cart at once: only one of them gets its lines."""
    store.add("src", line(1, 2))
    results = run_at_once(8, lambda _: store.pop("src").exists)
    assert results.count(True) == 1


def test_merge_in_adds_clamps_and_keeps_the_targets_prices(store):
    """Quantities add; each line is clamped to its cap and to max quantity (a cap of 0,
    or no cap, leaves it out); a line already in the target keeps its price and at
    least its quantity."""
    store.add("src", line(1, 3, "1.00"))
    store.add("src", line(2, 4, "2.00"))
    store.add("src", line(3, 1, "3.00"))
    store.add("src", line(4, 9, "4.00"))
    store.add("src", line(5, 1, "5.00"))
    store.add("src", line(6, 1, "6.00"))
    store.add("dst", line(1, 2, "1.50"))
    store.add("dst", line(6, 7, "6.50"))

    merged, coupon_taken = store.merge_in(
        "dst",
        store.pop("src").lines,
        caps={1: 10, 2: 3, 3: 0, 4: 20, 6: 2},
        coupon=None,
        max_quantity=8,
        max_lines=10,
    )

    assert set(merged) == {
        MergedLine(1, 5, 5),
        MergedLine(2, 4, 3),
        MergedLine(3, 1, 0),
        MergedLine(4, 9, 8),
        MergedLine(5, 1, 0),
        MergedLine(6, 8, 7),
    }
    assert coupon_taken is False
    assert store.read("dst").lines == (
        line(1, 5, "1.50"),
        line(2, 3, "2.00"),
        line(4, 8, "4.00"),
        line(6, 7, "6.50"),
    )


def test_merge_in_takes_a_coupon_only_into_a_cart_without_one(store):
    """The coupon moves into a target without one; a target's own coupon stays."""
    store.add("dst", line(1, 1))
    args = {"caps": {2: 5}, "max_quantity": 10, "max_lines": 10}
    _, taken = store.merge_in("dst", [line(2, 1)], coupon="SRC", **args)
    assert taken is True
    _, taken = store.merge_in("dst", [line(2, 1)], coupon="OTHER", **args)
    assert taken is False
    assert store.read("dst").coupon == "SRC"


def test_merge_in_keeps_the_line_limit(store):
    """New lines beyond max_lines stay out (merged as 0); lines already there still add."""
    store.add("dst", line(1, 1))
    merged, _ = store.merge_in(
        "dst",
        [line(1, 1), line(2, 1), line(3, 1)],
        caps={1: 5, 2: 5, 3: 5},
        coupon=None,
        max_quantity=10,
        max_lines=2,
    )
    assert set(merged) == {
        MergedLine(1, 2, 2),
        MergedLine(2, 1, 1),
        MergedLine(3, 1, 0),
    }
    assert lines(store, "dst") == {1: 2, 2: 1}


def test_merge_in_creates_a_missing_target(store):
    """Merging into a cart that does not exist yet creates it with the lines."""
    store.merge_in(
        "dst", [line(1, 2)], caps={1: 5}, coupon=None, max_quantity=10, max_lines=10
    )
    assert store.read("dst").lines == (line(1, 2),)


# --- apply_changes (a read's write-back) ---------------------------------------------------


def test_apply_changes_is_compare_and_set(store):
    """A change applies only where the line (or the coupon) still holds what was read:
    a write in between wins; a missing cart is not created."""
    store.add("c1", line(1, 5))
    store.add("c1", line(2, 1))
    store.set_coupon("c1", "OLD")
    read = store.read("c1")
    store.add("c1", line(2, 1))  # a concurrent write after the read

    applied = store.apply_changes(
        "c1",
        [
            LineChange(read.lines[0], line(1, 3, "9.99", True)),
            LineChange(read.lines[1], None),  # stale: must not remove the new quantity
        ],
        coupon=("OLD", None),
    )

    assert applied == 2
    snapshot = store.read("c1")
    assert snapshot.lines == (line(1, 3, "9.99", True), line(2, 2))
    assert snapshot.coupon is None
    assert store.apply_changes("gone", [LineChange(read.lines[0], None)]) == 0
    assert store.exists("gone") is False
    assert store.apply_changes("c1", [], coupon=("NOT-THERE", None)) == 0
