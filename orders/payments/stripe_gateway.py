"""Stripe through the official library: one PaymentIntent per order, refunds on it, and
its signed webhooks. A StripeClient per gateway (keys and API base from settings), so
no global state of the ``stripe`` module is touched."""

import json
import logging
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils.functional import cached_property

from orders.payments.base import (
    GatewayRefused,
    GatewayUnavailable,
    InvalidWebhook,
    PayResult,
    RefundResult,
    WebhookEvent,
    from_minor_units,
    to_minor_units,
)

logger = logging.getLogger(__name__)

#: Stripe's PaymentIntent statuses as the shop's Payment statuses.
INTENT_STATUS = {
    "requires_payment_method": "requires_payment",
    "requires_confirmation": "requires_payment",
    "requires_action": "requires_payment",
    "processing": "processing",
    "requires_capture": "processing",
    "succeeded": "succeeded",
    "canceled": "failed",
}
#: Errors worth retrying (the network, Stripe's side, its rate limit); others are final.
TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


class StripeGateway:
    provider = "stripe"
    pays_at_once = False

    @cached_property
    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            # Retries send the same idempotency key: never a second intent or refund.
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=(5, 20)),
        )

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TRANSIENT as exc:
            logger.warning("Stripe is unavailable: %r", exc)
            raise GatewayUnavailable() from exc
        except stripe.StripeError as exc:
            logger.error("Stripe refused a request: %r", exc)
            raise GatewayRefused(
                f"The payment provider refused: {exc.user_message or exc}"
            ) from exc

    def pay(self, *, order, payment, payment_token: str = "") -> PayResult:
        """The order's PaymentIntent: created once (the idempotency key makes a retried
        or concurrent create return the same intent), then returned as stored."""
        if payment.reference:
            return PayResult(
                reference=payment.reference,
                status=payment.status,
                client_secret=payment.client_secret,
            )
        intent = self._call(
            self.client.v1.payment_intents.create,
            params={
                "amount": to_minor_units(order.total, order.currency),
                "currency": order.currency.lower(),
                "metadata": {"order": order.number},
                "payment_method_types": ["card"],
            },
            options={"idempotency_key": f"order-{order.number}-pay"},
        )
        return PayResult(
            reference=intent.id,
            status=INTENT_STATUS.get(intent.status, "requires_payment"),
            client_secret=intent.client_secret,
        )

    def intent_status(self, *, reference: str) -> str:
        """The intent's status now, as a Payment status."""
        intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        return INTENT_STATUS.get(intent.status, "requires_payment")

    def refund(
        self,
        *,
        charge_reference: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str = "",
    ) -> RefundResult:
        options = {"idempotency_key": idempotency_key} if idempotency_key else {}
        refund = self._call(
            self.client.v1.refunds.create,
            params={
                "payment_intent": charge_reference,
                "amount": to_minor_units(amount, currency),
            },
            options=options,
        )
        return RefundResult(
            reference=refund.id,
            amount=from_minor_units(refund.amount, currency),
            currency=currency,
        )

    def cancel(self, *, reference: str) -> bool:
        try:
            self._call(self.client.v1.payment_intents.cancel, reference)
        except GatewayRefused:
            return False  # succeeded or processing already: the webhook refunds it
        return True

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent:
        if not settings.STRIPE_WEBHOOK_SECRET:  # never verify against an empty key
            raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not set.")
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, settings.STRIPE_WEBHOOK_SECRET
            )
        except (
            ValueError,  # not JSON (or not UTF-8)
            AttributeError,  # JSON, but not an object
            TypeError,
            KeyError,
            stripe.SignatureVerificationError,
        ) as exc:
            raise InvalidWebhook() from exc
        try:
            data = json.loads(payload)
            obj = data["data"]["object"]
            is_intent = obj.get("object") == "payment_intent"
            amount = obj.get("amount_received") or obj.get("amount")
            return WebhookEvent(
                id=str(data["id"]),
                type=str(data["type"]),
                reference=str(obj.get("id", "")) if is_intent else "",
                amount_minor=amount if isinstance(amount, int) else None,
                currency=str(obj.get("currency") or "").lower(),
                data=obj,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidWebhook(f"Not a Stripe event: {event!r:.100}") from exc
