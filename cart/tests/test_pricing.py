"""cart.pricing.price_lines: the fast path gives exactly what rounding every line gives."""

from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cart.pricing import CartTotals, PricedLine, PricingLine, price_lines
from pricing.discounts import NO_DISCOUNT, DiscountLine, DiscountRule, compute_discount
from shop.money import ZERO, quantize


def reference_price_lines(lines, *, rule=None, tax_rate=ZERO) -> CartTotals:
    """price_lines as first written: every amount through quantize, one step at a time."""
    lines = list(lines)
    line_totals = [quantize(line.unit_price * line.quantity) for line in lines]
    subtotal = quantize(sum(line_totals, ZERO))
    result = NO_DISCOUNT
    if rule is not None:
        result = compute_discount(
            rule,
            [
                DiscountLine(line.product_id, total, line.category_ids)
                for line, total in zip(lines, line_totals, strict=True)
            ],
        )
    tax = quantize((subtotal - result.discount) * Decimal(tax_rate))
    total = quantize(subtotal - result.discount + tax)
    shares = dict(result.shares)
    priced = tuple(
        PricedLine(
            line.product_id,
            quantize(line.unit_price),
            line.quantity,
            line_total,
            shares.get(line.product_id, ZERO),
        )
        for line, line_total in zip(lines, line_totals, strict=True)
    )
    return CartTotals(
        priced, subtotal, result.eligible_subtotal, result.discount, tax, total
    )


def _same(a: CartTotals, b: CartTotals) -> bool:
    """Equal values with equal representations (exponents too: "2.00", not "2")."""
    return repr(a) == repr(b) and a == b


prices = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    st.decimals(
        min_value=Decimal("0"), max_value=Decimal("1000"), places=4
    ),  # sub-cent
    st.decimals(min_value=Decimal("0"), max_value=Decimal("1e17"), places=0),  # huge
    st.sampled_from(
        [Decimal("19.990"), Decimal("0.005"), Decimal("-0"), Decimal("1E+2")]
    ),
)
quantities = st.one_of(st.integers(0, 1000), st.integers(10**8, 10**10))
lines_strategy = st.lists(
    st.builds(
        PricingLine,
        product_id=st.integers(1, 10**6),
        unit_price=prices,
        quantity=quantities,
        category_ids=st.frozensets(st.integers(1, 5), max_size=2),
    ),
    max_size=25,
    unique_by=lambda line: line.product_id,
)
rules = st.builds(
    DiscountRule,
    percent_off=st.decimals(min_value=0, max_value=100, places=2),
    amount_off=st.decimals(min_value=0, max_value=50, places=2),
    category_ids=st.frozensets(st.integers(1, 5), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(
    lines=lines_strategy,
    rule=st.none() | rules,
    tax_rate=st.sampled_from([ZERO, Decimal("0.2"), Decimal("0.0725")]),
)
def test_price_lines_equals_rounding_every_line(lines, rule, tax_rate):
    """Whatever the prices (cents, sub-cent, huge) and quantities, price_lines returns
    exactly the reference's totals and lines, representations included (or, beyond
    Decimal's 28 digits, fails with the same error)."""

    def outcome(fn):
        try:
            return fn(lines, rule=rule, tax_rate=tax_rate)
        except InvalidOperation as error:
            return type(error)

    fast, reference = outcome(price_lines), outcome(reference_price_lines)
    if isinstance(reference, CartTotals):
        assert _same(fast, reference)
    else:
        assert fast is reference


def test_price_lines_rounds_a_sub_cent_price_per_line_not_per_unit():
    """A price with a fraction of a cent is rounded on the line total (3 x 0.005 = 0.02),
    while the line shows the unit price rounded (0.01)."""
    totals = price_lines([PricingLine(1, Decimal("0.005"), 3)])
    assert totals.lines == (PricedLine(1, Decimal("0.01"), 3, Decimal("0.02"), ZERO),)
    assert str(totals.subtotal) == "0.02" and str(totals.total) == "0.02"


def test_price_lines_twenty_lines_with_tax():
    """20 lines of 2 x 19.99 at 20% tax: 799.60 + 159.92 = 959.52, each line 39.98."""
    totals = price_lines(
        [PricingLine(n, Decimal("19.99"), 2) for n in range(1, 21)],
        tax_rate=Decimal("0.2"),
    )
    assert [str(line.line_total) for line in totals.lines] == ["39.98"] * 20
    assert (str(totals.subtotal), str(totals.tax), str(totals.total)) == (
        "799.60", "159.92", "959.52",
    )  # fmt: skip
    assert totals.discount == ZERO and all(
        line.discount == ZERO for line in totals.lines
    )


def test_pricing_lines_are_immutable_values():
    """PricingLine and PricedLine read by name, compare by value and cannot change."""
    line = PricingLine(1, Decimal("2.50"), 3)
    assert line.category_ids == frozenset() and line == PricingLine(
        1, Decimal("2.50"), 3
    )
    with pytest.raises(AttributeError):
        line.quantity = 4
    priced = price_lines([line]).lines[0]
    assert (priced.line_total, priced.discount) == (Decimal("7.50"), ZERO)
    with pytest.raises(AttributeError):
        priced.line_total = Decimal("1.00")


@pytest.mark.parametrize(
    "first, then",
    [
        ("19.990", "19.99"),  # equal values, different exponents: one shared entry
        ("19.99", "19.990"),
        ("0", "-0"),  # equal, but -0 rounds to "-0.00"
        ("-0", "0"),
        ("0.005", "0.0050"),  # sub-cent: rounded per line, whichever came first
        ("1E+2", "100"),
    ],
)
def test_price_lines_gives_the_same_answer_whichever_equal_price_came_first(
    first, then
):
    """Rounded prices are remembered by value; a price priced after an equal one with
    another exponent still gets exactly the reference's lines and totals."""
    for text in (first, then, first):
        lines = [PricingLine(1, Decimal(text), 3), PricingLine(2, Decimal(text), 10**9)]
        assert _same(
            price_lines(lines, tax_rate=Decimal("0.0725")),
            reference_price_lines(lines, tax_rate=Decimal("0.0725")),
        )


def test_price_lines_rejects_a_signalling_nan_like_quantize():
    """Not money: the same error as rounding it (an unhashable price is not remembered)."""
    with pytest.raises(InvalidOperation):
        price_lines([PricingLine(1, Decimal("sNaN"), 1)])


def test_price_lines_refuses_a_float_even_equal_to_a_remembered_price():
    """Money is never a float: 0.5 equals Decimal("0.5") (and hashes alike), yet it is
    refused after that Decimal was priced and remembered."""
    price_lines([PricingLine(1, Decimal("0.5"), 1)])
    with pytest.raises(TypeError):
        price_lines([PricingLine(1, 0.5, 1)])


def test_price_lines_refuses_a_float_tax_rate():
    """0.0725 as a float would tax 2.00 at 0.14, not 0.15: refused like a float price."""
    line = PricingLine(1, Decimal("2.00"), 1)
    assert price_lines([line], tax_rate=Decimal("0.0725")).tax == Decimal("0.15")
    with pytest.raises(TypeError):
        price_lines([line], tax_rate=0.0725)
