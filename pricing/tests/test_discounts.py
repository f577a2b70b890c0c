"""The discount maths: invariants over random carts and coupons, and worked examples.

Pure functions, no database: ``pricing.discounts`` (the rule, ``compute_discount`` and
``allocate``) and ``pricing.totals.price_lines`` that calls them.
"""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.discounts import DiscountRule, allocate, compute_discount
from pricing.lines import PricedLine, PricingLine
from pricing.totals import price_lines

D = Decimal
CENT = D("0.01")

# --- strategies -------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
percents = st.decimals(min_value=D("0"), max_value=D("100"), places=2)
amounts = st.decimals(min_value=D("0"), max_value=D("5000"), places=2)
tax_rates = st.decimals(min_value=D("0"), max_value=D("0.3"), places=4)
CATEGORY_IDS = st.frozensets(st.integers(1, 6), max_size=3)


@st.composite
def carts(draw) -> list[PricingLine]:
    """Lines of distinct variants; several may be variants of one product (a tee in M
    and in L), which share its categories."""
    product_ids = draw(st.lists(st.integers(1, 40), min_size=0, max_size=12))
    categories = {pid: draw(CATEGORY_IDS) for pid in set(product_ids)}
    return [
        PricingLine(
            product_id=pid,
            unit_price=draw(prices),
            quantity=draw(st.integers(1, 50)),
            category_ids=categories[pid],
            variant_id=variant_id,
        )
        for variant_id, pid in enumerate(product_ids, start=1)
    ]


@st.composite
def rules(draw) -> DiscountRule:
    return DiscountRule(
        percent_off=draw(percents),
        amount_off=draw(amounts),
        max_discount=draw(st.none() | amounts),
        product_ids=draw(st.frozensets(st.integers(1, 40), max_size=6)),
        category_ids=draw(st.frozensets(st.integers(1, 6), max_size=2)),
    )


def has_two_places(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


# --- invariants -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(lines=carts(), rule=st.none() | rules(), tax_rate=tax_rates)
def test_totals_hold_their_invariants_for_any_cart_and_coupon(lines, rule, tax_rate):
    """0 <= discount <= eligible <= subtotal; total = subtotal - discount + tax; every
    amount in cents; each line's share between 0 and its total, the shares adding up to
    the discount exactly."""
    totals = price_lines(lines, rule=rule, tax_rate=tax_rate)
    assert D("0") <= totals.discount <= totals.eligible_subtotal <= totals.subtotal
    assert totals.total == totals.subtotal - totals.discount + totals.tax
    assert totals.tax >= 0
    for amount in (totals.subtotal, totals.eligible_subtotal, totals.discount, totals.tax,
                   totals.total):  # fmt: skip
        assert has_two_places(amount), amount
    for line in totals.lines:
        assert has_two_places(line.line_total) and has_two_places(line.discount)
        assert D("0") <= line.discount <= line.line_total
    assert sum((line.discount for line in totals.lines), D("0")) == totals.discount
    assert totals.subtotal == sum((line.line_total for line in totals.lines), D("0"))


@settings(max_examples=300, deadline=None)
@given(lines=carts(), rule=rules())
def test_discount_follows_the_rule_of_api_md(lines, rule):
    """Discount = percent of eligible + amount, capped at max_discount and the eligible."""
    totals = price_lines(lines, rule=rule)
    eligible = totals.eligible_subtotal
    raw = (eligible * rule.percent_off / 100).quantize(
        CENT, "ROUND_HALF_UP"
    ) + rule.amount_off
    expected = min(raw, eligible)
    if rule.max_discount is not None:
        expected = min(expected, rule.max_discount)
    if eligible == 0:
        expected = D("0.00")
    assert totals.discount == expected


@settings(max_examples=200, deadline=None)
@given(lines=carts(), rule=rules())
def test_only_lines_in_scope_get_a_share(lines, rule):
    """Lines outside the coupon's scope keep their full price (share 0)."""
    totals = price_lines(lines, rule=rule)
    for line, priced in zip(lines, totals.lines, strict=True):
        in_scope = not rule.has_scope or (
            line.product_id in rule.product_ids
            or bool(line.category_ids & rule.category_ids)
        )
        if not in_scope:
            assert priced.discount == 0
    eligible = sum(
        (p.line_total for line, p in zip(lines, totals.lines, strict=True)
         if not rule.has_scope or line.product_id in rule.product_ids
         or line.category_ids & rule.category_ids),
        D("0"),
    )  # fmt: skip
    assert totals.eligible_subtotal == eligible


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(
        st.decimals(min_value=D("0.01"), max_value=D("999.99"), places=2),
        min_size=1,
        max_size=9,
    ),
    data=st.data(),
)
def test_shares_add_up_and_follow_line_sizes(weights, data):
    """allocate: the shares add up to the amount exactly, each is whole cents, none
    passes its line or differs from its exact proportion by a cent or more, and a
    bigger line never gets a smaller share."""
    total = sum(weights, D("0"))
    amount = data.draw(st.decimals(min_value=D("0"), max_value=total, places=2))
    shares = allocate(amount, weights)
    assert len(shares) == len(weights)
    assert sum(shares, D("0")) == amount
    for share, weight in zip(shares, weights, strict=True):
        assert has_two_places(share)
        assert D("0") <= share <= weight
        assert abs(share - amount * weight / total) < CENT
    for a, share_a in zip(weights, shares, strict=True):
        for b, share_b in zip(weights, shares, strict=True):
            if a > b:
                assert share_a >= share_b - CENT


