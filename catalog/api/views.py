"""Catalog API: categories, products (with adjust-stock) and sellers; a product's
variants and images are ``catalog.api.variants``'. Thin: parse, call a service, render."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import services
from catalog.api.filters import (
    ProductFilter,
    ProductFilterBackend,
    ProductOrderingFilter,
)
from catalog.api.pagination import ProductPagination
from catalog.api.permissions import IsStaffOrReadOnly, ProductPermission
from catalog.api.schema import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    UNAUTHENTICATED,
    PublicReadSchema,
)
from catalog.api.serializers import (
    CategorySerializer,
    ProductSerializer,
    SellerSerializer,
    StockAdjustmentSerializer,
)
from catalog.api.variants import STOCK_CONFLICT, ProductPartsMixin, VariantViewSet
from catalog.cache import LIST_QUERY, cached_json
from catalog.models import Category, StockMovement
from catalog.selectors import product_visible_to, seller_list
from catalog.stock import stock_adjust
from catalog.variants import single_variant

__all__ = ["CategoryViewSet", "ProductViewSet", "SellerViewSet", "VariantViewSet"]


def _true(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


@extend_schema_view(
    list=extend_schema(
        responses={
            200: CategorySerializer(many=True),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        }
    ),
    retrieve=extend_schema(
        responses={200: CategorySerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        responses={
            201: CategorySerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: CONFLICT,
        }
    ),
    update=extend_schema(
        responses={
            200: CategorySerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        }
    ),
    partial_update=extend_schema(
        responses={
            200: CategorySerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        }
    ),
    destroy=extend_schema(
        responses={
            204: None,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        }
    ),
)
class CategoryViewSet(viewsets.ModelViewSet):
    """Categories by slug; ``parent`` is the parent's slug. Staff write."""

    queryset = Category.objects.select_related("parent").order_by("name", "id")
    serializer_class = CategorySerializer
    permission_classes = [IsStaffOrReadOnly]
    schema = PublicReadSchema()
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filter_backends = []

    def perform_create(self, serializer):
        serializer.instance = services.category_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.category_update(
            category=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "include_inactive",
                bool,
                description=(
                    "Staff: include archived products. Sellers: include their own archived ones."
                ),
            ),
        ],
        responses={
            200: ProductSerializer(many=True),
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    ),
    retrieve=extend_schema(
        responses={200: ProductSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        responses={
            201: ProductSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        }
    ),
    update=extend_schema(
        responses={
            200: ProductSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        }
    ),
    partial_update=extend_schema(
        responses={
            200: ProductSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        }
    ),
    destroy=extend_schema(
        description="Archives the product (is_active=false); orders keep their snapshot.",
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class ProductViewSet(ProductPartsMixin, viewsets.ModelViewSet):
    """Products. Sellers manage their own, staff all; stock changes via adjust-stock."""

    serializer_class = ProductSerializer
    permission_classes = [ProductPermission]
    schema = PublicReadSchema()
    filter_backends = [ProductFilterBackend, ProductOrderingFilter]
    filterset_class = ProductFilter
    pagination_class = ProductPagination
    ordering_fields = ["price", "name", "created_at"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action == "list":
            include = _true(self.request.query_params.get("include_inactive", ""))
            return product_visible_to(
                self.request.user, include_inactive=include
            ).order_by(*self.ordering)
        # Detail: the seller still sees and manages an archived product of its own.
        return product_visible_to(self.request.user, include_inactive=True)

    def list(self, request, *args, **kwargs):
        if _true(request.query_params.get("include_inactive", "")):
            return self._list()  # depends on who asks: never shared
        return cached_json(
            self, self._list, query=LIST_QUERY, keep=lambda data: data["count"] > 0
        )

    def _list(self):
        return super().list(self.request)

    def filter_queryset(self, queryset):
        # The query filters and the ordering are the list's: a product is found by id.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request, *args, **kwargs):
        # An archived product is shown to its seller and staff only: never shared.
        return cached_json(
            self,
            lambda: super(ProductViewSet, self).retrieve(request, *args, **kwargs),
            keep=lambda data: data["is_active"],
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        seller = data.pop("seller", None) or self.request.user
        serializer.instance = services.product_create(
            seller=seller, user=self.request.user, **data
        )

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            product=serializer.instance,
            user=self.request.user,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.product_archive(product=instance, user=self.request.user)

    @extend_schema(
        request=StockAdjustmentSerializer,
        responses={
            200: ProductSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: STOCK_CONFLICT,
        },
        description="Change a one-variant product's stock by `delta` (atomic; recorded "
        "as a stock movement); 400 `variant_required` for a product with variants.",
    )
    @action(detail=True, methods=["post"], url_path="adjust-stock")
    def adjust_stock(self, request, pk=None):
        product = self.get_object()
        payload = StockAdjustmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        stock_adjust(
            variant=single_variant(product),
            delta=payload.validated_data["delta"],
            reason=StockMovement.Reason.ADJUSTMENT,
            user=request.user,
            note=payload.validated_data["reason"],
        )
        product = get_object_or_404(self.get_queryset(), pk=product.pk)
        return Response(self.get_serializer(product).data, status=status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        responses={
            200: SellerSerializer(many=True),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        }
    ),
    retrieve=extend_schema(
        responses={200: SellerSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND}
    ),
)
class SellerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Sellers and how many active products each offers."""

    serializer_class = SellerSerializer
    filter_backends = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return seller_list()
