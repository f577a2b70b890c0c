"""Storefront pages (namespace shop:)."""

from django.urls import path

from orders import views

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/pay/", views.order_pay_view, name="order-pay"),
]
