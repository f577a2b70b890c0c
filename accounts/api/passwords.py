"""Auth API for passwords and email verification (API.md "Auth"): reset by a mailed
link, change while signed in, verify the email by its mailed link, and mail it again."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import (
    LinkSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    UserSerializer,
)
from accounts.api.views import (
    ERROR_RESPONSES,
    NOT_AUTHENTICATED,
    TAG,
    THROTTLED,
    CredentialViewMixin,
)
from accounts.services import (
    email_verification_resend,
    password_reset_confirm,
    password_reset_request,
    user_change_password,
    user_verify_email,
)

NO_CONTENT = OpenApiResponse(description="Done; no body.")
LINK_ERRORS = {
    **ERROR_RESPONSES,
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Invalid input (a field map), or `token_invalid`: the link is "
        "wrong, already used or expired.",
    ),
}


class PasswordResetView(CredentialViewMixin, APIView):
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Mail a password-reset link",
        description="Always 204, whether an account has this email or not (nothing "
        "says which); only an account's email is sent a link, to "
        "`/accounts/reset/<uid>/<token>/`.",
        request=PasswordResetRequestSerializer,
        responses={204: NO_CONTENT, **ERROR_RESPONSES, 429: THROTTLED},
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(email=serializer.validated_data["email"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetConfirmView(CredentialViewMixin, APIView):
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Set a new password from a mailed reset link",
        description="The link works once. Every refresh token of the user is "
        "blacklisted.",
        request=PasswordResetConfirmSerializer,
        responses={204: NO_CONTENT, **LINK_ERRORS, 429: THROTTLED},
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_confirm(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Change the signed-in user's password",
        request=PasswordChangeSerializer,
        responses={
            204: NO_CONTENT,
            **ERROR_RESPONSES,
            401: NOT_AUTHENTICATED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_change_password(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(CredentialViewMixin, APIView):
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Verify the email address from its mailed link",
        request=LinkSerializer,
        responses={200: UserSerializer, **LINK_ERRORS, 429: THROTTLED},
        auth=[],
    )
    def post(self, request):
        serializer = LinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_verify_email(**serializer.validated_data)
        return Response(UserSerializer(user).data)


class EmailVerifyResendView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "auth"

    @extend_schema(
        tags=[TAG],
        summary="Mail a new email-verification link",
        description="204; an email already verified is sent nothing.",
        request=None,
        responses={
            204: NO_CONTENT,
            401: NOT_AUTHENTICATED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        email_verification_resend(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
