"""The cart API (API.md "Cart"): parse, call one service, render the cart."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cart import selectors, services
from cart.api.serializers import (
    CartCouponSerializer,
    CartErrorSerializer,
    CartItemAddSerializer,
    CartItemSetSerializer,
    CartMergeSerializer,
    CartSerializer,
    NewCartSerializer,
)
from cart.cart import Cart

CART_TOKEN = OpenApiParameter(
    "X-Cart-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="An anonymous cart's token from POST /api/v1/carts/ (not needed with a JWT).",
)  # fmt: skip
INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Invalid input: a field map, or {detail, code} (e.g. limit_exceeded).",
)
UNAUTHENTICATED = OpenApiResponse(
    CartErrorSerializer, description="No JWT and no X-Cart-Token: how to get a cart."
)
NOT_FOUND = OpenApiResponse(
    CartErrorSerializer, description="Unknown or expired cart token."
)
THROTTLED = OpenApiResponse(CartErrorSerializer, description="Too many cart writes.")
UNAVAILABLE = OpenApiResponse(
    CartErrorSerializer, description="The cart store (Redis) is unreachable."
)
COMMON = {401: UNAUTHENTICATED, 404: NOT_FOUND, 503: UNAVAILABLE}
WRITE = {**COMMON, 400: INVALID, 429: THROTTLED}
STOCK = OpenApiResponse(
    CartErrorSerializer,
    description='Not enough stock: {"code": "insufficient_stock", "available": n}.',
)


# PUT and PATCH of a line do the same thing, documented once.
SET_LINE_SCHEMA = extend_schema(
    summary="Set a line's quantity (0 removes it)",
    parameters=[CART_TOKEN],
    request=CartItemSetSerializer,
    responses={200: CartSerializer, **WRITE, 409: STOCK},
    tags=["cart"],
)


class CartAPIView(APIView):
    """Writes are throttled (scope ``cart_write``); reads are not."""

    @property
    def throttle_scope(self):
        return None if self.request.method in permissions.SAFE_METHODS else "cart_write"

    def cart(self) -> Cart:
        return selectors.cart_for_request(self.request)

    @staticmethod
    def respond(summary, *, status_code=status.HTTP_200_OK, extra_warnings=()):
        data = summary.as_dict()
        if extra_warnings:
            data["warnings"] = [w.as_dict() for w in extra_warnings] + data["warnings"]
        return Response(data, status=status_code)

    def render(self, cart: Cart, **kwargs) -> Response:
        return self.respond(selectors.cart_read(cart=cart), **kwargs)


class CartCreateView(CartAPIView):
    @extend_schema(
        operation_id="carts_create",
        summary="Create an anonymous cart",
        request=None,
        responses={201: NewCartSerializer, 429: THROTTLED, 503: UNAVAILABLE},
        tags=["cart"],
    )
    def post(self, request):
        cart = services.cart_create()
        data = selectors.cart_read(cart=cart).as_dict()
        return Response(
            {"token": cart.token, "cart": data}, status=status.HTTP_201_CREATED
        )


class CartDetailView(CartAPIView):
    @extend_schema(
        summary="The cart, reconciled with the catalog",
        parameters=[CART_TOKEN],
        responses={200: CartSerializer, **COMMON},
        tags=["cart"],
    )
    def get(self, request):
        return self.render(self.cart())

    @extend_schema(
        summary="Empty and destroy the cart",
        parameters=[CART_TOKEN],
        responses={204: None, **COMMON, 429: THROTTLED},
        tags=["cart"],
    )
    def delete(self, request):
        services.cart_clear(cart=self.cart())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartItemsView(CartAPIView):
    @extend_schema(
        summary="Add a variant (adds to the quantity already there)",
        parameters=[CART_TOKEN],
        request=CartItemAddSerializer,
        responses={200: CartSerializer, **WRITE, 409: STOCK},
        tags=["cart"],
    )
    def post(self, request):
        cart = self.cart()
        body = CartItemAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        added = services.cart_add_item(cart=cart, **body.validated_data)
        return self.respond(
            selectors.cart_read(
                cart=cart,
                snapshot=added.snapshot,
                known={added.variant.id: added.variant},
            )
        )


class CartItemView(CartAPIView):
    def _set(self, request, variant_id):
        cart = self.cart()
        serializer = CartItemSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cart_set_item(
            cart=cart,
            variant_id=variant_id,
            quantity=serializer.validated_data["quantity"],
        )
        return self.render(cart)

    @SET_LINE_SCHEMA
    def put(self, request, variant_id):
        return self._set(request, variant_id)

    @SET_LINE_SCHEMA
    def patch(self, request, variant_id):
        return self._set(request, variant_id)

    @extend_schema(
        summary="Remove a line",
        parameters=[CART_TOKEN],
        request=None,
        responses={200: CartSerializer, **COMMON, 429: THROTTLED},
        tags=["cart"],
    )
    def delete(self, request, variant_id):
        cart = self.cart()
        services.cart_remove_item(cart=cart, variant_id=variant_id)
        return self.render(cart)


class CartCouponView(CartAPIView):
    @extend_schema(
        summary="Apply a coupon (one per cart)",
        parameters=[CART_TOKEN],
        request=CartCouponSerializer,
        responses={
            200: CartSerializer,
            **WRITE,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Invalid input, or the coupon's reason code: coupon_invalid, "
                "coupon_expired, coupon_not_applicable, coupon_min_subtotal, coupon_used_up.",
            ),
        },
        tags=["cart"],
    )
    def put(self, request):
        cart = self.cart()
        serializer = CartCouponSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cart_apply_coupon(cart=cart, code=serializer.validated_data["code"])
        return self.render(cart)

    @extend_schema(
        summary="Remove the coupon",
        parameters=[CART_TOKEN],
        request=None,
        responses={200: CartSerializer, **COMMON, 429: THROTTLED},
        tags=["cart"],
    )
    def delete(self, request):
        cart = self.cart()
        services.cart_remove_coupon(cart=cart)
        return self.render(cart)


class CartMergeView(CartAPIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Merge an anonymous cart into the signed-in user's cart",
        description="Quantities add, each line clamped to stock; the anonymous cart is "
        "destroyed. Lines that could not move whole are reported in ``warnings``.",
        request=CartMergeSerializer,
        responses={
            200: CartSerializer,
            400: INVALID,
            401: OpenApiResponse(CartErrorSerializer, description="A JWT is required."),
            404: NOT_FOUND,
            429: THROTTLED,
            503: UNAVAILABLE,
        },
        tags=["cart"],
    )
    def post(self, request):
        serializer = CartMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = selectors.cart_for_token(token=serializer.validated_data["token"])
        target = Cart.for_user(request.user)
        result = services.cart_merge(source=source, target=target)
        if not result.merged:
            raise selectors.unknown_token()
        return self.render(target, extra_warnings=result.warnings)
