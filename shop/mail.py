"""The shop's mail: every message is a pair of templates, text and HTML, in the shop's
look (both extend ``templates/mail/base.*``), with the shop's name in the subject."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def shop_message(
    *, to: list[str], subject: str, template: str, context: dict
) -> EmailMultiAlternatives:
    """A message to ``to`` rendered from ``<template>.txt`` and ``<template>.html``
    (e.g. ``mail/orders/paid``); the templates see ``shop_name`` beside ``context``."""
    context = {"shop_name": settings.SHOP_NAME, **context}
    message = EmailMultiAlternatives(
        subject=f"{settings.SHOP_NAME}: {subject}",
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"{template}.html", context), "text/html"
    )
    return message
