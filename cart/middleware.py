"""Puts ``request.cart`` on every request, lazily: nothing is looked up until it is used."""

from django.utils.functional import SimpleLazyObject


def _resolve(request):
    from cart.services import cart_for_page

    # Evaluated at first use, i.e. after DRF has authenticated an API request (DRF sets
    # ``request._request.user``), so a JWT user gets their own cart here too.
    return cart_for_page(request)


class CartMiddleware:
    """``request.cart``: the signed-in user's cart, else the session's anonymous one.

    Building the handle costs no Redis call; an anonymous visitor's token is created and
    saved in the session only when the cart is first written to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.cart = SimpleLazyObject(lambda: _resolve(request))
        return self.get_response(request)
