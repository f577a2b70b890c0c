"""The cart has no admin: carts live in Redis, not in the database."""
