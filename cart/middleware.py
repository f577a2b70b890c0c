"""Puts ``request.cart`` on every request, lazily: nothing is looked up until it is used."""

from django.utils.functional import SimpleLazyObject

from cart.selectors import cart_for_page


class CartMiddleware:
    """``request.cart``: the signed-in user's cart, else the session's anonymous one.

    Evaluated at first use, i.e. after DRF has authenticated an API request (DRF sets
    ``request._request.user``), so a JWT user gets their own cart here too. Building the
    handle costs no Redis call; an anonymous visitor's token is saved in the session only
    when the cart is first written to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.cart = SimpleLazyObject(lambda: cart_for_page(request))
        return self.get_response(request)