@settings(max_examples=200, deadline=None)
@given(lines=carts(), rule=rules())
def test_compute_discount_shares_in_the_lines_order(lines, rule):
    """compute_discount: one share per line in the lines' order, 0.00 out of scope,
    adding up to the discount, never above a line's total."""
    priced = price_lines(lines).lines
    discount = compute_discount(rule, lines, priced)
    assert len(discount.shares) == len(lines)
    assert sum(discount.shares, D("0")) == discount.amount
    for line, done, share in zip(lines, priced, discount.shares, strict=True):
        assert D("0") <= share <= done.line_total
        if not rule.applies_to(line):
            assert share == D("0.00")


def test_no_rule_gives_no_discount_and_a_zero_share_per_line():
    """compute_discount(None, ...): nothing off, one 0.00 share per line."""
    lines = [line(1), line(2, price="5.00")]
    discount = compute_discount(None, lines, price_lines(lines).lines)
    assert (discount.amount, discount.eligible_subtotal) == (D("0.00"), D("0.00"))
    assert discount.shares == (D("0.00"), D("0.00"))


def test_lines_and_their_totals_must_pair_up():
    """compute_discount refuses lines and totals of different lengths (zip strict)."""
    lines = [line(1), line(2)]
    with pytest.raises(ValueError):
        compute_discount(
            DiscountRule(percent_off=D("10")),
            lines,
            [PricedLine(1, D("19.99"), 1, D("19.99"))],
        )


def test_allocate_of_nothing_or_over_nothing_is_zeros():
    """No weights: no shares; an amount of 0 or weights of 0: every share 0.00."""
    assert allocate(D("5.00"), []) == ()
    assert allocate(D("0.00"), [D("1.00"), D("2.00")]) == (D("0.00"), D("0.00"))
    assert allocate(D("1.00"), [D("0.00"), D("0.00")]) == (D("0.00"), D("0.00"))


def test_allocate_is_exact_beyond_decimal_precision():
    """Weights and an amount with more than 28 digits between them still split into
    cents that add up (integer arithmetic, not a rounded Decimal quotient)."""
    weights = [D("9999999999999.99"), D("0.01"), D("3333333333333.33")]
    amount = D("7777777777777.77")
    shares = allocate(amount, weights)
    assert sum(shares, D("0")) == amount
    assert all(D("0") <= s <= w for s, w in zip(shares, weights, strict=True))


