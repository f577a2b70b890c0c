"""The payment provider's webhook: no session, no CSRF token, no API throttle; the
provider's signature is the authentication."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.payments import InvalidWebhook, gateway_class
from orders.payments.events import payment_event_handle


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's signed events: 400 unless the signature is Stripe's; 200 otherwise."""
    try:
        event = gateway_class("stripe")().parse_webhook(
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
        )
    except InvalidWebhook as exc:
        return JsonResponse(exc.as_dict(), status=400)
    outcome = payment_event_handle(provider="stripe", event=event)
    return JsonResponse({"received": True, "outcome": outcome})
