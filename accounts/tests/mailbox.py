"""Helpers to read the links of account mail in ``django.core.mail.outbox``."""

import re

from django.core import mail

RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/([\w-]+)/([\w-]+)/)")
VERIFY_LINK = re.compile(r"https?://[^/\s]+(/accounts/verify/([\w-]+)/([\w-]+)/)")


def link_in(message, pattern) -> tuple[str, str, str]:
    """(path, uid, token) of the one link of ``pattern`` in a mail's text and HTML."""
    found = pattern.findall(message.body)
    html = message.alternatives[0][0] if message.alternatives else ""
    assert found, message.body
    assert len(set(found)) == 1
    assert found[0][0] in html
    return found[0]


def last_mail_to(email: str):
    messages = [m for m in mail.outbox if m.to == [email]]
    assert messages, [m.to for m in mail.outbox]
    return messages[-1]
