from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.ShopLoginView.as_view(), name="login"),
    path("register/", views.register, name="register"),
    path("logout/", views.ShopLogoutView.as_view(), name="logout"),
]
