"""The add's body: the quick path accepts exactly what the serializer accepts."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from cart.api.serializers import CartItemAddSerializer, add_item_data

MISSING = object()
values = st.one_of(
    st.integers(min_value=-3, max_value=12),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 1, 2**63 - 1, 2**63, 10**6, 10**6 + 1, True, False, None]),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.just(MISSING),
    st.lists(st.integers(), max_size=2),
)


def _outcome(parse, data):
    try:
        return ("ok", dict(parse(data)))
    except ValidationError as exc:
        return ("invalid", exc.detail)


def _serializer(data):
    serializer = CartItemAddSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@given(product_id=values, quantity=values, extra=st.booleans())
@example(product_id=1, quantity=MISSING, extra=False)
@example(product_id=2**63 - 1, quantity=1, extra=True)
@example(product_id=2**63, quantity=1, extra=False)
@example(product_id=5, quantity=0, extra=False)
@example(product_id=True, quantity=1, extra=False)
@example(product_id=5, quantity=True, extra=False)
@example(product_id=5, quantity=None, extra=False)
@example(product_id=5, quantity=10**9, extra=False)
def test_the_quick_path_answers_as_the_serializer(product_id, quantity, extra):
    data = {}
    if product_id is not MISSING:
        data["product_id"] = product_id
    if quantity is not MISSING:
        data["quantity"] = quantity
    if extra:
        data["note"] = "ignored"

    assert _outcome(add_item_data, data) == _outcome(_serializer, data)


@pytest.mark.parametrize("data", [[], "x", None, 3])
def test_a_body_that_is_no_object_gets_the_serializers_error(data):
    assert _outcome(add_item_data, data) == _outcome(_serializer, data)
    assert _outcome(add_item_data, data)[0] == "invalid"
