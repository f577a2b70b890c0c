"""Storefront pages (namespace shop:)."""

urlpatterns = []
