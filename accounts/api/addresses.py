"""``/api/v1/me/addresses/``: the signed-in user's address book (API.md). Thin: parse,
call accounts.addresses, render; another user's address is a 404 like an unknown one."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.addresses import (
    address_create,
    address_delete,
    address_for_user,
    address_update,
    addresses_of,
)
from accounts.api.serializers import AuthErrorSerializer, UserAddressSerializer
from accounts.models import Address

BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Invalid input: a field map (`{"country": ["..."]}`).',
)
UNAUTHENTICATED = OpenApiResponse(
    AuthErrorSerializer, description="Missing, invalid or expired credentials."
)
NOT_FOUND = OpenApiResponse(
    AuthErrorSerializer, description="No such address of yours (or no such page)."
)
NOT_JSON = OpenApiResponse(AuthErrorSerializer, description="The body is not JSON.")
WRITE_ERRORS = {400: BAD_REQUEST, 401: UNAUTHENTICATED, 415: NOT_JSON}


@extend_schema_view(
    list=extend_schema(
        summary="The signed-in user's addresses, the default first",
        responses={
            200: UserAddressSerializer(many=True),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    ),
    retrieve=extend_schema(
        summary="One of the signed-in user's addresses",
        responses={200: UserAddressSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add an address (the first one becomes the default)",
        responses={201: UserAddressSerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(
        summary="Replace an address",
        description="`is_default: true` makes it the one default; `false` leaves the "
        "book without one.",
        responses={200: UserAddressSerializer, **WRITE_ERRORS, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some fields of an address",
        description="`is_default: true` makes it the one default; `false` leaves the "
        "book without one.",
        responses={200: UserAddressSerializer, **WRITE_ERRORS, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete an address",
        description="Deleting the default makes the oldest remaining address the "
        "default.",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    ),
)
class AddressViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = UserAddressSerializer
    permission_classes = [IsAuthenticated]
    queryset = Address.objects.none()  # for the schema; get_queryset is the user's
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return addresses_of(user=self.request.user)

    def get_object(self):
        return address_for_user(user=self.request.user, address_id=self.kwargs["pk"])

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = address_create(user=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(address).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, pk=None, partial=False):
        # 404 before 400: a body is not judged for an address that is not yours.
        address_for_user(user=request.user, address_id=pk)
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        address = address_update(
            user=request.user, address_id=pk, **serializer.validated_data
        )
        return Response(self.get_serializer(address).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        address_delete(user=request.user, address_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


router = SimpleRouter()
router.register("me/addresses", AddressViewSet, basename="address")
urlpatterns = router.urls
