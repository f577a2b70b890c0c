"""Signal receivers of the cart: one line each, calling a service."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from cart.services import cart_login_merge


@receiver(user_logged_in, dispatch_uid="cart.merge_on_login")
def merge_cart_on_login(sender, request, user, **kwargs):
    """Password or Facebook sign-in: the session's anonymous cart joins the user's."""
    cart_login_merge(request=request, user=user)