# --- worked examples a shopkeeper can check by hand ---------------------------------------


def line(product_id=1, price="19.99", quantity=1, categories=()) -> PricingLine:
    return PricingLine(
        product_id=product_id,
        unit_price=D(price),
        quantity=quantity,
        category_ids=frozenset(categories),
    )


def test_25_percent_off_19_99_is_5_00_off():
    """25% of 19.99 is 4.9975, rounded half-up to 5.00; the total is 14.99."""
    totals = price_lines([line(price="19.99")], rule=DiscountRule(percent_off=D("25")))
    assert (totals.subtotal, totals.discount, totals.total) == (
        D("19.99"),
        D("5.00"),
        D("14.99"),
    )


def test_20_percent_capped_at_5_on_100_is_5():
    """20% of 100.00 would be 20.00; the cap of 5.00 wins."""
    rule = DiscountRule(percent_off=D("20"), max_discount=D("5.00"))
    totals = price_lines([line(price="50.00", quantity=2)], rule=rule)
    assert totals.subtotal == D("100.00")
    assert totals.discount == D("5.00")
    assert totals.total == D("95.00")


def test_10_off_a_7_50_eligible_subtotal_is_7_50():
    """A fixed 10.00 off cannot take more than the 7.50 the coupon covers."""
    rule = DiscountRule(amount_off=D("10.00"), product_ids=frozenset({1}))
    totals = price_lines(
        [line(1, price="2.50", quantity=3), line(2, price="20.00")], rule=rule
    )
    assert totals.eligible_subtotal == D("7.50")
    assert totals.discount == D("7.50")
    assert totals.subtotal == D("27.50")
    assert totals.total == D("20.00")


def test_category_coupon_leaves_other_lines_at_full_price():
    """15% off Kitchen (id 3): the kitchen line gets it all, the garden line none."""
    rule = DiscountRule(percent_off=D("15"), category_ids=frozenset({3}))
    kitchen = line(1, price="40.00", categories={3, 1})  # Kitchen under Home
    garden = line(2, price="25.00", categories={4, 1})  # Garden under Home
    totals = price_lines([kitchen, garden], rule=rule)
    assert totals.discount == D("6.00")
    assert [(p.product_id, p.discount) for p in totals.lines] == [
        (1, D("6.00")),
        (2, D("0.00")),
    ]
    assert totals.total == D("59.00")


def test_parent_category_coupon_covers_sub_categories():
    """A coupon on Home (id 1) covers a knife in Home > Kitchen > Knives."""
    rule = DiscountRule(percent_off=D("10"), category_ids=frozenset({1}))
    knife = line(1, price="30.00", categories={7, 3, 1})
    assert price_lines([knife], rule=rule).discount == D("3.00")


def test_tax_8_5_percent_on_29_99_is_2_55():
    """With SHOP_TAX_RATE 0.085 and no coupon: tax 2.549 -> 2.55, total 32.54."""
    totals = price_lines([line(price="29.99")], rule=None, tax_rate=D("0.085"))
    assert (totals.subtotal, totals.discount, totals.tax, totals.total) == (
        D("29.99"),
        D("0.00"),
        D("2.55"),
        D("32.54"),
    )


def test_tax_is_on_the_discounted_subtotal():
    """10% off 100.00 then 8.5% tax on 90.00: tax 7.65, total 97.65."""
    totals = price_lines(
        [line(price="100.00")],
        rule=DiscountRule(percent_off=D("10")),
        tax_rate=D("0.085"),
    )
    assert (totals.discount, totals.tax, totals.total) == (
        D("10.00"),
        D("7.65"),
        D("97.65"),
    )


