from django.conf import settings


def shop(request):
    """Values every storefront template needs (the menu's categories come from
    ``catalog.context_processors``: shop imports no app above it)."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "FACEBOOK_LOGIN_ENABLED": bool(
            settings.SOCIAL_AUTH_FACEBOOK_KEY and settings.SOCIAL_AUTH_FACEBOOK_SECRET
        ),
    }
