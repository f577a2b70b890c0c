"""``POST variants/{id}/notify-me/``: leave an email on a sold-out variant, mailed
once when it is back in stock (catalog.restock). Thin: parse, call the service."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.schema import NOT_FOUND
from catalog.api.serializers import CatalogErrorSerializer
from catalog.restock import back_in_stock_subscribe


class NotifyMeSerializer(serializers.Serializer):
    # A signed-in user may leave it out: their account's address is used.
    email = serializers.EmailField(required=False, max_length=254)


class BackInStockRequestSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField()
    email = serializers.EmailField()
    created_at = serializers.DateTimeField()


class AnyoneSchema(AutoSchema):
    """Anyone may call it (a JWT, when sent, names the user)."""

    def get_auth(self):
        auths = super().get_auth()
        return auths if {} in auths else [*auths, {}]


class NotifyMeView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "auth"  # an address typed by anyone: the sign-in's budget
    schema = AnyoneSchema()

    @extend_schema(
        summary="Be mailed once when a sold-out variant is back in stock",
        request=NotifyMeSerializer,
        responses={
            201: BackInStockRequestSerializer,
            200: BackInStockRequestSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A bad or missing email (field errors), or the variant "
                "is in stock (`{detail, code: in_stock}`).",
            ),
            401: OpenApiResponse(CatalogErrorSerializer, description="A bad JWT."),
            404: NOT_FOUND,
            429: OpenApiResponse(
                CatalogErrorSerializer, description="Too many requests; retry later."
            ),
        },
        description="201 when the email now waits, 200 when it already did.",
    )
    def post(self, request, pk):
        payload = NotifyMeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        email = payload.validated_data.get("email") or (
            request.user.email if request.user.is_authenticated else ""
        )
        if not email:
            raise serializers.ValidationError({"email": ["This field is required."]})
        waiting, created = back_in_stock_subscribe(variant_id=int(pk), email=email)
        body = BackInStockRequestSerializer(
            {
                "variant_id": waiting.variant_id,
                "email": waiting.email,
                "created_at": waiting.created_at,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else 200)