def test_old_flat20_maps_to_percent_cap_and_flat_off_on_its_products():
    """The old flat20 (20% off plastic goods, upto 8.00, flatoff 2.00) in our terms.

    Plastic bucket 12.00 x2 and plastic bowl 6.00 are in scope (30.00), the steel pan is
    not. 20% of 30.00 = 6.00, plus 2.00 flat = 8.00, within the 8.00 cap: 8.00 off,
    shared 6.40 / 1.60 over the two plastic lines in proportion to their totals.
    """
    flat20 = DiscountRule(
        percent_off=D("20"),
        amount_off=D("2.00"),
        max_discount=D("8.00"),
        product_ids=frozenset({1, 2}),
    )
    lines = [
        line(1, price="12.00", quantity=2),
        line(2, price="6.00"),
        line(3, price="45.00"),
    ]
    totals = price_lines(lines, rule=flat20)
    assert totals.eligible_subtotal == D("30.00")
    assert totals.discount == D("8.00")
    assert [p.discount for p in totals.lines] == [D("6.40"), D("1.60"), D("0.00")]
    assert totals.subtotal == D("75.00")
    assert totals.total == D("67.00")


def test_old_flat20_cap_and_flat_off_never_go_below_zero():
    """Where the old flat-off pushed a 1.50 item below zero, ours stops at its price."""
    flat20 = DiscountRule(
        percent_off=D("20"), amount_off=D("2.00"), max_discount=D("8.00"),
        product_ids=frozenset({1}),
    )  # fmt: skip
    totals = price_lines([line(1, price="1.50")], rule=flat20)
    assert totals.discount == D("1.50")
    assert totals.total == D("0.00")


def test_old_flat20_cap_limits_the_discount_not_the_price():
    """On 100.00 of plastic: 20% + 2.00 = 22.00, capped at 8.00 off (the old code capped the
    price instead)."""
    flat20 = DiscountRule(
        percent_off=D("20"), amount_off=D("2.00"), max_discount=D("8.00"),
        product_ids=frozenset({1}),
    )  # fmt: skip
    totals = price_lines([line(1, price="100.00")], rule=flat20)
    assert totals.discount == D("8.00")
    assert totals.total == D("92.00")


def test_shares_of_one_cent_over_three_equal_lines_add_up():
    """1.00 off three lines of 1.00: 0.34 + 0.33 + 0.33, the odd cent to the first."""
    lines = [line(i, price="1.00") for i in (1, 2, 3)]
    totals = price_lines(lines, rule=DiscountRule(amount_off=D("1.00")))
    assert [p.discount for p in totals.lines] == [D("0.34"), D("0.33"), D("0.33")]


def test_no_coupon_or_empty_cart_gives_no_discount():
    """No rule, or no lines: every amount is 0.00 where it should be."""
    assert price_lines([line()], rule=None).discount == D("0.00")
    empty = price_lines([], rule=DiscountRule(percent_off=D("50")))
    assert (empty.subtotal, empty.discount, empty.tax, empty.total) == (D("0.00"),) * 4


def test_a_product_coupon_shares_its_discount_among_the_products_variants():
    """Two variants of one product in the scope (10.00 M, 30.00 L) and one other line:
    the discount is split between the variants by their totals; each line keeps its
    variant."""
    rule = DiscountRule(amount_off=D("8.00"), product_ids=frozenset({1}))
    lines = [
        PricingLine(product_id=1, unit_price=D("10.00"), quantity=1, variant_id=11),
        PricingLine(product_id=1, unit_price=D("30.00"), quantity=1, variant_id=12),
        PricingLine(product_id=2, unit_price=D("5.00"), quantity=1, variant_id=20),
    ]
    totals = price_lines(lines, rule=rule)
    assert totals.discount == D("8.00")
    assert [(p.variant_id, p.product_id, p.discount) for p in totals.lines] == [
        (11, 1, D("2.00")),
        (12, 1, D("6.00")),
        (20, 2, D("0.00")),
    ]
    assert totals.total == D("37.00")
