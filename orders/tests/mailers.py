"""Mail servers for tests, chosen with settings.EMAIL_BACKEND (dotted paths below)."""

import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

FAILING = "orders.tests.mailers.FailingBackend"
REFUSING = "orders.tests.mailers.RefusingBackend"
GREYLISTING = "orders.tests.mailers.GreylistingBackend"
SLOW = "orders.tests.mailers.SlowBackend"
REFUSING_ONE = "orders.tests.mailers.RefusingOneBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that drops every connection (an SMTP error); ``attempts`` counts
    the sends tried."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient with ``code`` (550: no such mailbox)."""

    code = 550

    def send_messages(self, messages):
        address = messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({address: (self.code, b"mailbox refused")})


class GreylistingBackend(RefusingBackend):
    """A temporary refusal (451: try again later)."""

    code = 451


class SlowBackend(LocmemBackend):
    """Delivers to django.core.mail.outbox, slowly: two senders that both got past
    their checks would both deliver."""

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)


class RefusingOneBackend(LocmemBackend):
    """Refuses refused@example.com for good (550) and delivers the others."""

    def send_messages(self, messages):
        for message in messages:
            if message.to == ["refused@example.com"]:
                raise smtplib.SMTPRecipientsRefused(
                    {message.to[0]: (550, b"no such mailbox")}
                )
        return super().send_messages(messages)
