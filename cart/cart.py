"""The cart handle: which cart a request talks to. No I/O here.

``id`` is the store id: ``user:<pk>`` for a signed-in user (one cart across devices),
``anon:<token>`` for an anonymous shopper (the token comes from ``POST /api/v1/carts/`` or
lives in the page visitor's session).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

SESSION_KEY = "cart_token"
TOKEN_BYTES = 24  # 192 bits, url-safe base64: 32 characters
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_valid_token(token) -> bool:
    return isinstance(token, str) and bool(TOKEN_RE.match(token))


@dataclass
class Cart:
    id: str
    user: object | None = None
    token: str | None = None
    # A page visitor's cart whose token is not in their session yet: it is saved there on
    # the first write (so that browsing never creates carts), and reads skip the store.
    session: object | None = field(default=None, repr=False, compare=False)
    pending: bool = False

    @property
    def owner(self) -> str:
        """Who the cart belongs to (idempotency keys of checkout are scoped to it)."""
        return self.id

    @property
    def is_api_token(self) -> bool:
        """An API token's cart: made by ``POST /api/v1/carts/`` only, so a write never
        creates (or brings back) it; a gone one is 404 to every request."""
        return self.user is None and self.session is None

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @classmethod
    def for_user(cls, user) -> Cart:
        return cls(id=f"user:{user.pk}", user=user)

    @classmethod
    def for_token(cls, token: str) -> Cart:
        return cls(id=f"anon:{token}", token=token)

    @classmethod
    def for_session(cls, session) -> Cart:
        """The page visitor's cart: the session's token, or a new one saved on first write."""
        token = session.get(SESSION_KEY)
        if is_valid_token(token):
            return cls(id=f"anon:{token}", token=token, session=session)
        token = new_token()
        return cls(id=f"anon:{token}", token=token, session=session, pending=True)

    def persist(self) -> None:
        """Called before a write: a pending session cart gets its token saved in the session."""
        if self.pending and self.session is not None:
            self.session[SESSION_KEY] = self.token
            self.pending = False
