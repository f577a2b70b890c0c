"""localstripe (a Stripe emulator) on loopback for the tests, and what Stripe itself
would do around it: sign webhook events, and the buyer's card confirming an intent."""

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import stripe

WEBHOOK_SECRET = "whsec_test_" + "w" * 24
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"

# localstripe binds every interface and pickles its store to /tmp by default: here it
# listens on loopback only and keeps its store in memory.
LAUNCHER = """
import sys
from aiohttp import web
from localstripe import resources, server
resources.Store.dump_to_disk = lambda self: None
web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start() -> tuple[subprocess.Popen, str]:
    """localstripe on a free loopback port; the process and its base address."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe stopped: {process.stderr.read()!r}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("localstripe did not start listening")


def client(api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": api_base})


def buyer_confirms(api_base: str, intent_id: str, card: str = "4242424242424242"):
    """What Stripe.js does when the buyer pays: a card on the intent, confirmed."""
    c = client(api_base)
    method = c.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
        }
    )
    c.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return c.v1.payment_intents.confirm(intent_id)


def event(type_: str, intent: dict, event_id: str | None = None) -> bytes:
    """A Stripe event's body about a PaymentIntent (as Stripe sends it)."""
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "data": {"object": intent},
            "livemode": False,
            "api_version": "2024-06-20",
        }
    ).encode()


def signature(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None):
    """The Stripe-Signature header: t=<time>,v1=HMAC-SHA256(secret, "<time>.<body>")."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256)
    return f"t={at},v1={mac.hexdigest()}"
