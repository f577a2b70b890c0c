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
        fields = ["id", "email", "name", "role", "is_staff"]
        read_only_fields = ["id", "email", "role", "is_staff"]


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
