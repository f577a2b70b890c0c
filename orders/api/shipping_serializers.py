"""Shipping and tax shapes of API.md: the staff's zones, methods and tax rates, and a
cart's shipping quotes. Serializers parse and render; orders.shipping validates."""

from decimal import Decimal

from django_countries import countries
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import AddressSerializer
from orders.models import ShippingMethod, ShippingZone, TaxRate

MAX_BIGINT = 2**63 - 1
MAX_SMALL = 32767
MAX_COUNTRIES = 300
COUNTRY_CODE = {"max_length": 2, "help_text": "An ISO 3166-1 alpha-2 code, e.g. US."}
TEXT_ADDRESS_MAX = 1000
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0")}


class CountriesField(serializers.ListField):
    """The zone's countries: codes in, the stored rows' codes out."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(**COUNTRY_CODE),
            max_length=MAX_COUNTRIES,
            **kwargs,
        )

    def to_representation(self, data):
        # ``.all()`` uses the viewset's prefetch: no query per zone.
        return [row.country.code for row in data.all()]


class ShippingZoneSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=100)
    countries = CountriesField(
        help_text="ISO codes; a country belongs to one zone at most."
    )

    class Meta:
        model = ShippingZone
        fields = ["id", "name", "countries"]
        read_only_fields = ["id"]
        # The name's uniqueness is the service's check (a clear 400, not a validator
        # query per request).
        validators = []


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "description": "grams (weight bands)"},
            {
                "type": "string",
                "format": "decimal",
                "pattern": r"^\d+(\.\d{1,2})?$",
                "description": "an amount (price bands)",
            },
        ]
    }
)
class UpToField(serializers.Field):
    """Grams (an integer) for a weight band, an amount (a decimal string) for a price
    band: which one depends on the method's kind, checked by orders.shipping."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            raise serializers.ValidationError("An integer of grams or an amount.")
        return data

    def to_representation(self, value):
        return value


class BandSerializer(serializers.Serializer):
    up_to = UpToField()
    price = serializers.DecimalField(**MONEY)

    def to_internal_value(self, data):
        # A band is whole even inside a PATCH (the parent's partial would spare it).
        missing = [name for name in ("up_to", "price") if name not in (data or {})]
        if isinstance(data, dict) and missing:
            raise serializers.ValidationError(
                {name: ["This field is required."] for name in missing}
            )
        values = super().to_internal_value(data)
        return {"up_to": values["up_to"], "price": str(values["price"])}

    def to_representation(self, band):
        # Stored normalised by orders.shipping (grams an int, amounts "4.90").
        return {"up_to": band["up_to"], "price": band["price"]}


class ShippingMethodSerializer(serializers.ModelSerializer):
    zone = serializers.PrimaryKeyRelatedField(
        queryset=ShippingZone.objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=MAX_BIGINT),
        help_text="The zone's id.",
    )
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=ShippingMethod.Kind.choices)
    price = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="flat: required; the band kinds: ignored and null.",
    )
    bands = BandSerializer(
        many=True,
        required=False,
        max_length=50,
        help_text="weight, price: ascending up_to; flat: ignored and empty.",
    )
    free_over = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="Free when the subtotal less the discount reaches it.",
    )
    estimated_days = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    is_active = serializers.BooleanField(required=False)

    class Meta:
        model = ShippingMethod
        fields = ["id", "zone", "name", "kind", "price", "bands", "free_over",
                  "estimated_days", "is_active"]  # fmt: skip
        read_only_fields = ["id"]


class TaxRateSerializer(serializers.ModelSerializer):
    country = serializers.CharField(**COUNTRY_CODE)
    rate = serializers.DecimalField(
        max_digits=6,
        decimal_places=5,
        min_value=Decimal("0"),
        max_value=Decimal("0.99999"),
        help_text="A fraction, 0 <= rate < 1: 0.2 for 20 %.",
    )

    class Meta:
        model = TaxRate
        fields = ["id", "country", "rate"]
        read_only_fields = ["id"]
        validators = []

    def to_representation(self, tax_rate):
        data = super().to_representation(tax_rate)
        data["country"] = tax_rate.country.code
        return data


class ShippingQuoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="method.pk")
    name = serializers.CharField(source="method.name")
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    estimated_days = serializers.IntegerField(
        source="method.estimated_days", allow_null=True
    )


class ShippingQuoteQuerySerializer(serializers.Serializer):
    # Documents the query (an enum of the ISO codes); the view checks it itself.
    country = serializers.ChoiceField(
        choices=list(countries), help_text="The ISO code of the shipping country."
    )


class ShippingErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class AddressSnapshotSerializer(serializers.Serializer):
    """An order's address: what the buyer gave at checkout, kept as it was then."""

    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField(allow_blank=True)
    city = serializers.CharField()
    postcode = serializers.CharField()
    region = serializers.CharField(allow_blank=True)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    phone = serializers.CharField(allow_blank=True, help_text="E.164, or blank.")


class ShippingAddressField(serializers.Field):
    """A checkout's ``shipping_address``: an address object, checked by the address
    book's serializer, or the text of the old body."""

    def __init__(self, *, text_max_length: int = TEXT_ADDRESS_MAX, **kwargs):
        self.text = serializers.CharField(max_length=text_max_length)
        super().__init__(**kwargs)
        self.text.bind("shipping_address", self)

    def to_internal_value(self, data):
        if isinstance(data, str):
            return self.text.run_validation(data)
        if not isinstance(data, dict):
            raise serializers.ValidationError("An address object (or its text).")
        body = AddressSerializer(data=data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def to_representation(self, value):
        return value


class OrderAddressField(serializers.Field):
    """An order's ``shipping_address``: its address snapshot, or the old text."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, order):
        return order.address if order.address else order.shipping_address


class ShippingAddressFieldExtension(OpenApiSerializerFieldExtension):
    target_class = ShippingAddressField

    def map_serializer_field(self, auto_schema, direction):
        address = auto_schema.resolve_serializer(AddressSerializer, direction).ref
        text = {"type": "string", "minLength": 1, "maxLength": TEXT_ADDRESS_MAX}
        return {"oneOf": [address, text]}


class OrderAddressFieldExtension(OpenApiSerializerFieldExtension):
    target_class = OrderAddressField

    def map_serializer_field(self, auto_schema, direction):
        snapshot = auto_schema.resolve_serializer(AddressSnapshotSerializer, direction)
        return {"oneOf": [snapshot.ref, {"type": "string"}]}
