"""The order page's payment part: the payment's status (processing once the buyer is
back from confirming with Stripe), the refunds, and what Stripe.js needs."""

from django.conf import settings

from orders.models import Order, Payment
from orders.payments import GatewayUnavailable, get_gateway
from orders.status import payment_confirming


def payment_context(request, order: Order) -> dict:
    payment = Payment.objects.filter(order=order).first()
    returned = request.GET.get("payment_intent")
    if payment is not None and returned and returned == payment.reference:
        # Back from Stripe's confirmPayment (return_url): ask Stripe how it stands.
        try:
            payment = payment_confirming(order=order)
        except GatewayUnavailable:
            pass  # the page shows what is stored; the webhook tells the rest
    stripe = None
    uses_stripe = payment.provider == "stripe" if payment else (
        get_gateway().provider == "stripe")  # fmt: skip
    if uses_stripe:
        stripe = {
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "js_url": settings.STRIPE_JS_URL,
            "return_url": request.build_absolute_uri(order.get_absolute_url()),
        }
    return {"payment": payment, "refunds": list(order.refunds.all()), "stripe": stripe}
