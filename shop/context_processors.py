from django.conf import settings


def shop(request):
    """Values every storefront template needs."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "FACEBOOK_LOGIN_ENABLED": bool(
            settings.SOCIAL_AUTH_FACEBOOK_KEY and settings.SOCIAL_AUTH_FACEBOOK_SECRET
        ),
    }
