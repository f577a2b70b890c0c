"""pricing.totals.price_lines: line totals, subtotal, discount, tax and total.

Pure functions on plain values: no database, no settings. Rounding is half-up to the
cent (shop.money.quantize), once per line and once per total.
"""

import ast
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.discounts import DiscountRule
from pricing.lines import PricedLine, PricingLine
from pricing.totals import Totals, price_lines
from shop.money import ZERO

D = Decimal
CENT = D("0.01")
PRICING = Path(__file__).resolve().parents[1]


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def has_two_places(value) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


prices = st.one_of(
    st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
    st.decimals(min_value=D("0"), max_value=D("1000"), places=4),  # sub-cent
    st.decimals(min_value=D("0"), max_value=D("1e17"), places=0),  # huge
    st.sampled_from([D("19.990"), D("0.005"), D("-0"), D("1E+2")]),
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
    max_discount=st.none() | st.decimals(min_value=0, max_value=500, places=2),
    category_ids=st.frozensets(st.integers(1, 5), max_size=2),
)
tax_rates = st.sampled_from([ZERO, D("0.2"), D("0.0725"), D("0.085")])


@settings(max_examples=400, deadline=None)
@given(lines=lines_strategy, rule=st.none() | rules, tax_rate=tax_rates)
def test_every_amount_is_rounded_half_up_once_per_line_and_once_per_total(
    lines, rule, tax_rate
):
    """Whatever the prices (cents, sub-cent, huge) and quantities: each line total is
    unit price x quantity rounded once (never the rounded unit times the quantity), the
    subtotal is their sum, tax is rounded once on the discounted subtotal and the total
    is subtotal - discount + tax; every amount has exactly two places. Amounts beyond
    Decimal's 28 digits are refused (InvalidOperation), never silently wrong."""
    try:
        totals = price_lines(lines, rule=rule, tax_rate=tax_rate)
    except InvalidOperation:
        with pytest.raises(InvalidOperation):  # rounding these by hand fails alike
            subtotal = half_up(sum(half_up(x.unit_price * x.quantity) for x in lines))
            half_up(subtotal + half_up(subtotal * tax_rate))  # the largest amount
        return
    assert isinstance(totals, Totals)
    assert len(totals.lines) == len(lines)
    for line, priced in zip(lines, totals.lines, strict=True):
        assert priced.product_id == line.product_id
        assert priced.quantity == line.quantity
        assert repr(priced.unit_price) == repr(half_up(line.unit_price))
        assert repr(priced.line_total) == repr(half_up(line.unit_price * line.quantity))
    assert totals.subtotal == sum((p.line_total for p in totals.lines), ZERO)
    assert totals.tax == half_up((totals.subtotal - totals.discount) * tax_rate)
    assert totals.total == totals.subtotal - totals.discount + totals.tax
    for amount in (totals.subtotal, totals.eligible_subtotal, totals.discount,
                   totals.tax, totals.total):  # fmt: skip
        assert has_two_places(amount), amount
    if rule is None:
        assert totals.discount == totals.eligible_subtotal == ZERO
        assert all(p.discount == ZERO for p in totals.lines)


@settings(max_examples=300, deadline=None)
@given(
    lines=lines_strategy.map(
        lambda lines: [line for line in lines if line.unit_price < D("100000")]
    ),
    rule=st.none() | rules,
    tax_rate=tax_rates,
)
def test_the_same_lines_always_give_the_same_totals(lines, rule, tax_rate):
    """Pricing has no memory: the same input prices the same, in whatever order or
    company it came before (representations included: "2.00", never "2")."""
    first = price_lines(lines, rule=rule, tax_rate=tax_rate)
    price_lines(list(reversed(lines)), rule=rule, tax_rate=tax_rate)
    again = price_lines(lines, rule=rule, tax_rate=tax_rate)
    assert repr(first) == repr(again) and first == again


def test_a_sub_cent_price_is_rounded_per_line_not_per_unit():
    """A price with a fraction of a cent is rounded on the line total (3 x 0.005 = 0.02),
    while the line shows the unit price rounded (0.01)."""
    totals = price_lines([PricingLine(1, D("0.005"), 3)])
    assert totals.lines == (PricedLine(1, D("0.01"), 3, D("0.02"), ZERO),)
    assert str(totals.subtotal) == "0.02" and str(totals.total) == "0.02"


def test_half_a_cent_rounds_up_not_to_even():
    """0.125 and 0.135 both round up (0.13, 0.14): half-up, not the banker's half-even."""
    totals = price_lines([PricingLine(1, D("0.125"), 1), PricingLine(2, D("0.135"), 1)])
    assert [str(p.line_total) for p in totals.lines] == ["0.13", "0.14"]
    assert str(totals.total) == "0.27"


def test_twenty_lines_with_tax():
    """20 lines of 2 x 19.99 at 20% tax: 799.60 + 159.92 = 959.52, each line 39.98."""
    totals = price_lines(
        [PricingLine(n, D("19.99"), 2) for n in range(1, 21)], tax_rate=D("0.2")
    )
    assert [str(line.line_total) for line in totals.lines] == ["39.98"] * 20
    assert (str(totals.subtotal), str(totals.tax), str(totals.total)) == (
        "799.60", "159.92", "959.52",
    )  # fmt: skip
    assert totals.discount == ZERO
    assert all(line.discount == ZERO for line in totals.lines)


