"""``POST /api/v1/auth/facebook/``: sign in with a Facebook access token (API.md "Auth").

social-auth runs its real pipeline (``backend.do_auth``), exactly as the page login does;
with ``X-Cart-Token`` the anonymous cart is merged into the user's by the cart's
``user_logged_in`` receiver, as for a session sign-in.
"""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from requests import RequestException
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView
from social_core.exceptions import (
    AuthAssociationError,
    AuthPolicyError,
    SocialAuthBaseException,
)
from social_django.utils import load_backend, load_strategy

from accounts.api.serializers import (
    AuthResultSerializer,
    ErrorSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.pipeline import FacebookLinkRefused
from shop.exceptions import NotFound, ShopError

logger = logging.getLogger(__name__)

CART_TOKEN = OpenApiParameter(
    "X-Cart-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="An anonymous cart to merge into the user's cart.",
)  # fmt: skip


class FacebookLinkRefusedError(ShopError):
    code = "facebook_link_refused"
    default_detail = (
        "This Facebook account cannot be linked to the account with its email."
    )


class FacebookLoginSerializer(serializers.Serializer):
    access_token = serializers.CharField(max_length=4096, trim_whitespace=True)


class FacebookLoginView(APIView):
    authentication_classes = ()
    permission_classes = ()
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        return "Bearer"

    @extend_schema(
        operation_id="auth_facebook",
        summary="Sign in with a Facebook access token",
        parameters=[CART_TOKEN],
        request=FacebookLoginSerializer,
        responses={
            200: AuthResultSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Invalid input (a field map), or `facebook_link_refused`: "
                "an account has this email but is unverified or staff; sign in "
                "with the password and verify the email first.",
            ),
            401: OpenApiResponse(
                ErrorSerializer, description="Facebook refused the token."
            ),
            403: OpenApiResponse(
                ErrorSerializer, description="The account cannot sign in."
            ),
            404: OpenApiResponse(
                ErrorSerializer, description="Facebook login is not configured."
            ),
            429: OpenApiResponse(ErrorSerializer, description="Too many attempts."),
            503: OpenApiResponse(
                ErrorSerializer, description="A backing service is down."
            ),
        },
        tags=["auth"],
    )
    def post(self, request):
        if not (
            settings.SOCIAL_AUTH_FACEBOOK_KEY and settings.SOCIAL_AUTH_FACEBOOK_SECRET
        ):
            # API.md: not offered on this shop (not an outage), whatever the body.
            raise NotFound("Facebook login is not available on this shop.")
        serializer = FacebookLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        strategy = load_strategy(request._request)
        backend = load_backend(strategy, "facebook", redirect_uri=None)
        try:
            user = backend.do_auth(serializer.validated_data["access_token"])
        except FacebookLinkRefused as exc:
            raise FacebookLinkRefusedError(exc.detail) from None
        except AuthPolicyError as exc:
            raise PermissionDenied(exc.detail or str(exc)) from None
        except AuthAssociationError:
            # The email belongs to an account that cannot take this identity (a
            # deactivated one): the token was fine, this account may not sign in.
            raise PermissionDenied(
                "This Facebook account cannot sign in to this shop."
            ) from None
        except (SocialAuthBaseException, RequestException, ValueError) as exc:
            logger.info("facebook login refused: %r", exc)
            raise AuthenticationFailed(
                "Facebook did not accept this access token.",
                code="facebook_auth_failed",
            ) from None
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                "This Facebook account cannot sign in.", code="facebook_auth_failed"
            )
        # As a session sign-in does: the cart's receiver merges X-Cart-Token's cart.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(
            {"user": UserSerializer(user).data, **TokenPairSerializer.for_user(user)},
            status=status.HTTP_200_OK,
        )
