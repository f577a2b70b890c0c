"""The sales dashboard on the admin's index (figures from orders.reports), for staff."""

from django.conf import settings

from orders.reports import dashboard


def dashboard_context(request) -> dict:
    if not (request.user.is_active and request.user.is_staff):
        return {}  # sellers: the shop's figures are not theirs to see
    figures = dashboard()
    return {
        "dashboard": figures,
        "currency": settings.SHOP_CURRENCY,
        "chart": {
            "labels": [day.strftime("%d %b") for day, _ in figures.per_day],
            "values": [str(value) for _, value in figures.per_day],
        },
    }
