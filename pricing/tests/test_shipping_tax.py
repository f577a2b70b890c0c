"""Shipping and tax in the one pricing function: tax on the discounted subtotal plus
shipping, rounded once; tax-inclusive prices; every line's share adding up to the total."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.discounts import DiscountRule
from pricing.lines import PricingLine
from pricing.totals import price_lines
from shop.money import ZERO

D = Decimal


def line(pid, price, quantity, categories=frozenset()):
    return PricingLine(pid, D(price), quantity, categories, variant_id=pid)


def test_tax_is_on_the_discounted_subtotal_plus_shipping_rounded_once():
    """subtotal 30.00, 10% off → 27.00, shipping 4.95: tax 8.25% of 31.95 = 2.635875 →
    2.64; total 27.00 + 4.95 + 2.64 = 34.59."""
    totals = price_lines(
        [line(1, "10.00", 3)],
        rule=DiscountRule(percent_off=D("10")),
        shipping=D("4.95"),
        tax_rate=D("0.0825"),
    )
    assert (totals.subtotal, totals.discount, totals.shipping) == (
        D("30.00"),
        D("3.00"),
        D("4.95"),
    )
    assert totals.tax == D("2.64")
    assert totals.total == D("34.59")


def test_tax_rounds_half_up():
    """A tax of exactly half a cent rounds up: 0.10 at 5% is 0.005 → 0.01."""
    assert price_lines([line(1, "0.10", 1)], tax_rate=D("0.05")).tax == D("0.01")


def test_prices_that_include_tax_show_the_tax_inside_the_total():
    """Prices with 20% inside: 100.00 + shipping 20.00 is the total, and its tax part is
    120.00 × 0.2 / 1.2 = 20.00; nothing is added."""
    totals = price_lines(
        [line(1, "100.00", 1)],
        shipping=D("20.00"),
        tax_rate=D("0.2"),
        prices_include_tax=True,
    )
    assert totals.total == D("120.00")
    assert totals.tax == D("20.00")
    assert all(p.tax == ZERO for p in totals.lines) and totals.shipping_tax == ZERO
    assert sum(p.paid for p in totals.lines) + totals.shipping_paid == totals.total


def test_a_float_shipping_price_is_refused():
    """Money is never a float."""
    with pytest.raises(TypeError):
        price_lines([line(1, "1.00", 1)], shipping=4.95)


amounts = st.decimals(min_value=D("0.01"), max_value=D("999.99"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    prices=st.lists(st.tuples(amounts, st.integers(1, 20)), min_size=1, max_size=12),
    percent=st.decimals(min_value=0, max_value=100, places=2),
    amount_off=st.decimals(min_value=0, max_value=50, places=2),
    shipping=st.decimals(min_value=0, max_value=99, places=2),
    rate=st.sampled_from([ZERO, D("0.05"), D("0.0725"), D("0.0825"), D("0.2")]),
    inclusive=st.booleans(),
)
def test_what_each_line_and_the_shipping_cost_adds_up_to_the_total(
    prices, percent, amount_off, shipping, rate, inclusive
):
    """Each line's paid amount (total − discount share + tax share) and the shipping's
    (shipping + its tax share) add up to the total exactly, to the cent, and no share is
    negative: refunding every line and the shipping refunds the total."""
    lines = [line(i + 1, str(price), qty) for i, (price, qty) in enumerate(prices)]
    totals = price_lines(
        lines,
        rule=DiscountRule(percent_off=percent, amount_off=amount_off),
        shipping=shipping,
        tax_rate=rate,
        prices_include_tax=inclusive,
    )
    paid = sum((p.paid for p in totals.lines), ZERO) + totals.shipping_paid
    assert paid == totals.total
    assert all(p.tax >= 0 and p.discount >= 0 and p.paid >= 0 for p in totals.lines)
    assert sum((p.tax for p in totals.lines), ZERO) + totals.shipping_tax == (
        ZERO if inclusive else totals.tax
    )


# --- what a method charges ---------------------------------------------------------------

from pricing.shipping import Band, ShippingRule, shipping_price  # noqa: E402

WEIGHT_BANDS = ShippingRule(
    "weight",
    bands=(Band(1000, D("4.00")), Band(5000, D("9.00"))),
    free_over=D("100.00"),
)


@pytest.mark.parametrize(
    ("grams", "goods", "price"),
    [
        (0, D("10.00"), D("4.00")),
        (1000, D("10.00"), D("4.00")),  # exactly at up_to: that band
        (1001, D("10.00"), D("9.00")),  # one gram over: the next
        (5000, D("10.00"), D("9.00")),
        (5001, D("10.00"), None),  # no band fits: not served
        (5001, D("100.00"), ZERO),  # exactly at free_over: free, whatever the bands
        (1, D("99.99"), D("4.00")),
    ],
)
def test_weight_bands_and_free_over(grams, goods, price):
    """The first band at or above the weight; nothing above the last band; free from
    free_over on."""
    assert shipping_price(WEIGHT_BANDS, weight_grams=grams, goods=goods) == price


def test_price_bands_are_on_the_subtotal_less_the_discount():
    """A price band's up_to is money: 50.00 exactly is the first band, 50.01 the next."""
    rule = ShippingRule(
        "price", bands=(Band(D("50.00"), D("6.00")), Band(D("200"), D("3")))
    )
    assert shipping_price(rule, weight_grams=0, goods=D("50.00")) == D("6.00")
    assert shipping_price(rule, weight_grams=0, goods=D("50.01")) == D("3.00")
    assert shipping_price(rule, weight_grams=0, goods=D("200.01")) is None


def test_a_flat_method_charges_its_price():
    """Flat: the price, whatever the weight; free over its threshold."""
    rule = ShippingRule("flat", price=D("5"), free_over=D("60.00"))
    assert shipping_price(rule, weight_grams=99999, goods=D("10")) == D("5.00")
    assert shipping_price(rule, weight_grams=1, goods=D("60.00")) == ZERO
