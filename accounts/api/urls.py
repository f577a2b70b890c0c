"""Routes of the auth API under /api/v1/auth/ (URL names in the ``api:`` namespace)."""

from django.urls import path

from accounts.api import views
from accounts.api.facebook import FacebookLoginView

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("token/", views.TokenView.as_view(), name="auth-token"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("facebook/", FacebookLoginView.as_view(), name="auth-facebook"),
]
