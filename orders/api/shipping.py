"""Shipping and tax under /api/v1/: the staff's CRUD of zones, methods and tax rates, and
the shipping methods offered to the request's cart (cart/shipping-methods/)."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from cart.selectors import cart_for_request
from orders.api.shipping_serializers import (
    ShippingErrorSerializer,
    ShippingMethodSerializer,
    ShippingQuoteQuerySerializer,
    ShippingQuoteSerializer,
    ShippingZoneSerializer,
    TaxRateSerializer,
)
from orders.models import ShippingMethod, ShippingZone, TaxRate, ZoneCountry
from orders.shipping import (
    cart_shipping_quotes,
    clean_country,
    method_save,
    tax_rate_save,
    zone_save,
)

ERROR = ShippingErrorSerializer
INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT, description="Validation errors: a map of field to messages."
)
STAFF_ERRORS = {
    401: OpenApiResponse(ERROR, description="Not signed in."),
    403: OpenApiResponse(ERROR, description="Not staff."),
}


def _crud_schema(thing: str, serializer) -> dict:
    not_found = {404: OpenApiResponse(ERROR, description=f"No such {thing}.")}
    return {
        "list": extend_schema(
            summary=f"List {thing}s (staff)",
            responses={
                200: serializer(many=True),
                404: OpenApiResponse(ERROR, description="No such page."),
                **STAFF_ERRORS,
            },
        ),
        "retrieve": extend_schema(
            summary=f"A {thing} (staff)",
            responses={200: serializer, **STAFF_ERRORS, **not_found},
        ),
        "create": extend_schema(
            summary=f"Create a {thing} (staff)",
            responses={201: serializer, 400: INVALID, **STAFF_ERRORS},
        ),
        "update": extend_schema(
            summary=f"Replace a {thing} (staff)",
            responses={200: serializer, 400: INVALID, **STAFF_ERRORS, **not_found},
        ),
        "partial_update": extend_schema(
            summary=f"Change a {thing} (staff)",
            responses={200: serializer, 400: INVALID, **STAFF_ERRORS, **not_found},
        ),
        "destroy": extend_schema(
            summary=f"Delete a {thing} (staff)",
            responses={204: None, **STAFF_ERRORS, **not_found},
        ),
    }


class StaffViewSet(viewsets.ModelViewSet):
    # Staff CRUD whose writes go through one service (``save``); no docstring, or the
    # schema would show it as every operation's description.

    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]

    def save(self, instance, data: dict):
        raise NotImplementedError

    def _saved(self, request, instance, *, partial=False, status_code=200):
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self.save(instance, dict(serializer.validated_data))
        fresh = self.get_queryset().get(pk=saved.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        return self._saved(request, None, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        return self._saved(request, self.get_object(), partial=partial)


@extend_schema_view(**_crud_schema("shipping zone", ShippingZoneSerializer))
class ShippingZoneViewSet(StaffViewSet):
    serializer_class = ShippingZoneSerializer

    def get_queryset(self):
        return ShippingZone.objects.prefetch_related(
            Prefetch("countries", queryset=ZoneCountry.objects.order_by("country"))
        ).order_by("name", "pk")

    def save(self, zone, data):
        if zone is not None:
            data.setdefault("name", zone.name)
            data.setdefault(
                "countries", [row.country.code for row in zone.countries.all()]
            )
        return zone_save(zone=zone, name=data["name"], countries=data["countries"])


@extend_schema_view(**_crud_schema("shipping method", ShippingMethodSerializer))
class ShippingMethodViewSet(StaffViewSet):
    serializer_class = ShippingMethodSerializer

    def get_queryset(self):
        return ShippingMethod.objects.order_by("zone_id", "position", "pk")

    def save(self, method, data):
        return method_save(method=method, **data)


@extend_schema_view(**_crud_schema("tax rate", TaxRateSerializer))
class TaxRateViewSet(StaffViewSet):
    serializer_class = TaxRateSerializer

    def get_queryset(self):
        return TaxRate.objects.order_by("country", "pk")

    def save(self, tax_rate, data):
        if tax_rate is not None:
            data.setdefault("country", tax_rate.country.code)
            data.setdefault("rate", tax_rate.rate)
        return tax_rate_save(tax_rate=tax_rate, **data)


CART_TOKEN = OpenApiParameter(
    "X-Cart-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="An anonymous cart's token (users are known by their JWT).",
)  # fmt: skip


class CartShippingMethodsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Shipping methods for the cart to a country",
        description=(
            "The active methods whose zone ships to the country, priced for this cart "
            "(weight and subtotal less discount); a method whose bands do not fit the "
            "cart is left out, a country no zone serves answers []."
        ),
        parameters=[ShippingQuoteQuerySerializer, CART_TOKEN],
        responses={
            200: ShippingQuoteSerializer(many=True),
            400: OpenApiResponse(ERROR, description="Unknown or missing country."),
            401: OpenApiResponse(ERROR, description="No JWT and no cart token."),
            404: OpenApiResponse(ERROR, description="Unknown or expired cart token."),
        },
    )
    def get(self, request):
        cart = cart_for_request(request)
        try:
            country = clean_country(request.query_params.get("country"))
        except ValidationError as exc:
            return Response(
                {"detail": exc.message_dict["country"][0], "code": "invalid_country"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        quotes = cart_shipping_quotes(cart=cart, country=country)
        return Response(ShippingQuoteSerializer(quotes, many=True).data)
