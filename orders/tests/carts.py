"""Carts for checkout tests, written straight into the cart store."""

from cart.cart import Cart, new_token
from cart.store import CartLine, get_store


def cart_with(lines, *, coupon: str | None = None, user=None) -> Cart:
    """A cart (the user's, or a new anonymous one) holding ``[(product, quantity), ...]``."""
    cart = Cart.for_user(user) if user is not None else Cart.for_token(new_token())
    store = get_store()
    store.touch(cart.id)
    for product, quantity in lines:
        store.add(cart.id, CartLine(product.pk, quantity, product.price))
    if coupon:
        store.set_coupon(cart.id, coupon)
    return cart
