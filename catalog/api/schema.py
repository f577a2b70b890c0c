"""What the catalog API's schema says of its answers: the error responses, and that
reads are public."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

from catalog.api.serializers import CatalogErrorSerializer

BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT, description="Invalid input (field errors)."
)
UNAUTHENTICATED = OpenApiResponse(
    CatalogErrorSerializer, description="Not authenticated."
)
FORBIDDEN = OpenApiResponse(CatalogErrorSerializer, description="Not allowed.")
NOT_FOUND = OpenApiResponse(
    CatalogErrorSerializer, description="Unknown, or not visible to you."
)
CONFLICT = OpenApiResponse(
    CatalogErrorSerializer, description="Conflicts with the current state."
)


class PublicReadSchema(AutoSchema):
    """Reads of the catalog are public: the schema says so (security ``{}``), which the
    custom permission classes hide from drf-spectacular."""

    def get_auth(self):
        auths = super().get_auth()
        if self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths
