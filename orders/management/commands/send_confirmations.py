from django.core.management.base import BaseCommand

from orders.services import orders_send_confirmations


class Command(BaseCommand):
    help = (
        "Send the order confirmations that a failed send, or a worker stopped before "
        "its background thread sent them, left owed (5 minutes after their checkout, "
        "for orders placed less than 2 days ago and not cancelled). Run it every few "
        "minutes, like expire_orders."
    )

    def handle(self, *args, **options):
        result = orders_send_confirmations()
        if result is None:
            self.stdout.write("Another send_confirmations is running: nothing done.")
            return
        sent, failed = result
        self.stdout.write(
            f"Sent {sent} confirmation{'' if sent == 1 else 's'}"
            + (f"; {failed} failed and will be tried again." if failed else ".")
        )
        if failed:
            raise SystemExit(1)  # cron mails or alerts on a non-zero exit
