"""Staff CRUD of coupons under /api/v1/coupons/: parse, call a service, render."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response

from catalog.models import Category, Product
from coupons.api.serializers import CouponSerializer
from coupons.models import Coupon
from coupons.services import coupon_delete, coupon_save


class CouponErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


ERRORS = {
    401: OpenApiResponse(CouponErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(CouponErrorSerializer, description="Not staff."),
}
NOT_FOUND = {404: OpenApiResponse(CouponErrorSerializer, description="No such coupon.")}
INVALID = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Validation errors: a map of field to messages.",
    )
}


@extend_schema_view(
    list=extend_schema(
        summary="List coupons (staff)",
        responses={
            200: CouponSerializer(many=True),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="A bad filter value."
            ),
            404: OpenApiResponse(CouponErrorSerializer, description="No such page."),
            **ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="A coupon (staff)",
        responses={200: CouponSerializer, **ERRORS, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Create a coupon (staff)",
        responses={201: CouponSerializer, **INVALID, **ERRORS},
    ),
    update=extend_schema(
        summary="Replace a coupon (staff)",
        responses={200: CouponSerializer, **INVALID, **ERRORS, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change a coupon (staff)",
        responses={200: CouponSerializer, **INVALID, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete an unused coupon (staff)",
        responses={
            204: None,
            409: OpenApiResponse(
                CouponErrorSerializer,
                description="Used by orders (code coupon_in_use): deactivate it instead.",
            ),
            **ERRORS,
            **NOT_FOUND,
        },
    ),
)
class CouponViewSet(viewsets.ModelViewSet):
    serializer_class = CouponSerializer
    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return (
            Coupon.objects.with_times_used()
            .prefetch_related(
                Prefetch(
                    "products", queryset=Product.objects.only("pk").order_by("pk")
                ),
                Prefetch(
                    "categories",
                    queryset=Category.objects.only("pk", "slug").order_by("slug"),
                ),
            )
            .order_by("code", "pk")
        )

    def _saved(
        self, serializer, *, coupon: Coupon | None, status_code: int
    ) -> Response:
        data = dict(serializer.validated_data)
        coupon = coupon_save(
            coupon=coupon,
            products=data.pop("products", None),
            categories=data.pop("categories", None),
            **data,
        )
        # Re-read through the queryset for times_used and the scope, as a GET shows it.
        fresh = self.get_queryset().get(pk=coupon.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._saved(serializer, coupon=None, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        coupon = self.get_object()
        serializer = self.get_serializer(
            coupon, data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        return self._saved(serializer, coupon=coupon, status_code=status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        coupon_delete(coupon=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
