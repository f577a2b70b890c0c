"""The cart lives in Redis (cart.store); it has no database models or admin."""
