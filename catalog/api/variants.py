"""Catalog API: a product's variants and images. The product's own endpoints
(``products/{id}/variants/``, ``products/{id}/images/``) are a mixin of the product
viewset; ``variants/{id}/`` is its own viewset. Thin: parse, call a service, render."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from catalog.api.permissions import VariantPermission
from catalog.api.schema import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    UNAUTHENTICATED,
    PublicReadSchema,
)
from catalog.api.serializers import (
    CatalogErrorSerializer,
    ImageUploadSerializer,
    ProductImageSerializer,
    StockAdjustmentSerializer,
    StockConflictSerializer,
    VariantSerializer,
    VariantUpdateSerializer,
)
from catalog.images import product_image_add, product_image_delete
from catalog.models import StockMovement, Variant
from catalog.selectors import product_visible_to
from catalog.stock import stock_adjust
from catalog.variants import image_of, variant_archive, variant_create, variant_update

NOT_MULTIPART = OpenApiResponse(
    CatalogErrorSerializer, description="The body is not multipart/form-data."
)
STOCK_CONFLICT = OpenApiResponse(
    StockConflictSerializer,
    description="Stock would go below 0 (code insufficient_stock).",
)


class ProductPartsMixin:
    """``products/{id}/variants/`` and ``products/{id}/images/``: for the product's
    seller and staff (the product viewset's permission)."""

    @extend_schema(
        request=VariantSerializer,
        responses={
            201: VariantSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        description="Add a variant: `{sku, options, price, stock, weight_grams?}`.",
    )
    @action(detail=True, methods=["post"], url_path="variants")
    def add_variant(self, request, pk=None):
        product = self.get_object()
        payload = VariantSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        variant = variant_create(
            product=product, user=request.user, **payload.validated_data
        )
        return Response(
            VariantSerializer(variant, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            201: ProductImageSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            415: NOT_MULTIPART,
        },
        description="Upload an image: JPEG, PNG or WebP, at most 10 MB.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="images",
        parser_classes=[MultiPartParser],
    )
    def add_image(self, request, pk=None):
        product = self.get_object()
        payload = ImageUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        image = product_image_add(product=product, **payload.validated_data)
        return Response(
            ProductImageSerializer(image, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Remove one of the product's images.",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"images/(?P<image_id>[0-9]{1,18})",
    )
    def remove_image(self, request, pk=None, image_id=None):
        product_image_delete(product=self.get_object(), image_id=int(image_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VariantViewSet(mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """One variant: PATCH its price, SKU, weight, state or image; DELETE archives it;
    adjust-stock changes its stock as a movement. The product's seller or staff."""

    serializer_class = VariantSerializer
    permission_classes = [VariantPermission]
    schema = PublicReadSchema()
    filter_backends = []
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["patch", "delete", "post", "options"]

    def get_queryset(self):
        # Variants of the products the user may see (a seller: also its archived ones),
        # so another seller's archived product's variant is a 404, not a 403.
        visible = product_visible_to(self.request.user, include_inactive=True)
        return Variant.objects.select_related("product", "image").filter(
            product__in=visible.values("pk")
        )

    @extend_schema(
        request=VariantUpdateSerializer,
        responses={
            200: VariantSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        variant = self.get_object()
        payload = VariantUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fields = dict(payload.validated_data)
        if "image_id" in fields:
            fields["image"] = image_of(variant.product, fields.pop("image_id"))
        variant = variant_update(variant=variant, **fields)
        return Response(self.get_serializer(variant).data)

    @extend_schema(
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Archive the variant (is_active=false).",
    )
    def destroy(self, request, *args, **kwargs):
        variant_archive(variant=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=StockAdjustmentSerializer,
        responses={
            200: VariantSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: STOCK_CONFLICT,
        },
        description="Change the variant's stock by `delta` (a stock movement).",
    )
    @action(detail=True, methods=["post"], url_path="adjust-stock")
    def adjust_stock(self, request, pk=None):
        variant = self.get_object()
        payload = StockAdjustmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        variant = stock_adjust(
            variant=variant,
            delta=payload.validated_data["delta"],
            reason=StockMovement.Reason.ADJUSTMENT,
            user=request.user,
            note=payload.validated_data["reason"],
        )
        return Response(self.get_serializer(variant).data)
