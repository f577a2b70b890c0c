"""What happened to an order, in time order, for the admin's order page: placed, mailed,
paid (and the provider's events), refunds, fulfilment, cancellation."""

from dataclasses import dataclass
from datetime import datetime

from orders.models import Order, Payment, PaymentEvent, Refund


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str
    detail: str = ""


def order_timeline(*, order: Order) -> list[Event]:
    events = [Event(order.created_at, "Placed", f"{order.total} {order.currency}")]
    if order.confirmation_sent_at:
        events.append(
            Event(order.confirmation_sent_at, "Confirmation mailed", order.email)
        )
    payment = Payment.objects.filter(order=order).first()
    if payment is not None:
        events.append(
            Event(
                payment.created_at,
                f"Payment started ({payment.provider})",
                payment.reference,
            )
        )
        if payment.status == payment.Status.FAILED:
            events.append(
                Event(payment.updated_at, "Payment failed", payment.reference)
            )
    for event in PaymentEvent.objects.filter(order=order).order_by("received_at"):
        events.append(
            Event(
                event.received_at,
                f"{event.provider} event {event.type}",
                event.event_id,
            )
        )
    if order.paid_at:
        events.append(Event(order.paid_at, "Paid", order.payment_reference))
    if order.payment_receipt_sent_at:
        events.append(
            Event(order.payment_receipt_sent_at, "Receipt mailed", order.email)
        )
    for refund in Refund.objects.filter(order=order).order_by("created_at"):
        restock = ", restocked" if refund.restocked else ""
        events.append(
            Event(
                refund.created_at,
                f"Refund {refund.get_status_display().lower()}",
                f"{refund.amount} {order.currency}{restock}"
                + (f": {refund.reason}" if refund.reason else ""),
            )
        )
        if refund.notice_sent_at:
            events.append(
                Event(refund.notice_sent_at, "Refund notice mailed", order.email)
            )
    if order.fulfilled_at:
        tracking = " ".join(
            part for part in (order.carrier, order.tracking_number) if part
        )
        events.append(Event(order.fulfilled_at, "Fulfilled", tracking))
    if order.shipping_notice_sent_at:
        events.append(
            Event(order.shipping_notice_sent_at, "Shipping notice mailed", order.email)
        )
    if order.cancelled_at:
        events.append(Event(order.cancelled_at, "Cancelled"))
    return sorted(events, key=lambda event: event.at)
