"""Auth API under /api/v1/auth/: register, token, refresh, logout and me (API.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPES
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.api.serializers import (
    AuthErrorSerializer,
    AuthResultSerializer,
    CredentialsSerializer,
    EmailTokenObtainSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    RotatingTokenRefreshSerializer,
    TokenPairSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from accounts.services import user_register, user_update_profile

TAG = "auth"
VALIDATION_ERROR = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Invalid input: a field map (`{"email": ["..."]}`) or `{detail, code}`.',
)
ERROR_RESPONSES = {
    400: VALIDATION_ERROR,
    415: OpenApiResponse(AuthErrorSerializer, description="The body is not JSON."),
}
NOT_AUTHENTICATED = OpenApiResponse(
    AuthErrorSerializer, description="Missing, invalid or expired credentials."
)
THROTTLED = OpenApiResponse(
    AuthErrorSerializer, description="Too many attempts; retry later."
)


class CredentialViewMixin:
    # For endpoints whose credential is in the body no JWT is read from the headers:
    # a stale access token in the Authorization header must not stop a login. A 401
    # still needs a WWW-Authenticate header (DRF would otherwise turn it into a 403).

    authentication_classes = ()
    permission_classes = ()

    def get_authenticate_header(self, request):
        return f'{AUTH_HEADER_TYPES[0]} realm="api"'


class RegisterView(CredentialViewMixin, APIView):
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Create a customer or seller account",
        request=RegisterSerializer,
        responses={201: AuthResultSerializer, **ERROR_RESPONSES, 429: THROTTLED},
        auth=[],
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        body = {"user": UserSerializer(user).data, **TokenPairSerializer.for_user(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(CredentialViewMixin, APIView):
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Log in with email and password",
        request=CredentialsSerializer,
        responses={
            200: TokenPairSerializer,
            **ERROR_RESPONSES,
            401: NOT_AUTHENTICATED,
            429: THROTTLED,
        },
        auth=[],
    )
    def post(self, request):
        serializer = EmailTokenObtainSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class TokenRefreshView(CredentialViewMixin, APIView):
    @extend_schema(
        tags=[TAG],
        summary="Trade a refresh token for a new pair (the old one is blacklisted)",
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, **ERROR_RESPONSES, 401: NOT_AUTHENTICATED},
        auth=[],
    )
    def post(self, request):
        serializer = RotatingTokenRefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(serializer.validated_data)


class LogoutView(CredentialViewMixin, APIView):
    @extend_schema(
        tags=[TAG],
        summary="Blacklist a refresh token",
        request=RefreshTokenSerializer,
        responses={
            204: OpenApiResponse(
                description="The refresh token can no longer be used."
            ),
            **ERROR_RESPONSES,
            401: NOT_AUTHENTICATED,
        },
        auth=[],
    )
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        tags=[TAG],
        summary="The logged-in user",
        responses={200: UserSerializer, 401: NOT_AUTHENTICATED},
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        tags=[TAG],
        summary="Change the logged-in user's name",
        description="Only `name` can be changed; other fields are ignored.",
        request=UserUpdateSerializer,
        responses={200: UserSerializer, **ERROR_RESPONSES, 401: NOT_AUTHENTICATED},
    )
    def patch(self, request):
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request.user
        if "name" in serializer.validated_data:
            user = user_update_profile(
                user=user, name=serializer.validated_data["name"]
            )
        return Response(UserSerializer(user).data)
