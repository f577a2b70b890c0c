"""Carts for checkout tests, written straight into the cart store."""

from cart.cart import Cart, new_token
from cart.store import CartLine, get_store
from catalog.models import Product, Variant


def as_variant(item: Product | Variant) -> Variant:
    """A variant, or the variant of a one-variant product."""
    return item.variants.get() if isinstance(item, Product) else item


def cart_with(lines, *, coupon: str | None = None, user=None) -> Cart:
    """A cart (the user's, or a new anonymous one) holding ``[(variant, quantity), ...]``
    (a one-variant product stands for its variant)."""
    cart = Cart.for_user(user) if user is not None else Cart.for_token(new_token())
    store = get_store()
    store.touch(cart.id)
    for item, quantity in lines:
        variant = as_variant(item)
        store.add(cart.id, CartLine(variant.pk, quantity, variant.price))
    if coupon:
        store.set_coupon(cart.id, coupon)
    return cart
