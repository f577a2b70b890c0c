"""The back office's admin site: the shop's name, a navigation grouped by what staff do,
and the sales dashboard on the index (orders.reports)."""

from django.conf import settings
from django.contrib import admin

#: Where each model shows in the navigation, by (app label, model name); anything not
#: named here goes to "Settings". Technical tables (social-auth, token blacklist) go
#: last, under "Technical", out of the way.
GROUPS = {
    "Catalog": [
        ("catalog", "category"),
        ("catalog", "product"),
        ("catalog", "variant"),
        ("catalog", "stockmovement"),
        ("catalog", "importjob"),
        ("catalog", "backinstockrequest"),
    ],
    "Orders": [("orders", "order"), ("orders", "refund")],
    "Customers": [("accounts", "user"), ("accounts", "address")],
    "Marketing": [("coupons", "coupon"), ("coupons", "couponredemption")],
    "Settings": [
        ("orders", "shippingzone"),
        ("orders", "shippingmethod"),
        ("orders", "taxrate"),
        ("auth", "group"),
    ],
}
TECHNICAL_APPS = {"social_django", "token_blacklist", "django_celery_beat"}


class ShopAdminSite(admin.AdminSite):
    index_template = "admin/shop_index.html"

    @property
    def site_header(self):
        return f"{settings.SHOP_NAME} back office"

    @property
    def site_title(self):
        return settings.SHOP_NAME

    index_title = "Today in the shop"

    #: ``(request) -> dict``: the index's dashboard context, or None. The orders app
    #: sets it (orders/admin/dashboard.py): the shop app imports no app above it.
    dashboard = None

    def index(self, request, extra_context=None):
        if self.dashboard is not None:
            extra_context = {**(extra_context or {}), **self.dashboard(request)}
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        """The apps' models regrouped into the sections of :data:`GROUPS` (an app's own
        page, ``app_label`` given, keeps Django's list)."""
        apps = super().get_app_list(request, app_label)
        if app_label:
            return apps
        models = {
            (app["app_label"], model["object_name"].lower()): (app, model)
            for app in apps
            for model in app["models"]
        }
        sections = []
        for name, keys in GROUPS.items():
            found = [models.pop(key) for key in keys if key in models]
            sections.append(_section(name, found))
        technical = [
            models.pop(key) for key in list(models) if key[0] in TECHNICAL_APPS
        ]
        sections[-1]["models"] += [model for _, model in models.values()]
        sections.append(_section("Technical", technical))
        return [section for section in sections if section["models"]]


def _section(name: str, found: list) -> dict:
    app_url = found[0][0]["app_url"] if found else ""
    return {
        "name": name,
        "app_label": name.lower(),
        "app_url": app_url,
        "has_module_perms": True,
        "models": [model for _, model in found],
    }
