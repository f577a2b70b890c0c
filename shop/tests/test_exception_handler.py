"""The API's exception handler: database errors that slipped past validation."""

from django.db import DataError, IntegrityError

from shop.exceptions import api_exception_handler


def test_a_value_the_database_cannot_hold_is_a_400():
    """Too long or out of range: the input is invalid (not a 409 conflict, not a 500)."""
    response = api_exception_handler(DataError("value too long"), {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"


def test_a_constraint_collision_is_a_409():
    response = api_exception_handler(IntegrityError("duplicate key"), {})
    assert response.status_code == 409
    assert response.data["code"] == "conflict"
