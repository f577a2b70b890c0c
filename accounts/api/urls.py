"""Routes of the auth API under /api/v1/auth/ (URL names in the ``api:`` namespace)."""

from django.urls import path

from accounts.api import views
from accounts.api.facebook import FacebookLoginView
from accounts.api.passwords import (
    EmailVerifyResendView,
    EmailVerifyView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
)

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("token/", views.TokenView.as_view(), name="auth-token"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("facebook/", FacebookLoginView.as_view(), name="auth-facebook"),
    path("password-reset/", PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "password-reset/confirm/",
        PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path(
        "password/change/",
        PasswordChangeView.as_view(),
        name="auth-password-change",
    ),
    path("email/verify/", EmailVerifyView.as_view(), name="auth-email-verify"),
    path(
        "email/verify/resend/",
        EmailVerifyResendView.as_view(),
        name="auth-email-verify-resend",
    ),
]
