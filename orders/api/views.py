"""Orders API: checkout, the customer's and staff's order views, status changes."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cart.cart import Cart, is_valid_token
from cart.selectors import CART_NOT_FOUND, cart_for_request
from orders import selectors
from orders.api.payment_serializers import (
    FulfilSerializer,
    RefundRequestSerializer,
    RefundSerializer,
)
from orders.api.serializers import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    CheckoutConflictSerializer,
    CheckoutSerializer,
    OrderErrorSerializer,
    OrderSerializer,
    PaySerializer,
    PlacedOrderSerializer,
)
from orders.checkout import order_place
from orders.models import Order, Refund
from orders.refunds import refund_create
from orders.status import order_cancel, order_fulfil, order_pay
from shop.exceptions import NotFound, ShopError

ORDER_TOKEN = OpenApiParameter(
    "X-Order-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="A guest's order token (returned once at checkout as order_token).",
)  # fmt: skip
CART_TOKEN = OpenApiParameter(
    "X-Cart-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The anonymous cart to check out (guests; users are known by their JWT).",
)  # fmt: skip
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=(
        "Up to 255 printable characters, unique per cart owner. A repeat with the same key returns "
        "the order the first request made (201, same body), never a second order."
    ),
)  # fmt: skip
STATUS_FILTER = OpenApiParameter(
    "status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    enum=Order.Status.values, description="Only orders in this status.",
)  # fmt: skip

ERROR = OrderErrorSerializer
NOT_FOUND = OpenApiResponse(ERROR, description="Unknown order, or not yours.")
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input.")
TRANSITION = OpenApiResponse(
    ERROR, description="Not allowed in the order's current status."
)


def _order_token(request) -> str | None:
    return request.headers.get("X-Order-Token") or None


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    # Printable only: a NUL byte cannot even be stored (PostgreSQL refuses it: a 500).
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise ShopError(
            "The Idempotency-Key header must be 1 to 255 printable characters.",
            code="invalid_idempotency_key",
        )
    return key


class OrderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]{1,20}"

    def get_queryset(self):
        wanted = self.request.query_params.get("status") or None
        if wanted is not None and wanted not in Order.Status.values:
            raise exceptions.ValidationError(
                {"status": [f"Choose one of {', '.join(Order.Status.values)}."]}
            )
        return selectors.order_list_for(user=self.request.user, status=wanted)

    def get_permissions(self):
        if self.action == "list":
            return [permissions.IsAuthenticated()]
        if self.action in ("fulfil", "refunds"):
            return [permissions.IsAdminUser()]
        return [permissions.AllowAny()]

    @property
    def throttle_scope(self):
        return "checkout" if self.action == "create" else None

    def get_order(self) -> Order:
        order = selectors.order_visible_to(
            number=self.kwargs["number"],
            user=self.request.user,
            order_token=_order_token(self.request),
        )
        if order is None:
            raise exceptions.NotFound("No such order.")
        return order

    def render(self, order: Order, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(OrderSerializer(order).data, status=status_code)

    @extend_schema(
        summary="My orders (staff: all orders)",
        parameters=[STATUS_FILTER],
        responses={
            200: OrderSerializer(many=True),
            400: INVALID,
            401: ERROR,
            404: OpenApiResponse(ERROR, description="No such page."),
        },
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Check out the current cart",
        description=(
            "All or nothing: every line is re-checked under row locks and the stock taken in "
            "one transaction. Any problem answers 409 checkout_conflict listing every problem; "
            "a coupon problem is an entry with product_id null and the coupon's reason code "
            "(coupon_used_up, coupon_expired, ...), and nothing is ordered. Signed-in users' "
            "email defaults to their account's. A repeat with the same Idempotency-Key answers "
            "201 with the same body (also after a guest's cart was emptied by the first). "
            "A shop with active shipping methods takes shipping_address as an address "
            "object (or a signed-in user's address_id) and a shipping_method serving its "
            "country (400 shipping_unavailable, shipping_method_required); without any, "
            "the old body {email, shipping_name, shipping_address: text} (shipping 0)."
        ),
        parameters=[IDEMPOTENCY_KEY, CART_TOKEN],
        request=CheckoutSerializer,
        responses={
            201: PlacedOrderSerializer,
            400: INVALID,
            401: ERROR,
            404: OpenApiResponse(ERROR, description="Unknown or expired cart token."),
            409: OpenApiResponse(
                CheckoutConflictSerializer,
                description="Some line or the coupon cannot be ordered; nothing changed.",
            ),
            429: ERROR,
        },
    )
    def create(self, request, *args, **kwargs):
        key = _idempotency_key(request)
        cart = cart_for_request(request)
        body = CheckoutSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            placed = order_place(
                cart=cart, user=request.user, idempotency_key=key, **body.validated_data
            )
        except NotFound as exc:
            # A guest's cart is destroyed by a successful checkout: a retry with the same
            # key must still get its order back, so look the key up by the token's owner.
            replayed = (
                exc.code == CART_NOT_FOUND
                and key
                and self._replayed_order(request, key)
            )
            if not replayed:
                raise
            return Response(
                PlacedOrderSerializer(replayed).data, status=status.HTTP_201_CREATED
            )
        order = selectors.order_queryset().get(pk=placed.order.pk)
        return Response(
            PlacedOrderSerializer(order).data, status=status.HTTP_201_CREATED
        )

    @staticmethod
    def _replayed_order(request, key: str) -> Order | None:
        token = request.headers.get("X-Cart-Token")
        if request.user.is_authenticated or not is_valid_token(token):
            return None
        order = selectors.order_for_idempotency_key(
            owner=Cart.for_token(token).owner, key=key
        )
        return order and selectors.order_queryset().get(pk=order.pk)

    @extend_schema(
        summary="One order",
        parameters=[ORDER_TOKEN],
        responses={200: OrderSerializer, 404: NOT_FOUND},
    )
    def retrieve(self, request, *args, **kwargs):
        return self.render(self.get_order())

    @extend_schema(
        summary="Pay a pending order",
        description=(
            "Test gateway: {payment_token}, tok_success pays, tok_decline is 402 (the "
            "payment recorded failed, the order still pending). Stripe: {} answers 200 "
            "with the order still pending and its payment (payment_intent, "
            "client_secret, publishable_key) for Stripe.js; asking again returns the "
            "same PaymentIntent; Stripe's signed webhook marks the order paid."
        ),
        parameters=[ORDER_TOKEN],
        request=PaySerializer,
        responses={
            200: OrderSerializer,
            400: INVALID,
            402: OpenApiResponse(
                ERROR, description="Declined; the order stays pending."
            ),
            403: ERROR,
            404: NOT_FOUND,
            409: TRANSITION,
            502: OpenApiResponse(ERROR, description="The provider refused."),
            503: OpenApiResponse(ERROR, description="The provider is unreachable."),
        },
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, *args, **kwargs):
        order = self.get_order()
        if not selectors.order_is_customer(
            order=order, user=request.user, order_token=_order_token(request)
        ):
            raise exceptions.PermissionDenied("Only the customer can pay an order.")
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = order_pay(order=order, **body.validated_data)
        return self.render(selectors.order_queryset().get(pk=order.pk))

    @extend_schema(
        summary="Cancel an order (stock returns, a payment is refunded)",
        description=(
            "The customer (or a guest with the order's token): pending orders only. "
            "Staff: pending, paid or partially refunded orders, until fulfilled; what "
            "was paid and not refunded yet is refunded and listed in refunds."
        ),
        parameters=[ORDER_TOKEN],
        request=None,
        responses={200: OrderSerializer, 404: NOT_FOUND, 409: TRANSITION},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        order = order_cancel(
            order=self.get_order(), user=request.user, staff=request.user.is_staff
        )
        return self.render(selectors.order_queryset().get(pk=order.pk))

    @extend_schema(
        summary="Refund items and/or the shipping of an order (staff)",
        description=(
            "Each unit refunds its exact share of what the buyer paid for its line "
            "(discount off, tax on), so refunding everything refunds total. 400 codes: "
            "refund_empty, refund_unknown_item, refund_quantity_exceeded, "
            "shipping_already_refunded, refund_exceeds_total. The refund is pending "
            "until the provider confirms it (at once without a task broker)."
        ),
        request=RefundRequestSerializer,
        responses={
            201: RefundSerializer,
            400: INVALID,
            401: ERROR,
            403: ERROR,
            404: NOT_FOUND,
            409: TRANSITION,
        },
    )
    @action(detail=True, methods=["post"])
    def refunds(self, request, *args, **kwargs):
        order = self.get_order()
        body = RefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = refund_create(order=order, user=request.user, **body.validated_data)
        refund = Refund.objects.prefetch_related("lines").get(pk=refund.pk)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a paid order fulfilled (staff); the buyer is mailed the tracking",
        request=FulfilSerializer,
        responses={
            200: OrderSerializer,
            401: ERROR,
            403: ERROR,
            404: NOT_FOUND,
            400: INVALID,
            409: TRANSITION,
        },
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request, *args, **kwargs):
        body = FulfilSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = order_fulfil(order=self.get_order(), **body.validated_data)
        return self.render(selectors.order_queryset().get(pk=order.pk))
