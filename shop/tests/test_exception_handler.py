"""The API's exception handler: database errors that slipped past validation, and the
errors of a backing service that is down or refuses writes."""

import pytest
from django.db import DataError, IntegrityError, OperationalError
from redis.exceptions import (
    ConnectionError,
    OutOfMemoryError,
    ReadOnlyError,
    ResponseError,
    TimeoutError,
)

from shop.exceptions import api_exception_handler


def test_a_value_the_database_cannot_hold_is_a_400():
    """Too long or out of range: the input is invalid (not a 409 conflict, not a 500)."""
    response = api_exception_handler(DataError("value too long"), {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"


def test_a_constraint_collision_is_a_409():
    """A unique or foreign-key constraint the input collided with: a conflict."""
    response = api_exception_handler(IntegrityError("duplicate key"), {})
    assert response.status_code == 409
    assert response.data["code"] == "conflict"


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("refused"),
        TimeoutError("timed out"),
        ReadOnlyError("You can't write against a read only replica."),
        OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
        OperationalError("could not connect to server"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_outage_is_a_503_service_unavailable(error):
    """Redis or the database down, or Redis refusing writes: 503, retry shortly."""
    response = api_exception_handler(error, {})
    assert response.status_code == 503
    assert response.data["code"] == "service_unavailable"


def test_a_script_refused_by_redis_is_raised_as_the_refusal():
    """A Lua script whose write a read-only or full Redis 6 refuses comes back as a plain
    ResponseError naming the refusal: it is raised as the refusal, an outage; any other
    script error stays what it is (a bug, not an outage)."""
    from shop.redis_errors import script_refusals

    wrapped = {
        "Error running script (call to f_1): @user_script:3: @user_script: 3: "
        "-READONLY You can't write against a read only replica.": ReadOnlyError,
        "Error running script (call to f_1): @user_script:9: @user_script: 9: "
        "-OOM command not allowed when used memory > 'maxmemory'.": OutOfMemoryError,
        "Error running script (call to f_1): @user_script:1: Script attempted to "
        "access nonexistent global variable 'x'": ResponseError,
    }
    for text, raised in wrapped.items():
        with pytest.raises(ResponseError) as caught, script_refusals():
            raise ResponseError(text)
        assert type(caught.value) is raised, text
    # Redis 7 answers with the refusal's own code: it passes through as it is.
    with pytest.raises(ReadOnlyError), script_refusals():
        raise ReadOnlyError("You can't write against a read only replica. script: f_1")
