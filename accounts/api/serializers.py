"""Serializers of the auth API: they parse and render; accounts.services decides."""

from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.services import PASSWORD_MAX_LENGTH, SELF_REGISTER_ROLES


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers instead of coercing them (as the schema says)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class UserSerializer(serializers.ModelSerializer):
    """The public shape of a user; only ``name`` can be changed by its owner."""

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "is_staff", "email_verified"]
        read_only_fields = ["id", "email", "role", "is_staff", "email_verified"]


class UserUpdateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=150, allow_blank=True)


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
    )
    name = StrictCharField(max_length=150)
    role = serializers.ChoiceField(
        choices=[c for c in User.Role.choices if c[0] in SELF_REGISTER_ROLES],
        default=User.Role.CUSTOMER,
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    @staticmethod
    def for_user(user: User) -> dict:
        refresh = RefreshToken.for_user(user)
        return {"access": str(refresh.access_token), "refresh": str(refresh)}


class AuthResultSerializer(TokenPairSerializer):
    user = UserSerializer(read_only=True)


class EmailTokenObtainSerializer(TokenObtainPairSerializer):
    """simplejwt's login, with the email parsed as an email (a malformed one is a 400)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.EmailField(
            write_only=True, max_length=254
        )
        self.fields["password"] = StrictCharField(
            write_only=True,
            trim_whitespace=False,
            max_length=PASSWORD_MAX_LENGTH,
            style={"input_type": "password"},
        )


class CredentialsSerializer(serializers.Serializer):
    """The documented request of ``token/`` (simplejwt builds its fields at runtime)."""

    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=PASSWORD_MAX_LENGTH)


class RotatingTokenRefreshSerializer(TokenRefreshSerializer):
    """Rotation that cannot hand out two successors for one refresh token.

    The token's outstanding row is locked first, so of two concurrent refreshes with the
    same token the second sees it blacklisted. A token whose user is gone is refused.
    """

    refresh = StrictCharField()

    def validate(self, attrs):
        with transaction.atomic():
            token = self.token_class(attrs["refresh"])
            jti = token.get("jti")
            locked = OutstandingToken.objects.select_for_update().filter(jti=jti)
            # order_by(): the model's default ordering joins the nullable user, and
            # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
            list(locked.order_by().values_list("pk", flat=True))
            token.check_blacklist()
            try:
                return super().validate(attrs)
            except User.DoesNotExist:
                raise AuthenticationFailed(
                    self.error_messages["no_active_account"], "no_active_account"
                ) from None


class RefreshTokenSerializer(serializers.Serializer):
    refresh = StrictCharField()


class AuthErrorSerializer(serializers.Serializer):
    """``{"detail", "code"}``: how every non-validation error of the API is rendered."""

    detail = serializers.CharField()
    code = serializers.CharField()


# The Facebook login view imports this name; the component is still called AuthError
# (catalog has its own "Error" component, and two with one name break the schema).
ErrorSerializer = AuthErrorSerializer


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code, exactly (no names, no alpha-3: API.md)."""

    def __init__(self, **kwargs):
        from django_countries import countries

        super().__init__(choices=[(code, name) for code, name in countries], **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)

    def to_representation(self, value):
        return getattr(value, "code", value) or ""


class PhoneField(StrictCharField):
    """A phone number in international form (``+44 20 7946 0958``), rendered as E.164;
    blank when there is none."""

    default_error_messages = {
        "invalid_phone": "Enter a valid phone number in international form (+...)."
    }

    def to_internal_value(self, data):
        from phonenumber_field.phonenumber import to_python

        value = super().to_internal_value(data)
        if not value:
            return ""
        phone = to_python(value)
        if not phone or not phone.is_valid():
            self.fail("invalid_phone")
        return phone

    def to_representation(self, value):
        return value.as_e164 if value else ""


class AddressSerializer(serializers.Serializer):
    """The fields of a postal address (no id, no default): the address book's body and
    the checkout's ``shipping_address``. Render an Address with it, or validate a body
    and pass ``validated_data`` to ``accounts.addresses.address_create``."""

    name = StrictCharField(max_length=150)
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    city = StrictCharField(max_length=100)
    postcode = StrictCharField(max_length=20)
    region = StrictCharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    country = CountryCodeField()
    phone = PhoneField(max_length=32, required=False, allow_blank=True, default="")


class UserAddressSerializer(AddressSerializer):
    """An entry of the signed-in user's address book (API.md)."""

    id = serializers.IntegerField(read_only=True)
    is_default = serializers.BooleanField(required=False)

    def get_fields(self):
        # id first, is_default last: the order API.md writes the shape in.
        fields = super().get_fields()
        return {"id": fields.pop("id"), **fields}


def _password_field() -> StrictCharField:
    return StrictCharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
    )


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class LinkSerializer(serializers.Serializer):
    """The two parts of a mailed link: ``/accounts/.../<uid>/<token>/``."""

    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=64)


class PasswordResetConfirmSerializer(LinkSerializer):
    password = _password_field()


class PasswordChangeSerializer(serializers.Serializer):
    current_password = _password_field()
    password = _password_field()
