"""Celery tasks of the cart: thin, each calls a service that is safe to run twice."""

from celery import shared_task

from cart.reminders import carts_remind


@shared_task
def remind_abandoned_carts() -> int:
    """Beat, hourly: the reminders of carts left with items (cart.reminders)."""
    return carts_remind()