def test_tax_is_rounded_once_on_the_total_not_per_line():
    """Three lines of 1.05 at 7.25%: tax on 3.15 is 0.228375 -> 0.23; per line it would
    have been 3 x 0.08 = 0.24."""
    totals = price_lines(
        [PricingLine(n, D("1.05"), 1) for n in (1, 2, 3)], tax_rate=D("0.0725")
    )
    assert (totals.subtotal, totals.tax, totals.total) == (
        D("3.15"), D("0.23"), D("3.38"),
    )  # fmt: skip


def test_an_empty_cart_prices_to_zero():
    """No lines: every amount is 0.00, with or without a rule and tax."""
    totals = price_lines([], rule=DiscountRule(percent_off=D("50")), tax_rate=D("0.2"))
    assert totals.lines == ()
    assert [str(a) for a in (totals.subtotal, totals.discount, totals.tax,
                             totals.total)] == ["0.00"] * 4  # fmt: skip


def test_a_tax_rate_may_be_a_string():
    """A rate from configuration text ("0.085") is read exactly."""
    totals = price_lines([PricingLine(1, D("29.99"), 1)], tax_rate="0.085")
    assert (totals.tax, totals.total) == (D("2.55"), D("32.54"))


def test_lines_and_totals_are_immutable_values():
    """PricingLine, PricedLine and Totals read by name, compare by value and cannot
    change."""
    line = PricingLine(1, D("2.50"), 3)
    assert line.category_ids == frozenset()
    assert line == PricingLine(1, D("2.50"), 3)
    with pytest.raises(AttributeError):
        line.quantity = 4
    totals = price_lines([line])
    priced = totals.lines[0]
    assert (priced.line_total, priced.discount) == (D("7.50"), ZERO)
    with pytest.raises(AttributeError):
        priced.line_total = D("1.00")
    with pytest.raises(AttributeError):
        totals.total = D("0.00")
    assert totals == price_lines([PricingLine(1, D("2.50"), 3)])


def test_a_float_price_is_refused():
    """Money is never a float: 0.5 equals Decimal("0.5"), yet it is refused, even right
    after that Decimal was priced."""
    price_lines([PricingLine(1, D("0.5"), 1)])
    with pytest.raises(TypeError):
        price_lines([PricingLine(1, 0.5, 1)])


def test_a_float_tax_rate_is_refused():
    """0.0725 as a float would tax 2.00 at 0.14, not 0.15: refused like a float price."""
    line = PricingLine(1, D("2.00"), 1)
    assert price_lines([line], tax_rate=D("0.0725")).tax == D("0.15")
    with pytest.raises(TypeError):
        price_lines([line], tax_rate=0.0725)


@pytest.mark.parametrize("price", ["sNaN", "NaN", "-Infinity"])
def test_a_price_that_is_not_a_number_is_refused(price):
    """NaN or infinite prices are not money: price_lines raises InvalidOperation
    rather than pricing them (a quiet NaN would otherwise give a NaN total)."""
    with pytest.raises(InvalidOperation):
        price_lines([PricingLine(1, D(price), 1)])


def test_a_tax_rate_that_is_not_a_number_is_refused():
    """A "NaN" rate read from configuration cannot make a NaN total."""
    with pytest.raises(InvalidOperation):
        price_lines([PricingLine(1, D("1.00"), 1)], tax_rate="NaN")


# --- the package stays pure -------------------------------------------------------------

ALLOWED_IMPORTS = {"collections.abc", "dataclasses", "decimal", "typing", "shop.money"}


@pytest.mark.parametrize(
    "module", sorted(p.name for p in PRICING.glob("*.py") if p.name != "__init__.py")
)
def test_pricing_imports_no_models_settings_or_io(module):
    """pricing/ imports only the standard library's value types, itself and
    shop.money: no Django, no Redis, no settings."""
    tree = ast.parse((PRICING / module).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    outside = {
        name for name in imported - ALLOWED_IMPORTS if not name.startswith("pricing.")
    }
    assert not outside, f"{module} imports {sorted(outside)}"


def test_pricing_runs_without_django_set_up():
    """price_lines works in a bare interpreter where Django's settings and apps were
    never loaded, and leaves them unloaded."""
    code = (
        "from decimal import Decimal as D\n"
        "from pricing.discounts import DiscountRule\n"
        "from pricing.lines import PricingLine\n"
        "from pricing.totals import price_lines\n"
        "t = price_lines([PricingLine(1, D('10.00'), 2)],"
        " rule=DiscountRule(percent_off=D('10')), tax_rate=D('0.2'))\n"
        "assert str(t.total) == '21.60', t\n"
        "from django.apps import apps\n"
        "from django.conf import settings\n"
        "assert not settings.configured and not apps.ready\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PRICING.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
