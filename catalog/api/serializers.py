"""Catalog API serializers: parse and render only; the services do the writing."""

import datetime
import functools
from decimal import Decimal

from django.utils import timezone
from django.utils.encoding import iri_to_uri
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from catalog.models import Category, Product
from catalog.services import MAX_STOCK

MAX_DELTA = 1_000_000


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(serializers.IntegerField):
    """An integer that must be a JSON integer: ``"5"``, ``5.0`` and ``true`` are refused."""

    default_error_messages = {"invalid": "A whole number is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        # Not zero (at least 0.01): the lookahead keeps generated examples honest.
        "pattern": r"^(?!0*(\.0{0,2})?$)[0-9]{1,10}(\.[0-9]{1,2})?$",
        "example": "19.90",
        "description": "At least 0.01, below 10^10, at most 2 decimal places.",
    }
)
class PriceField(serializers.DecimalField):
    """Money in, as a decimal string with at most two places."""


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text="Slug of the parent category, or null for a top-level one.",
    )
    slug = serializers.SlugField(
        max_length=120, required=False, help_text="Made from the name when left out."
    )

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "parent"]
        extra_kwargs = {"name": {"max_length": 100}}


class ProductSerializer(serializers.ModelSerializer):
    """The API.md product. ``stock`` is set on create; later it changes only via adjust-stock."""

    price = PriceField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999999.99"),
        coerce_to_string=True,
    )
    stock = StrictIntegerField(
        min_value=0,
        max_value=MAX_STOCK,
        required=False,
        default=0,
        help_text="Initial stock on create. Read-only afterwards: use adjust-stock.",
    )
    in_stock = serializers.BooleanField(read_only=True)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), help_text="Category slug."
    )
    seller = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=User.Role.SELLER),
        pk_field=serializers.IntegerField(),  # 1.5 is refused, not truncated to 1
        required=False,
        help_text="Id of the seller. Only staff may name one; a seller always sells as itself.",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=10_000, default=""
    )
    is_active = serializers.BooleanField(required=False, default=True)
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "price",
            "stock",
            "in_stock",
            "category",
            "seller",
            "is_active",
            "image_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "slug", "created_at", "updated_at"]
        extra_kwargs = {"name": {"max_length": 200}}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, product) -> str | None:
        if not product.image:
            return None
        url = product.image.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate(self, attrs):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if self.instance is not None:
            # Stock changes only through adjust-stock, so every change leaves a movement.
            if (
                "stock" in self.initial_data
                and self.initial_data["stock"] != self.instance.stock
            ):
                raise serializers.ValidationError(
                    {"stock": ["Stock is read-only here; use POST .../adjust-stock/."]}
                )
            attrs.pop("stock", None)
            if "seller" in self.initial_data and (
                self.initial_data["seller"] != self.instance.seller_id
            ):
                raise serializers.ValidationError(
                    {"seller": ["The seller of a product cannot be changed."]}
                )
            attrs.pop("seller", None)
        elif "seller" in attrs and not getattr(user, "is_staff", False):
            if attrs["seller"] != user:
                raise serializers.ValidationError(
                    {"seller": ["Only staff may create products for another seller."]}
                )
        return attrs


class StockAdjustmentSerializer(serializers.Serializer):
    delta = StrictIntegerField(
        min_value=-MAX_DELTA,
        max_value=MAX_DELTA,
        help_text="Units to add (positive) or take away (negative); not 0.",
    )
    reason = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the stock changed; kept on the stock movement.",
    )

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("A change of 0 is not a change.")
        return value


class SellerSerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "name", "product_count"]
        read_only_fields = fields


class CatalogErrorSerializer(serializers.Serializer):
    """An error of the catalog API: ``{detail, code}``."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


class StockConflictSerializer(CatalogErrorSerializer):
    """409 of adjust-stock: the stock would go below zero."""

    available = serializers.IntegerField()
    product_id = serializers.IntegerField()


# --- the product list's fast path -------------------------------------------------------
# A page of the product list is rendered from ``.values()`` rows by ``product_rows``
# instead of ProductSerializer(many=True): the same JSON (ProductSerializer still
# documents it and handles writes), without building a model instance and walking
# thirteen serializer fields per row, which is most of the list's CPU time.

PRODUCT_LIST_VALUES = (
    "id",
    "slug",
    "name",
    "description",
    "price",
    "stock",
    "category__slug",
    "seller_id",
    "is_active",
    "image",
    "created_at",
    "updated_at",
)


@functools.cache
def _row_renderers():
    """ProductSerializer's own price field and a DateTimeField, built once: constructing a
    ModelSerializer's fields deep-copies them, which cost more than rendering the rows."""
    return (
        ProductSerializer().fields["price"].to_representation,
        serializers.DateTimeField().to_representation,
    )


def _absolute_url(request):
    """``request.build_absolute_uri`` with the scheme and host worked out once."""
    if request is None:
        return lambda url: url
    base = request.build_absolute_uri("/")

    def absolute(url: str) -> str:
        # The plain case of build_absolute_uri (a path without ./ or ../) is a prefix.
        if (
            url.startswith("/")
            and not url.startswith("//")
            and "/./" not in url
            and ("/../" not in url)
        ):
            return iri_to_uri(base + url[1:])
        return request.build_absolute_uri(url)

    return absolute


def _utc_renderer(render):
    """DRF's DateTimeField rendering, for a value already in UTC while UTC is the
    current time zone straight from ``isoformat`` (what DRF does after converting it to
    that zone, a no-op here): the list renders two per row."""
    if timezone.get_current_timezone_name() != "UTC":  # once per call: a Local lookup
        return render
    utc = datetime.UTC

    def when(value):
        if value is not None and value.tzinfo is utc:
            text = value.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return render(value)

    return when


def product_rows(rows, request) -> list[dict]:
    """``.values(*PRODUCT_LIST_VALUES)`` rows in ProductSerializer's JSON shape."""
    price, when = _row_renderers()
    when = _utc_renderer(when)
    storage = Product._meta.get_field("image").storage
    absolute = None
    data = []
    for row in rows:
        image = row["image"]
        if image:
            absolute = absolute or _absolute_url(request)
            image = absolute(storage.url(image))
        data.append(
            {
                "id": row["id"],
                "slug": row["slug"],
                "name": row["name"],
                "description": row["description"],
                "price": price(row["price"]),
                "stock": row["stock"],
                "in_stock": row["stock"] > 0,
                "category": row["category__slug"],
                "seller": row["seller_id"],
                "is_active": row["is_active"],
                "image_url": image or None,
                "created_at": when(row["created_at"]),
                "updated_at": when(row["updated_at"]),
            }
        )
    return data
