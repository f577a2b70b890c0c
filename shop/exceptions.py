"""The shop's error vocabulary and the one DRF exception handler that renders it.

Services raise :class:`ShopError` subclasses; the API renders them as
``{"detail", "code", ...extra}`` with their status, pages turn them into form errors or
messages. Outages of PostgreSQL or Redis become 503 ``service_unavailable``.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from django.http import Http404
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError as RedisOutOfMemoryError
from redis.exceptions import ReadOnlyError as RedisReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

# Redis refusing writes (a replica promoted late in a failover, maxmemory reached) is as
# much an outage for a cart as Redis being unreachable.
OUTAGE_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    RedisReadOnlyError,
    RedisOutOfMemoryError,
    OperationalError,
    InterfaceError,
)


class ShopError(Exception):
    """A domain error: carries a machine-readable ``code``, an HTTP status and extras."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)

    def as_dict(self) -> dict:
        return {"detail": self.detail, "code": self.code, **self.extra}


class NotFound(ShopError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_detail = "Not found."


class Conflict(ShopError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_detail = "Not enough stock."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "This order cannot make that change in its current status."


class CheckoutConflict(Conflict):
    code = "checkout_conflict"
    default_detail = "Some items in the cart cannot be ordered."


class CouponInvalid(ShopError):
    code = "coupon_invalid"
    default_detail = "This coupon code is not valid."


class EmptyCart(ShopError):
    code = "cart_empty"
    default_detail = "The cart is empty."


class ShippingUnavailable(ShopError):
    code = "shipping_unavailable"
    default_detail = "This shipping method does not deliver this order to that country."


class ShippingMethodRequired(ShopError):
    code = "shipping_method_required"
    default_detail = "Choose a shipping method."


class LimitExceeded(ShopError):
    code = "limit_exceeded"
    default_detail = "A limit of the shop was exceeded."


class PaymentDeclined(ShopError):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    code = "payment_declined"
    default_detail = "The payment was declined."


class ServiceUnavailable(ShopError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
    default_detail = "A backing service is unavailable. Please try again shortly."


def outage_response() -> Response:
    return Response(
        ServiceUnavailable().as_dict(), status=status.HTTP_503_SERVICE_UNAVAILABLE
    )


def api_exception_handler(exc, context):
    """Render every error of the API as JSON with a status that matches its cause."""
    if isinstance(exc, ShopError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, OUTAGE_ERRORS):
        logger.warning("backing service outage: %r", exc)
        return outage_response()
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body (DATA_UPLOAD_MAX_MEMORY_SIZE) when DRF reads it; without
        # this the API would answer Django's HTML 400 page.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {
                "detail": f"The request body is too large: at most {limit} bytes.",
                "code": "request_too_large",
                "limit": limit,
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError):
        # A value the database cannot hold (too long, out of range) that slipped past
        # validation: the client's input is invalid, not in conflict with anything.
        logger.warning("database data error rendered as 400: %r", exc)
        return Response(
            {"detail": "A value is too long or out of range.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DatabaseError):
        # Integrity errors that slipped past validation are the client's input
        # colliding with a constraint: a conflict, never a 500.
        logger.warning("database error rendered as 409: %r", exc)
        return Response(
            {
                "detail": "The request conflicts with the stored data.",
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and isinstance(response.data, dict)
        and "detail" in response.data
    ):
        detail = response.data["detail"]
        code = getattr(detail, "code", None)
        if code and "code" not in response.data:
            response.data["code"] = code
    return response
