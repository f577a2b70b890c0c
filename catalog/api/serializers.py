"""Catalog API serializers: parse and render only; the services do the writing."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from catalog.models import MAX_OPTIONS, Category, Product, ProductImage, Variant
from catalog.stock import MAX_STOCK
from catalog.variants import (
    OPTION_NAME_MAX_LENGTH,
    OPTION_VALUE_MAX_LENGTH,
    SKU_MAX_LENGTH,
)

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


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "alt", "position"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, image) -> str:
        return _absolute(self.context.get("request"), image.image.url)


class ProductOptionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=OPTION_NAME_MAX_LENGTH)
    values = serializers.ListField(
        child=serializers.CharField(max_length=OPTION_VALUE_MAX_LENGTH),
        min_length=1,
        max_length=50,
    )


class OptionValuesField(serializers.DictField):
    """``{option name: value}``: strings only, one per option."""

    child = serializers.CharField(max_length=OPTION_VALUE_MAX_LENGTH)
    default_error_messages = {
        "too_many": f"A variant names at most {MAX_OPTIONS} option values."
    }

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > MAX_OPTIONS:
            self.fail("too_many")
        return super().to_internal_value(data)


class VariantSerializer(serializers.ModelSerializer):
    """A variant as the API shows it; writes go through catalog.variants."""

    price = PriceField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                       max_value=Decimal("9999999999.99"), coerce_to_string=True)  # fmt: skip
    options = OptionValuesField(required=False, default=dict)
    stock = StrictIntegerField(
        min_value=0, max_value=MAX_STOCK, required=False, default=0
    )
    weight_grams = StrictIntegerField(
        min_value=0, max_value=1_000_000, required=False, default=0
    )
    sku = serializers.CharField(max_length=SKU_MAX_LENGTH, required=False)
    in_stock = serializers.BooleanField(read_only=True)
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = ["id", "sku", "options", "price", "stock", "in_stock", "weight_grams",
                  "image_url", "is_active"]  # fmt: skip
        read_only_fields = ["id", "is_active"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, variant) -> str | None:
        """The variant's own image (null: none); in a product, read from the product's
        prefetched images, not one query per variant."""
        if variant.image_id is None:
            return None
        if Variant.image.is_cached(variant):
            image = variant.image
        else:
            images = variant.product.images.all()
            image = next((i for i in images if i.pk == variant.image_id), None)
        return (
            _absolute(self.context.get("request"), image.image.url) if image else None
        )


class VariantUpdateSerializer(serializers.Serializer):
    """PATCH variants/{id}/: what may change of a variant."""

    price = PriceField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                       max_value=Decimal("9999999999.99"), required=False)  # fmt: skip
    sku = serializers.CharField(max_length=SKU_MAX_LENGTH, required=False)
    weight_grams = StrictIntegerField(min_value=0, max_value=1_000_000, required=False)
    is_active = serializers.BooleanField(required=False)
    image_id = StrictIntegerField(min_value=1, required=False, allow_null=True)

    # What a client may expect to change here but cannot, and why.
    READ_ONLY = {
        "stock": "Stock is read-only here; use POST .../adjust-stock/.",
        "options": "A variant's options cannot change; archive it and add another.",
    }

    def validate(self, attrs):
        for field, message in self.READ_ONLY.items():
            if field in self.initial_data:
                raise serializers.ValidationError({field: [message]})
        return attrs


class ProductSerializer(serializers.ModelSerializer):
    """The API.md product. ``price``, ``stock`` and ``in_stock`` are its variants'
    (lowest price of the active ones, their stock summed); on create, either ``price``
    and ``stock`` (one variant) or ``options`` and ``variants``."""

    price = PriceField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999999.99"),
        coerce_to_string=True,
        required=False,
    )
    stock = StrictIntegerField(
        min_value=0,
        max_value=MAX_STOCK,
        required=False,
        help_text="Initial stock of a one-variant product. Read: the active variants' sum.",
    )
    sku = serializers.CharField(
        max_length=SKU_MAX_LENGTH, required=False, write_only=True
    )
    weight_grams = StrictIntegerField(
        min_value=0, max_value=1_000_000, required=False, write_only=True
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
    images = ProductImageSerializer(many=True, read_only=True)
    options = ProductOptionSerializer(many=True, required=False)
    variants = VariantSerializer(many=True, required=False)

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
            "images",
            "options",
            "variants",
            "sku",
            "weight_grams",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "slug", "created_at", "updated_at"]
        extra_kwargs = {"name": {"max_length": 200}}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, product) -> str | None:
        images = list(product.images.all())
        if not images:
            return None
        return _absolute(self.context.get("request"), images[0].image.url)

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate(self, attrs):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if self.instance is not None:
            # Stock changes only through adjust-stock, so every change leaves a movement
            # (sent back as it is, e.g. a PUT of what was read, it is no change).
            if "stock" in self.initial_data and (
                self.initial_data["stock"] != self.instance.stock
            ):
                raise serializers.ValidationError(
                    {"stock": ["Stock is read-only here; use POST .../adjust-stock/."]}
                )
            attrs.pop("stock", None)
            for field in ("options", "variants", "sku", "weight_grams"):
                if field in self.initial_data:
                    raise serializers.ValidationError(
                        {field: ["Change variants through their own endpoints."]}
                    )
            if "seller" in self.initial_data and (
                self.initial_data["seller"] != self.instance.seller_id
            ):
                raise serializers.ValidationError(
                    {"seller": ["The seller of a product cannot be changed."]}
                )
            attrs.pop("seller", None)
            return attrs
        if "seller" in attrs and not getattr(user, "is_staff", False):
            if attrs["seller"] != user:
                raise serializers.ValidationError(
                    {"seller": ["Only staff may create products for another seller."]}
                )
        if "variants" in attrs:
            for field in ("price", "stock", "sku", "weight_grams"):
                if field in attrs:
                    raise serializers.ValidationError(
                        {field: ["Give it per variant when the product has variants."]}
                    )
        elif "options" in attrs:
            raise serializers.ValidationError(
                {"variants": ["A product with options needs its variants."]}
            )
        elif "price" not in attrs:
            raise serializers.ValidationError({"price": ["This field is required."]})
        return attrs


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP, at most 10 MB.")
    alt = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


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
    variant_id = serializers.IntegerField()
