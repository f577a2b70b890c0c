from django.urls import path

from accounts import account_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.ShopLoginView.as_view(), name="login"),
    path("register/", views.register, name="register"),
    path("logout/", views.ShopLogoutView.as_view(), name="logout"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path(
        "password-reset/done/",
        views.password_reset_done,
        name="password-reset-done",
    ),
    path(
        "reset/<str:uid>/<str:token>/",
        views.password_reset_confirm_page,
        name="password-reset-confirm",
    ),
    path(
        "reset/done/",
        views.password_reset_complete,
        name="password-reset-complete",
    ),
    path(
        "verify/<str:uid>/<str:token>/",
        views.verify_email_page,
        name="verify-email",
    ),
]

#: The /account/ page and its forms, in the storefront's ``shop:`` namespace
#: (shop/storefront.py).
account_pages = [
    path("account/", account_views.account, name="account"),
    path("account/profile/", account_views.profile, name="account-profile"),
    path(
        "account/password/",
        account_views.password_change,
        name="account-password",
    ),
    path(
        "account/verify/resend/",
        account_views.verification_resend,
        name="account-verify-resend",
    ),
    path(
        "account/addresses/add/",
        account_views.address_add,
        name="account-address-add",
    ),
    path(
        "account/addresses/<int:address_id>/",
        account_views.address_edit,
        name="account-address-edit",
    ),
    path(
        "account/addresses/<int:address_id>/delete/",
        account_views.address_remove,
        name="account-address-delete",
    ),
    path(
        "account/addresses/<int:address_id>/default/",
        account_views.address_make_default,
        name="account-address-default",
    ),
]
