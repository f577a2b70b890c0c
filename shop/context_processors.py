from django.conf import settings
from django.utils.functional import SimpleLazyObject


def shop(request):
    """Values every storefront template needs."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "FACEBOOK_LOGIN_ENABLED": bool(
            settings.SOCIAL_AUTH_FACEBOOK_KEY and settings.SOCIAL_AUTH_FACEBOOK_SECRET
        ),
        # Lazy: one query, only on pages that show the menu.
        "nav_categories": SimpleLazyObject(_nav_categories),
    }


def _nav_categories():
    from catalog.selectors import category_tree

    return category_tree()
