from django.core.management.base import BaseCommand

from orders.services import orders_send_confirmations


class Command(BaseCommand):
    help = (
        "Send the order confirmations that a failed send, or a worker stopped before "
        "its turn, left unsent (orders placed 5 minutes to 2 days ago). Run it every "
        "few minutes, like expire_orders."
    )

    def handle(self, *args, **options):
        sent, failed = orders_send_confirmations()
        self.stdout.write(
            f"Sent {sent} confirmation{'' if sent == 1 else 's'}"
            + (f"; {failed} failed and will be tried again." if failed else ".")
        )
        if failed:
            raise SystemExit(1)  # cron mails or alerts on a non-zero exit
